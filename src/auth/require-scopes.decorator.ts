import { SetMetadata } from '@nestjs/common';
import { scopeTokenProblem } from '../config/scope-token.js';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import { KEYCARD_REQUIRED_SCOPES_KEY } from './auth.constants.js';

/**
 * Scopes the bearer token must carry for this route or tool, on top of the module's
 * `requiredScopes`. On a class and a method, both lists apply. A token without them
 * gets 403 `insufficient_scope`. Each scope must be an RFC 6749 scope-token (printable ASCII,
 * no space, `"` or `\\`); anything else throws `KeycardConfigurationError` where the decorator
 * is applied, when the class is loaded, so the app never boots with it.
 *
 * @example
 * ```ts
 * @RequireScopes('mcp:tools', 'calendar:read')
 * ```
 */
export const RequireScopes = (...scopes: string[]): MethodDecorator & ClassDecorator => {
  const problem = scopeTokenProblem('@RequireScopes()', scopes);
  if (problem !== undefined) throw new KeycardConfigurationError(problem);
  return SetMetadata(KEYCARD_REQUIRED_SCOPES_KEY, scopes);
};
