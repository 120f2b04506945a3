import type { TokenResponse } from './token-response.interface.js';

/** What the exchange cache stores for one (subject token, resource, scope). */
export interface ExchangeCacheEntry {
  /** The exchanged token, as the token endpoint returned it. */
  readonly response: TokenResponse;
  /** When it was obtained (ms since the epoch), to report the remaining `expiresIn` on a hit. */
  readonly obtainedAtMs: number;
}

/** Where one exchanged token is kept: given to every `ExchangeCache` method. */
export interface ExchangeCacheKey {
  /**
   * Names the entry: a hex hash of (subject token, resource, scope) that reveals none of
   * them (and not `secret` either).
   */
  readonly id: string;
  /**
   * 32 bytes derived from the subject token (HKDF-SHA256, a label of its own), for stores
   * that encrypt entries at rest (`RedisExchangeCache` does, with AES-256-GCM). Only a
   * caller holding the subject token can derive it: a store must never persist it.
   */
  readonly secret: Uint8Array;
}

/**
 * Where exchanged tokens are kept until shortly before they expire. Also the DI token:
 * provide another implementation (a shared store) with the `exchangeCache` option, or use
 * the `redis` option for the built-in `RedisExchangeCache`.
 *
 * Every method is asynchronous, since a shared store is remote. Each process still keeps
 * its own synchronous in-memory cache (`MemoryExchangeCache`) in front of a shared one, so a
 * warm `@Grant` never waits for the network. Entries must not outlive `expiresAtMs`. A store
 * that fails should reject: the caller then exchanges without it.
 */
export abstract class ExchangeCache {
  /** The live entry under `key`, or `undefined` (missing, expired, or unreadable). */
  abstract get(key: ExchangeCacheKey): Promise<ExchangeCacheEntry | undefined>;
  /** Stores `value` until `expiresAtMs` (absolute, ms since the epoch). */
  abstract set(key: ExchangeCacheKey, value: ExchangeCacheEntry, expiresAtMs: number): Promise<void>;
  /** Removes the entry under `key`. */
  abstract delete(key: ExchangeCacheKey): Promise<void>;
  /** Removes every entry this cache holds. */
  abstract clear(): Promise<void>;
}
