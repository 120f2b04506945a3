import { KeycardConfigurationError } from '../errors/keycard.error.js';
import type { GrantMetadata, GrantOptions } from './grant-options.interface.js';

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
  if (scopes !== undefined && typeof scopes !== 'string' && !Array.isArray(scopes)) {
    for (const key of Object.keys(scopes)) {
      if (!list.includes(key)) {
        problems.push(
          `${where} scopes names ${JSON.stringify(key)}, which is not one of its resources (${list.join(', ')}); ` +
            'scope map keys must match the resource identifiers exactly.',
        );
      }
    }
  }
  if (problems.length > 0) throw new KeycardConfigurationError(problems);
  return { resources: Object.freeze([...new Set(list)]), scopes };
}
