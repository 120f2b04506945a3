import { KeycardConfigurationError } from '../errors/keycard.error.js';
import { ExchangeCache, type ExchangeCacheEntry } from './exchange-cache.js';

/** Default number of exchanged tokens kept in memory. */
const DEFAULT_EXCHANGE_CACHE_MAX_ENTRIES = 1000;

/** Options of `MemoryExchangeCache`. */
export interface MemoryExchangeCacheOptions {
  /** Most entries kept; the least recently used goes first. `0` disables caching. Default: 1000. */
  readonly maxEntries?: number;
  /** Clock in ms since the epoch. Default: `Date.now`. */
  readonly now?: () => number;
}

interface StoredEntry {
  readonly value: ExchangeCacheEntry;
  readonly expiresAtMs: number;
}

/** The default `ExchangeCache`: a bounded, in-process LRU with absolute expiry. */
export class MemoryExchangeCache extends ExchangeCache {
  private readonly entries = new Map<string, StoredEntry>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: MemoryExchangeCacheOptions = {}) {
    super();
    const maxEntries = options.maxEntries ?? DEFAULT_EXCHANGE_CACHE_MAX_ENTRIES;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) {
      throw new KeycardConfigurationError(
        `exchange cache maxEntries must be a whole number >= 0 (0 disables the cache), got ${String(maxEntries)}`,
      );
    }
    this.maxEntries = maxEntries;
    this.now = options.now ?? Date.now;
  }

  get(key: string): ExchangeCacheEntry | undefined {
    const stored = this.entries.get(key);
    if (!stored) {
      return undefined;
    }
    this.entries.delete(key);
    if (stored.expiresAtMs <= this.now()) {
      return undefined;
    }
    // Re-insert: Map order is the recency order, oldest first.
    this.entries.set(key, stored);
    return stored.value;
  }

  set(key: string, value: ExchangeCacheEntry, expiresAtMs: number): void {
    this.entries.delete(key);
    if (this.maxEntries === 0 || !(expiresAtMs > this.now())) {
      return;
    }
    this.entries.set(key, { value, expiresAtMs });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) {
        break;
      }
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    this.removeExpired();
    return this.entries.size;
  }

  private removeExpired(): void {
    const now = this.now();
    for (const [key, stored] of this.entries) {
      if (stored.expiresAtMs <= now) {
        this.entries.delete(key);
      }
    }
  }
}
