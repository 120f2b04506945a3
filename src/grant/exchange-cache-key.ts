import { createHash } from 'node:crypto';

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
 * JSON array of the three. The subject token is part of the key, so one user's exchanged
 * token is never served to another; the hash keeps the token itself out of the cache's keys.
 */
export function exchangeCacheKey(subjectToken: string, resource: string, scope: string | readonly string[] | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([subjectToken, resource, normalizeScope(scope)]))
    .digest('hex');
}
