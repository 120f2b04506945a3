import { LRUCache } from 'lru-cache';
import { DEFAULT_EXCHANGE_CACHE_MAX_ENTRIES } from '../config/keycard-settings.resolver.js';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import { ExchangeCache, type ExchangeCacheEntry, type ExchangeCacheKey } from './exchange-cache.js';

/** Options of `MemoryExchangeCache`. */
export interface MemoryExchangeCacheOptions {
  /** Most entries kept; the least recently used goes first. `0` disables caching. Default: 10,000 (the module option's default too). */
  readonly maxEntries?: number;
  /** Clock in ms since the epoch. Default: `Date.now`. */
  readonly now?: () => number;
}

/**
 * The in-process exchange cache: a bounded LRU (`lru-cache`) with absolute expiry. It is
 * the default `ExchangeCache`, and the synchronous first level in front of a shared one:
 * `peek` and `put` answer without a promise, which keeps a warm `@Grant` synchronous.
 */
export class MemoryExchangeCache extends ExchangeCache {
  private readonly entries: LRUCache<string, ExchangeCacheEntry> | undefined;
  private readonly now: () => number;

  constructor(options: MemoryExchangeCacheOptions = {}) {
    super();
    const maxEntries = options.maxEntries ?? DEFAULT_EXCHANGE_CACHE_MAX_ENTRIES;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) {
      throw new KeycardConfigurationError(
        `exchange cache maxEntries must be a whole number >= 0 (0 disables the cache), got ${String(maxEntries)}`,
      );
    }
    const now = options.now ?? Date.now;
    this.now = now;
    // ttlResolution 0: read the clock on every lookup, so an entry is never served past its expiry.
    this.entries = maxEntries === 0 ? undefined : new LRUCache({ max: maxEntries, ttlResolution: 0, perf: { now } });
  }

  /** The live entry under `id` (an `ExchangeCacheKey.id` or any other string key), synchronously. */
  peek(id: string): ExchangeCacheEntry | undefined {
    return this.entries?.get(id);
  }

  /** Stores `value` under `id` until `expiresAtMs`, synchronously; an expired one is not stored. */
  put(id: string, value: ExchangeCacheEntry, expiresAtMs: number): void {
    if (this.entries === undefined) return;
    // lru-cache drops an entry once its age exceeds ttl; ours expire when now reaches expiresAtMs.
    const ttl = Math.floor(expiresAtMs - this.now()) - 1;
    if (ttl >= 1) {
      this.entries.set(id, value, { ttl });
    } else {
      this.entries.delete(id);
    }
  }

  /** Removes the entry under `id`. */
  remove(id: string): void {
    this.entries?.delete(id);
  }

  /** Number of live entries (in memory, so this one can be synchronous). */
  get size(): number {
    if (this.entries === undefined) return 0;
    this.entries.purgeStale();
    return this.entries.size;
  }

  override async get(key: ExchangeCacheKey): Promise<ExchangeCacheEntry | undefined> {
    return this.peek(key.id);
  }

  override async set(key: ExchangeCacheKey, value: ExchangeCacheEntry, expiresAtMs: number): Promise<void> {
    this.put(key.id, value, expiresAtMs);
  }

  override async delete(key: ExchangeCacheKey): Promise<void> {
    this.remove(key.id);
  }

  override async clear(): Promise<void> {
    this.entries?.clear();
  }
}
