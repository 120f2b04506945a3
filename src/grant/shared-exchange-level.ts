import type { Logger } from '@nestjs/common';
import { KeycardRedisUnavailableError } from '../redis/redis-connection.js';
import type { ExchangeCache, ExchangeCacheEntry, ExchangeCacheKey } from './exchange-cache.js';
import type { ExchangeLeaseHandle, RedisExchangeLease } from './redis-exchange-lease.js';
import { TokenExchangeError } from './token-exchange.error.js';

/** How often a replica waiting for another one's exchange looks for the result, in ms. */
const LEASE_POLL_MS = 20;

/** Every this many looks, the waiter also checks the lease is still held (a holder that failed releases it). */
const LEASE_CHECK_EVERY = 4;

/** What the shared level answers: a token another replica stored, or the go-ahead to exchange (then `release`). */
export type SharedLookup = { readonly entry: ExchangeCacheEntry } | { readonly entry?: undefined; release(): Promise<void> };

const NOTHING_TO_RELEASE: SharedLookup = { release: async () => undefined };

/**
 * The shared level of the exchange cache (e.g. Redis) and, with a lease, the cross-replica
 * single-flight: one replica exchanges, the others wait (bounded) for the token it stores.
 * Never rejects: when the shared store fails, the caller is told to exchange on its own.
 */
export class SharedExchangeLevel {
  constructor(
    private readonly cache: ExchangeCache,
    private readonly lease: RedisExchangeLease | undefined,
    /** Lease time, also the longest wait for another replica's exchange. */
    private readonly leaseMs: number,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /**
   * The stored token for `key`, possibly after waiting for the replica that holds the lease;
   * otherwise the go-ahead to exchange (holding the lease when there is one): exchange, `write`,
   * then `release`.
   */
  async findOrLead(key: ExchangeCacheKey): Promise<SharedLookup> {
    const cached = await this.read(key);
    if (cached !== undefined) return { entry: cached };
    const lease = await this.takeLease(key);
    if (lease === 'held-elsewhere') {
      const theirs = await this.awaitHolder(key);
      return theirs === undefined ? NOTHING_TO_RELEASE : { entry: theirs };
    }
    if (lease === undefined) return NOTHING_TO_RELEASE;
    const release = () => lease.release().catch((error: unknown) => this.failed('lease release', error));
    // Another replica may have stored the token between the first read and the lease.
    const stored = await this.read(key);
    if (stored === undefined) return { release };
    await release();
    return { entry: stored };
  }

  /** Stores an exchanged token until `expiresAtMs`; a failure is reported, not thrown. */
  async write(key: ExchangeCacheKey, entry: ExchangeCacheEntry, expiresAtMs: number): Promise<void> {
    try {
      await this.cache.set(key, entry, expiresAtMs);
    } catch (error) {
      this.failed('write', error);
    }
  }

  private async read(key: ExchangeCacheKey): Promise<ExchangeCacheEntry | undefined> {
    try {
      return await this.cache.get(key);
    } catch (error) {
      this.failed('lookup', error);
      return undefined;
    }
  }

  /**
   * The lease for this key; `'held-elsewhere'` when another replica has it; `undefined` when
   * there is no lease to take (none configured, or Redis failed): exchange without one.
   */
  private async takeLease(key: ExchangeCacheKey): Promise<ExchangeLeaseHandle | 'held-elsewhere' | undefined> {
    if (this.lease === undefined) return undefined;
    try {
      return (await this.lease.acquire(key.id, this.leaseMs)) ?? 'held-elsewhere';
    } catch (error: unknown) {
      this.failed('lease', error);
      return undefined;
    }
  }

  /**
   * Another replica holds the lease: waits (bounded by the lease time) for the token it stores.
   * `undefined` when the holder finished without storing one (it failed, or the token is not
   * cacheable), the wait ran out, or Redis failed: the caller then exchanges itself.
   */
  private async awaitHolder(key: ExchangeCacheKey): Promise<ExchangeCacheEntry | undefined> {
    const lease = this.lease as RedisExchangeLease;
    const deadline = this.now() + this.leaseMs;
    try {
      for (let look = 1; this.now() < deadline; look++) {
        await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
        const entry = await this.cache.get(key);
        if (entry !== undefined) return entry;
        // One round trip per look; the lease itself is checked less often.
        if (look % LEASE_CHECK_EVERY === 0 && !(await lease.isHeld(key.id))) return await this.cache.get(key);
      }
    } catch (error: unknown) {
      this.failed('wait for another replica', error);
    }
    return undefined;
  }

  /**
   * The request carries on with this process's cache. Redis being unavailable is not logged
   * here: its connection logs each outage once (start and end), which keeps a dead Redis from
   * writing a line per request. Anything else is a warning.
   */
  private failed(what: string, error: unknown): void {
    if (error instanceof KeycardRedisUnavailableError) return;
    const reason = error instanceof TokenExchangeError ? `${error.code}: ${error.message}` : error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
    this.logger.warn(`Shared exchange cache ${what} failed; exchanging without it: ${reason}`);
  }
}
