import { hash } from 'node:crypto';
import { KeycardConfigurationError } from '../errors/keycard.error.js';

/** Default number of verified tokens remembered. */
const DEFAULT_VERIFIED_TOKEN_CACHE_MAX_ENTRIES = 10_000;

/** Options of `VerifiedTokenCache`. */
export interface VerifiedTokenCacheOptions {
  /** Most tokens remembered; the least recently used goes first. `0` disables the cache. Default: 10000. */
  readonly maxEntries?: number;
  /** Clock in ms since the epoch. Default: `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  /** SPKI PEM of the zone key the signature verified with. */
  readonly keyPem: string;
  /** The token's `exp`, in ms. */
  readonly expiresAtMs: number;
}

/**
 * Remembers which bearer tokens had a valid signature, and with which zone key, so that
 * `KeycardAuthGuard` checks each token's signature once instead of on every request (the
 * RSA/ECDSA verification and key parsing are most of the guard's cost).
 *
 * Only the signature check is remembered. On a hit the guard still checks everything else
 * on every request: the algorithm allow-list, that the key is still published in a key set
 * that is not older than the key store's maximum age (so a key the zone drops stops
 * admitting its tokens as soon as the guard would notice without this cache), the claims
 * (issuer, `exp`/`nbf`/`iat`, audience, subject) and the route's scopes.
 *
 * - keyed by the SHA-256 of the token: the token itself is not kept;
 * - an entry is never served at or after the token's `exp` (no entry for a token without one);
 * - bounded: least recently used first out, at most `maxEntries`.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: VerifiedTokenCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_VERIFIED_TOKEN_CACHE_MAX_ENTRIES;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) {
      throw new KeycardConfigurationError(
        `verified token cache maxEntries must be a whole number >= 0 (0 disables the cache), got ${String(maxEntries)}`,
      );
    }
    this.maxEntries = maxEntries;
    this.now = options.now ?? (() => Date.now());
  }

  /** The cache key of a token: SHA-256, base64url. */
  static keyOf(token: string): string {
    return hash('sha256', token, 'base64url');
  }

  /** The key (SPKI PEM) the token's signature verified with, while the token has not expired. */
  get(token: string): string | undefined {
    if (this.maxEntries === 0) return undefined;
    const key = VerifiedTokenCache.keyOf(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAtMs <= this.now()) return undefined;
    // Re-insert: Map order is the recency order, oldest first.
    this.entries.set(key, entry);
    return entry.keyPem;
  }

  /**
   * Records that the token's signature verified with `keyPem`, until `expSeconds` (the
   * token's `exp`). Nothing is stored without a finite `exp` in the future.
   */
  set(token: string, keyPem: string, expSeconds: unknown): void {
    if (this.maxEntries === 0) return;
    if (typeof expSeconds !== 'number' || !Number.isFinite(expSeconds)) return;
    const expiresAtMs = expSeconds * 1000;
    if (expiresAtMs <= this.now()) return;
    const key = VerifiedTokenCache.keyOf(token);
    this.entries.delete(key);
    this.entries.set(key, { keyPem, expiresAtMs });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  /** Forgets a token. */
  delete(token: string): void {
    this.entries.delete(VerifiedTokenCache.keyOf(token));
  }

  /** Forgets every token. */
  clear(): void {
    this.entries.clear();
  }

  /** Number of entries held, expired ones not yet evicted included (never more than `maxEntries`). */
  get size(): number {
    return this.entries.size;
  }
}

/**
 * The payload of a compact JWS whose signature was verified earlier (the same bytes, so
 * the same claims jsonwebtoken decoded then). Throws on anything that is not JSON.
 */
export function decodeVerifiedPayload(token: string): unknown {
  const parts = token.split('.');
  return JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
}
