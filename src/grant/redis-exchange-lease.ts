import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../redis/redis-connection.js';

/** Key space of the exchange leases under the connection's prefix. */
const LEASE_NAMESPACE = 'exchange-lease:';

/** Deletes the lease only when it is still ours (a late release never frees another holder's lease). */
const RELEASE_IF_OWNER = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/** A held lease; release it when the exchanged token is stored (or the exchange failed). */
export interface ExchangeLeaseHandle {
  release(): Promise<void>;
}

/**
 * Cross-replica single-flight for token exchanges: a short Redis lease (`SET NX PX`) per
 * exchange key. The holder exchanges and writes the shared cache; the others wait for that
 * entry. A lease expires by itself, so a replica that dies while holding one delays the
 * others by at most the lease time.
 */
export class RedisExchangeLease {
  constructor(private readonly redis: RedisConnection) {}

  /** Takes the lease on `id` for `ttlMs`; `undefined` when another replica holds it. Rejects when Redis is unavailable. */
  async acquire(id: string, ttlMs: number): Promise<ExchangeLeaseHandle | undefined> {
    const name = this.name(id);
    const owner = randomUUID();
    const reply = await this.redis.command(['SET', name, owner, 'NX', 'PX', String(Math.max(1, Math.floor(ttlMs)))]);
    if (reply !== 'OK') return undefined;
    return { release: async () => void (await this.redis.command(['EVAL', RELEASE_IF_OWNER, '1', name, owner])) };
  }

  /** Whether some replica holds the lease on `id`. Rejects when Redis is unavailable. */
  async isHeld(id: string): Promise<boolean> {
    return (await this.redis.command(['EXISTS', this.name(id)])) === 1;
  }

  private name(id: string): string {
    return this.redis.key(`${LEASE_NAMESPACE}${id}`);
  }
}
