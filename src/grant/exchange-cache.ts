import type { TokenResponse } from './token-response.interface.js';

/** What the exchange cache stores for one (subject token, resource, scope). */
export interface ExchangeCacheEntry {
  /** The exchanged token, as the token endpoint returned it. */
  readonly response: TokenResponse;
  /** When it was obtained (ms since the epoch), to report the remaining `expiresIn` on a hit. */
  readonly obtainedAtMs: number;
}

/**
 * Where exchanged tokens are kept until shortly before they expire. Also the DI token:
 * provide another implementation (e.g. a shared store) to replace the default
 * in-memory LRU (`MemoryExchangeCache`). Methods may be synchronous or return promises.
 *
 * Keys are SHA-256 hashes of (subject token, resource, scope); values hold tokens, so a
 * shared store must be as private as the tokens themselves.
 */
export abstract class ExchangeCache {
  /** The live entry under `key`, or `undefined` (missing or expired). */
  abstract get(key: string): ExchangeCacheEntry | undefined | Promise<ExchangeCacheEntry | undefined>;
  /** Stores `value` until `expiresAtMs` (absolute, ms since the epoch). */
  abstract set(key: string, value: ExchangeCacheEntry, expiresAtMs: number): void | Promise<void>;
  /** Removes the entry under `key`. */
  abstract delete(key: string): void | Promise<void>;
  /** Removes every entry. */
  abstract clear(): void | Promise<void>;
  /** Number of live entries. */
  abstract get size(): number;
}
