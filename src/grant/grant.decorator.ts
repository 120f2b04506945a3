import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import type { GrantOptions } from './grant-options.interface.js';
import { grantMetadataOf } from './grant-metadata.js';
import { GRANT_METADATA } from './grant.constants.js';
import { GrantInterceptor } from './grant.interceptor.js';

/**
 * Obtains delegated tokens for downstream APIs before the handler runs (RFC 8693 token
 * exchange of the caller's token), readable with `@AccessCtx()`. On a method or a class,
 * on controllers and MCP-Nest tools; the interceptor comes with it. A resource is any
 * absolute URI: an API's URL, or a URN such as `urn:vault:openai-api-key` (a vaulted secret).
 *
 * ```ts
 * @Tool({ name: 'get_repos' })
 * @Grant('https://api.github.com', { scopes: 'repo:read' })
 * getRepos(@AccessCtx() access: AccessContext) { ... }
 * ```
 */
export function Grant(resources: string | readonly string[], options: GrantOptions = {}): ClassDecorator & MethodDecorator {
  const metadata = grantMetadataOf('@Grant()', resources, options);
  return applyDecorators(SetMetadata(GRANT_METADATA, metadata), UseInterceptors(GrantInterceptor));
}
