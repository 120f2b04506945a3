import { MAX_BEARER_TOKEN_LENGTH } from './auth.constants.js';

/** What the `Authorization` header of a request holds, as far as bearer authentication goes. */
export type BearerCredentials =
  /** No `Authorization` header. */
  | { readonly kind: 'missing' }
  /** Another scheme (`Basic ...`) or something that is no scheme at all. */
  | { readonly kind: 'other-scheme' }
  /** `Bearer` with a value that cannot be a JWT; `reason` is safe to show (no token text). */
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'bearer'; readonly token: string };

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Reads the `Authorization` header. The scheme is case-insensitive (RFC 7235); the token
 * must look like a compact JWS (three base64url parts) and be at most
 * `MAX_BEARER_TOKEN_LENGTH` characters.
 */
export function parseAuthorizationHeader(header: string | undefined): BearerCredentials {
  if (header === undefined) return { kind: 'missing' };
  const trimmed = header.trim();
  if (trimmed === '') return { kind: 'missing' };
  const match = /^(\S+)(?:\s+(.*))?$/s.exec(trimmed);
  if (!match || match[1].toLowerCase() !== 'bearer') return { kind: 'other-scheme' };
  const token = (match[2] ?? '').trim();
  if (token === '') return { kind: 'malformed', reason: 'the bearer token is empty' };
  if (token.length > MAX_BEARER_TOKEN_LENGTH) {
    return { kind: 'malformed', reason: `the bearer token is longer than ${MAX_BEARER_TOKEN_LENGTH} characters` };
  }
  if (!JWT_SHAPE.test(token)) return { kind: 'malformed', reason: 'the bearer token is not a JWT' };
  return { kind: 'bearer', token };
}
