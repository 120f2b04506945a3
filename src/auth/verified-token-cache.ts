import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import type { KeycardAuthInfo, KeycardUser } from './keycard-user.interface.js';

/** Default number of verified tokens remembered. */
const DEFAULT_VERIFIED_TOKEN_CACHE_MAX_ENTRIES = 10_000;

/**
 * When the cache is full, one token in this many that is not remembered yet gets in (and
 * pushes the least recently used one out). With more distinct tokens than room, plain LRU
 * would replace an entry on every request and hit almost never; sampling keeps most entries
 * long enough to be hit, and saves the insertions.
 */
const ADMIT_ONE_IN_WHEN_FULL = 8;

/** Where the cache checks that the key a token verified with is still published (`JwksKeyStore`). */
export interface SigningKeySource {
  /** The key with this `kid` from a key set that is still fresh; `undefined` otherwise (never fetches). */
  peekKey(kid: string | undefined): { readonly pem: string } | undefined;
}

/** Options of `VerifiedTokenCache`. */
export interface VerifiedTokenCacheOptions {
  /** The zone's current keys: an entry is served only while the key it verified with is published there. */
  readonly keys: SigningKeySource;
  /** Most tokens remembered; the least recently used goes first. `0` disables the cache. Default: 10000. */
  readonly maxEntries?: number;
  /** Clock in ms since the epoch. Default: `Date.now`. */
  readonly now?: () => number;
  /** Random number in [0, 1), for the admission of new tokens when the cache is full. Default: `Math.random`. */
  readonly random?: () => number;
}

/** What a full verification of a token established: everything a hit needs, without the token itself. */
export interface VerifiedIdentity {
  /** The user as full verification built it, minus `token` (frozen, claims too). */
  readonly user: Omit<KeycardUser, 'token'>;
  /** `req.auth.extra` for this user (frozen). */
  readonly extra: NonNullable<KeycardAuthInfo['extra']>;
  /** The `kid` of the token's header (`undefined` when it has none). */
  readonly kid: string | undefined;
  /** SPKI PEM of the zone key the signature verified with. */
  readonly keyPem: string;
  /** The token's `exp`, in ms. */
  readonly expiresAtMs: number;
}

/**
 * Remembers the tokens whose full verification succeeded — the user it built, and which zone
 * key the signature verified with — so that `KeycardAuthGuard` verifies each token once
 * instead of on every request, and a hit decodes nothing.
 *
 * `get` serves an entry only before the token's `exp` and while the key it verified with is
 * still published in a fresh key set (`SigningKeySource.peekKey`: the key store's maximum
 * age, so a key the zone drops stops admitting its tokens as soon as the guard would notice
 * without this cache). The guard checks the rest on every hit: the audience rule of the
 * request's endpoint, the route's scopes, `handleRequest`.
 *
 * - keyed by the SHA-256 of the token: the token itself is not kept;
 * - bounded (lru-cache): at most `maxEntries`, least recently used first out, each entry at
 *   most until the token's `exp`; when full, new tokens are admitted one in
 *   `ADMIT_ONE_IN_WHEN_FULL` (no insertion churn when there are more tokens than room).
 */
export class VerifiedTokenCache {
  private readonly entries: LRUCache<string, VerifiedIdentity> | undefined;
  private readonly maxEntries: number;
  private readonly keys: SigningKeySource;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(options: VerifiedTokenCacheOptions) {
    const maxEntries = options.maxEntries ?? DEFAULT_VERIFIED_TOKEN_CACHE_MAX_ENTRIES;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) {
      throw new KeycardConfigurationError(
        `verified token cache maxEntries must be a whole number >= 0 (0 disables the cache), got ${String(maxEntries)}`,
      );
    }
    this.maxEntries = maxEntries;
    this.entries = maxEntries === 0 ? undefined : new LRUCache({ max: maxEntries });
    this.keys = options.keys;
    this.now = options.now ?? (() => Date.now());
    this.random = options.random ?? (() => Math.random());
  }

  /** The cache key of a token: SHA-256, base64url. */
  static keyOf(token: string): string {
    return hash('sha256', token, 'base64url');
  }

  /** What the token's full verification established, while it has not expired and its key is still published. */
  get(token: string): VerifiedIdentity | undefined {
    const entries = this.entries;
    if (entries === undefined) return undefined;
    const key = VerifiedTokenCache.keyOf(token);
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > this.now() && this.keys.peekKey(entry.kid)?.pem === entry.keyPem) return entry;
    entries.delete(key);
    return undefined;
  }

  /**
   * Remembers a token whose full verification built `user` with the key `keyPem`. Nothing is
   * stored without a finite `exp` in the future. `kid`: the token header's.
   */
  set(token: string, user: KeycardUser, verifiedWith: { readonly kid: string | undefined; readonly keyPem: string }): void {
    const entries = this.entries;
    if (entries === undefined) return;
    const expSeconds: unknown = user.expiresAt;
    if (typeof expSeconds !== 'number' || !Number.isFinite(expSeconds)) return;
    const expiresAtMs = expSeconds * 1000;
    if (expiresAtMs <= this.now()) return;
    const key = VerifiedTokenCache.keyOf(token);
    if (entries.size >= this.maxEntries && !entries.has(key) && this.random() * ADMIT_ONE_IN_WHEN_FULL >= 1) return;
    const { token: _token, ...rest } = user;
    const remembered: Omit<KeycardUser, 'token'> = Object.freeze({ ...rest, scopes: Object.freeze([...rest.scopes]), claims: deepFreeze(rest.claims) });
    const extra = Object.freeze({ sub: remembered.sub, claims: remembered.claims });
    entries.set(key, Object.freeze({ user: remembered, extra, kid: verifiedWith.kid, keyPem: verifiedWith.keyPem, expiresAtMs }));
  }

  /** Forgets a token. */
  delete(token: string): void {
    this.entries?.delete(VerifiedTokenCache.keyOf(token));
  }

  /** Forgets every token. */
  clear(): void {
    this.entries?.clear();
  }

  /** Number of entries held, expired ones not yet evicted included (never more than `maxEntries`). */
  get size(): number {
    return this.entries?.size ?? 0;
  }
}

/** Freezes a JSON value (claims), so that one request's handler cannot change what another request of the same token sees. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The `kid` of a compact JWS whose signature was verified (so its header is a JSON object); `undefined` when it has none. */
export function verifiedTokenKid(token: string): string | undefined {
  const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as { kid?: unknown };
  return typeof header.kid === 'string' ? header.kid : undefined;
}
