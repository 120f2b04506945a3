import { scopeStringProblem, scopeTokenProblem } from '../config/scope-token.js';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import type { GrantMetadata, GrantOptions } from './grant-options.interface.js';
import type { GrantScopes } from './token-exchange.service.js';

/** RFC 3986 scheme followed by ':' and something. */
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:./s;
/** Whitespace and control characters: never in a resource identifier (they would also forge log lines). */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\s\u0000-\u001f\u007f]/;

/**
 * Why `resource` is not a usable resource indicator (RFC 8707: an absolute URI without a
 * fragment), or `undefined` when it is. URLs (`https://api.example.com`) and other absolute
 * URIs (`urn:vault:openai-api-key`, a Keycard vaulted secret) are both accepted.
 */
export function resourceProblem(resource: unknown): string | undefined {
  if (typeof resource !== 'string' || resource.length === 0) return 'must be a non-empty string';
  if (FORBIDDEN.test(resource)) return 'must not contain whitespace or control characters';
  if (!ABSOLUTE_URI.test(resource)) return 'must be an absolute URI (a URL such as https://api.example.com, or a URN such as urn:vault:openai-api-key)';
  if (resource.includes('#')) return 'must not contain a fragment (#)';
  if (!URL.canParse(resource)) return 'is not a valid URI';
  return undefined;
}

/**
 * Validates `@Grant()` / `withGrant()` arguments and builds their metadata.
 * @throws KeycardConfigurationError naming every bad resource and scope-map key.
 */
export function grantMetadataOf(where: string, resources: string | readonly string[], options: GrantOptions = {}): GrantMetadata {
  const list = typeof resources === 'string' ? [resources] : [...resources];
  const problems: string[] = [];
  if (list.length === 0) problems.push(`${where} needs at least one resource (a URL or a URN).`);
  for (const resource of list) {
    const problem = resourceProblem(resource);
    if (problem) problems.push(`${where} resource ${JSON.stringify(resource)} ${problem}.`);
  }
  const scopes = options.scopes;
  // Scope strings are RFC 6749 scope-tokens (a string may hold several, space separated).
  const scopeProblem = (value: string | readonly string[]) =>
    typeof value === 'string' ? scopeStringProblem(where, value) : scopeTokenProblem(`${where} scopes`, value);
  if (typeof scopes === 'string' || Array.isArray(scopes)) {
    const problem = scopeProblem(scopes as string | readonly string[]);
    if (problem) problems.push(problem);
  } else if (scopes !== undefined) {
    for (const value of Object.values(scopes as Readonly<Record<string, string | readonly string[]>>)) {
      const problem = scopeProblem(value);
      if (problem) problems.push(problem);
    }
    for (const key of Object.keys(scopes)) {
      if (!list.includes(key)) {
        problems.push(
          `${where} scopes names ${JSON.stringify(key)}, which is not one of its resources (${list.join(', ')}); ` +
            'scope map keys must match the resource identifiers exactly.',
        );
      }
    }
  }
  if (options.userIdentifier !== undefined && typeof options.userIdentifier !== 'function') {
    problems.push(`${where} userIdentifier must be a function (context) => string | Promise<string>.`);
  }
  if (problems.length > 0) throw new KeycardConfigurationError(problems);
  const metadata: GrantMetadata = { resources: Object.freeze([...new Set(list)]), scopes };
  return options.userIdentifier === undefined ? metadata : { ...metadata, userIdentifier: options.userIdentifier };
}

/** The scope tokens `scopes` gives `resource` (split on spaces), or `undefined` when none. */
function scopeTokensFor(scopes: GrantScopes | undefined, resource: string): string[] | undefined {
  if (scopes === undefined) return undefined;
  const value = typeof scopes === 'string' || Array.isArray(scopes) ? (scopes as string | readonly string[]) : Object.hasOwn(scopes, resource) ? (scopes as Readonly<Record<string, string | readonly string[]>>)[resource] : undefined;
  if (value === undefined) return undefined;
  return (typeof value === 'string' ? [value] : [...value]).flatMap((part) => part.split(' ')).filter((token) => token.length > 0);
}

/**
 * Several grants as one (stacked `@Grant` on a class and its method, or a list given to
 * `withGrant`): the union of their resources in order of first appearance, and per resource
 * the union of the scopes each grant asks for it. One exchange per resource follows.
 * Options that name one value (such as `userIdentifier`) come from the last grant that sets them.
 */
export function combineGrants(grants: readonly GrantMetadata[]): GrantMetadata {
  if (grants.length === 1) return grants[0] as GrantMetadata;
  const resources: string[] = [];
  const scopes = new Map<string, Set<string>>();
  for (const grant of grants) {
    for (const resource of grant.resources) {
      if (!resources.includes(resource)) resources.push(resource);
      const tokens = scopeTokensFor(grant.scopes, resource);
      if (tokens === undefined) continue;
      const set = scopes.get(resource) ?? new Set<string>();
      tokens.forEach((token) => set.add(token));
      scopes.set(resource, set);
    }
  }
  const combined: { -readonly [K in keyof GrantMetadata]: GrantMetadata[K] } = { resources: Object.freeze(resources) };
  if (scopes.size > 0) combined.scopes = Object.freeze(Object.fromEntries([...scopes].map(([resource, set]) => [resource, Object.freeze([...set])])));
  for (const grant of grants) {
    if (grant.userIdentifier !== undefined) combined.userIdentifier = grant.userIdentifier;
  }
  return Object.freeze(combined);
}
