import { hash } from 'node:crypto';

/** Any UTF-16 surrogate (never in a bearer token: those are ASCII). */
const SURROGATE = /[\uD800-\uDFFF]/;

/** Scopes as a sorted, de-duplicated, space-joined string (`''` when none). */
export function normalizeScope(scope: string | readonly string[] | undefined): string {
  if (scope === undefined) {
    return '';
  }
  const parts = (typeof scope === 'string' ? [scope] : scope).flatMap((part) => part.split(/\s+/));
  return [...new Set(parts.filter((part) => part.length > 0))].sort().join(' ');
}

/**
 * The exchange cache key of (subject token, resource, scope): SHA-256 hex of an unambiguous
 * encoding of the three. The subject token is part of the key, so one user's exchanged
 * token is never served to another; the hash keeps the token itself out of the cache's keys.
 *
 * The encoding is length-prefixed (`<length>:<token><length>:<resource><scope>`), which is
 * cheaper than JSON; when any part holds a UTF-16 surrogate it is a JSON array instead, since
 * UTF-8 would turn different lone surrogates into the same bytes and JSON escapes them. The
 * two forms never meet: one starts with a digit, the other with `[`.
 */
export function exchangeCacheKey(subjectToken: string, resource: string, scope: string | readonly string[] | undefined): string {
  const normalized = normalizeScope(scope);
  const input =
    SURROGATE.test(subjectToken) || SURROGATE.test(resource) || SURROGATE.test(normalized)
      ? JSON.stringify([subjectToken, resource, normalized])
      : `${subjectToken.length}:${subjectToken}${resource.length}:${resource}${normalized}`;
  return hash('sha256', input, 'hex');
}
