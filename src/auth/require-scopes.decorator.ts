import { SetMetadata } from '@nestjs/common';
import { KEYCARD_REQUIRED_SCOPES_KEY } from './auth.constants.js';

/**
 * Scopes the bearer token must carry for this route or tool, on top of the module's
 * `requiredScopes`. On a class and a method, both lists apply. A token without them
 * gets 403 `insufficient_scope`.
 *
 * @example
 * ```ts
 * @RequireScopes('mcp:tools', 'calendar:read')
 * ```
 */
export const RequireScopes = (...scopes: string[]): MethodDecorator & ClassDecorator =>
  SetMetadata(KEYCARD_REQUIRED_SCOPES_KEY, scopes);
