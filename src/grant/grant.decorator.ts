import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { scopeStringProblem, scopeTokenProblem } from '../config/scope-token.js';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import type { GrantMetadata, GrantOptions } from './grant-options.interface.js';
import { GRANT_METADATA } from './grant.constants.js';
import { GrantInterceptor } from './grant.interceptor.js';

function checkResources(resources: readonly string[]): void {
  if (resources.length === 0) throw new KeycardConfigurationError('@Grant() needs at least one resource URL.');
  for (const resource of resources) {
    let ok = false;
    try {
      ok = typeof resource === 'string' && ['http:', 'https:'].includes(new URL(resource).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new KeycardConfigurationError(`@Grant() resources must be absolute http(s) URLs, got ${JSON.stringify(resource)}.`);
  }
}

/** Scopes as a space-separated string or a list of RFC 6749 scope-tokens. */
function checkScopeValue(value: string | readonly string[]): void {
  const problem = typeof value === 'string' ? scopeStringProblem('@Grant()', value) : scopeTokenProblem('@Grant() scopes', value);
  if (problem !== undefined) throw new KeycardConfigurationError(problem);
}

function checkScopeMap(resources: readonly string[], scopes: GrantOptions['scopes']): void {
  if (scopes === undefined) return;
  if (typeof scopes === 'string' || Array.isArray(scopes)) {
    checkScopeValue(scopes as string | readonly string[]);
    return;
  }
  for (const value of Object.values(scopes as Readonly<Record<string, string | readonly string[]>>)) checkScopeValue(value);
  for (const key of Object.keys(scopes)) {
    if (!resources.includes(key)) {
      throw new KeycardConfigurationError(
        `@Grant() scopes names ${JSON.stringify(key)}, which is not one of its resources (${resources.join(', ')}); ` +
          'scope map keys must match the resource URLs exactly.',
      );
    }
  }
}

/**
 * Obtains delegated tokens for downstream APIs before the handler runs (RFC 8693 token
 * exchange of the caller's token), readable with `@AccessCtx()`. On a method or a class,
 * on controllers and MCP-Nest tools; the interceptor comes with it.
 *
 * ```ts
 * @Tool({ name: 'get_repos' })
 * @Grant('https://api.github.com', { scopes: 'repo:read' })
 * getRepos(@AccessCtx() access: AccessContext) { ... }
 * ```
 */
export function Grant(resources: string | readonly string[], options: GrantOptions = {}): ClassDecorator & MethodDecorator {
  const list = typeof resources === 'string' ? [resources] : [...resources];
  checkResources(list);
  checkScopeMap(list, options.scopes);
  const metadata: GrantMetadata = { resources: Object.freeze(list), scopes: options.scopes };
  return applyDecorators(SetMetadata(GRANT_METADATA, metadata), UseInterceptors(GrantInterceptor));
}
