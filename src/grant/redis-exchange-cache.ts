import type { RedisConnection } from '../redis/redis-connection.js';
import { ExchangeCache, type ExchangeCacheEntry, type ExchangeCacheKey } from './exchange-cache.js';
import { openExchange, sealExchange } from './exchange-seal.js';

/** Key space of the exchanged tokens under the connection's prefix. */
const ENTRY_NAMESPACE = 'exchange:';

/**
 * The exchange cache shared by every replica, on Redis. Each value is sealed with
 * AES-256-GCM under a key derived from the subject token (see `exchange-seal.ts`) and named
 * by a hash that reveals neither the token nor that key, so a dump of Redis holds no usable
 * token. Entries expire in Redis (`PX`) when the in-memory rules say they stop being served.
 *
 * Methods reject when Redis is down or slow (bounded by the connection's command timeout);
 * the token exchange service then carries on with its own cache.
 */
export class RedisExchangeCache extends ExchangeCache {
  constructor(
    private readonly redis: RedisConnection,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  override async get(key: ExchangeCacheKey): Promise<ExchangeCacheEntry | undefined> {
    const sealed = await this.redis.command(['GET', this.name(key)]);
    if (typeof sealed !== 'string') return undefined;
    const opened = openExchange(key, sealed);
    return opened !== undefined && opened.expiresAtMs > this.now() ? opened.entry : undefined;
  }

  override async set(key: ExchangeCacheKey, value: ExchangeCacheEntry, expiresAtMs: number): Promise<void> {
    const ttlMs = Math.floor(expiresAtMs - this.now());
    if (ttlMs < 1) return;
    await this.redis.command(['SET', this.name(key), sealExchange(key, { entry: value, expiresAtMs }), 'PX', String(ttlMs)]);
  }

  override async delete(key: ExchangeCacheKey): Promise<void> {
    await this.redis.command(['DEL', this.name(key)]);
  }

  /** Deletes every exchanged token under the prefix (SCAN + UNLINK, in batches). */
  override async clear(): Promise<void> {
    let cursor = '0';
    do {
      const reply = (await this.redis.command(['SCAN', cursor, 'MATCH', `${this.redis.key(ENTRY_NAMESPACE)}*`, 'COUNT', '500'])) as [string, string[]];
      cursor = String(reply[0]);
      if (reply[1].length > 0) await this.redis.command(['UNLINK', ...reply[1]]);
    } while (cursor !== '0');
  }

  private name(key: ExchangeCacheKey): string {
    return this.redis.key(`${ENTRY_NAMESPACE}${key.id}`);
  }
}
