import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AccessContext,
  ExchangeCache,
  MemoryExchangeCache,
  TokenExchangeClient,
  TokenExchangeService,
  type ExchangeCacheEntry,
  type ExchangeCacheKey,
} from '../../src/grant/index.js';
import { GrantService } from '../../src/grant/grant.service.js';
import type { ZoneMetadataService } from '../../src/zone/zone-metadata.service.js';
import { FakeTokenEndpoint } from './fake-token-endpoint.js';

const ALICE = 'alice-subject-token-SECRET';
const BOB = 'bob-subject-token-SECRET';
const API = 'https://api.example.com';
const CALENDAR = 'https://calendar.example.com';
const START = Date.UTC(2030, 0, 1);

/** Everything a handler can read from a context, for comparing two of them. */
function viewOf(context: AccessContext) {
  const resources = [...context.getSuccessfulResources(), ...context.getFailedResources()];
  return {
    json: context.toJSON(),
    status: context.getStatus(),
    errors: context.getErrors(),
    tokens: Object.fromEntries(context.getSuccessfulResources().map((resource) => [resource, context.access(resource)])),
    resources,
  };
}

/** An async cache that counts its reads, as a shared store would be. */
class AsyncCache extends ExchangeCache {
  readonly inner: MemoryExchangeCache;
  reads = 0;
  constructor(clock: () => number) {
    super();
    this.inner = new MemoryExchangeCache({ now: clock });
  }
  async get(key: ExchangeCacheKey): Promise<ExchangeCacheEntry | undefined> {
    this.reads += 1;
    return this.inner.get(key);
  }
  async set(key: ExchangeCacheKey, value: ExchangeCacheEntry, expiresAtMs: number): Promise<void> {
    await this.inner.set(key, value, expiresAtMs);
  }
  async delete(key: ExchangeCacheKey): Promise<void> {
    await this.inner.delete(key);
  }
  async clear(): Promise<void> {
    await this.inner.clear();
  }
}

describe('the synchronous fast path for cached grants', () => {
  let zone: FakeTokenEndpoint;
  let now: number;

  beforeEach(async () => {
    zone = await FakeTokenEndpoint.start();
    now = START;
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await zone.close();
  });

  function exchanges(cache?: ExchangeCache): TokenExchangeService {
    const clock = () => now;
    return new TokenExchangeService({
      client: new TokenExchangeClient({ timeoutMs: 2000 }),
      cache: cache ?? new MemoryExchangeCache({ now: clock }),
      now: clock,
    });
  }

  function grants(target: TokenExchangeService, metadataCached = true): GrantService {
    const zoneMetadata = { peekMetadata: () => (metadataCached ? zone.metadata : undefined), getMetadata: async () => zone.metadata } as unknown as ZoneMetadataService;
    return new GrantService(zoneMetadata, target);
  }

  const params = (overrides: { subjectToken?: string; resources?: string[]; scopes?: Record<string, string> | string } = {}) => ({
    metadata: zone.metadata,
    subjectToken: ALICE,
    resources: [API, CALENDAR],
    scopes: { [API]: 'read' },
    ...overrides,
  });

  it('builds the same AccessContext as the async path once every token is cached', async () => {
    const target = exchanges();
    expect(target.exchangeAllFromCache(params())).toBeUndefined();
    await target.exchangeAll(params());
    now += 10_000;
    const slow = await target.exchangeAll(params());
    const fast = target.exchangeAllFromCache(params());
    expect(fast).toBeInstanceOf(AccessContext);
    expect(viewOf(fast!)).toEqual(viewOf(slow));
    expect(fast!.access(API).expiresIn).toBe(3590);
    expect(zone.requests).toHaveLength(2);
  });

  it('never serves one subject token’s exchanges to another, nor a resource, scope or duplicate list that was not exchanged', async () => {
    const target = exchanges();
    await target.exchangeAll(params());
    expect(target.exchangeAllFromCache(params({ subjectToken: BOB }))).toBeUndefined();
    expect(target.exchangeAllFromCache(params({ resources: [API, 'https://other.example.com'] }))).toBeUndefined();
    expect(target.exchangeAllFromCache(params({ scopes: { [API]: 'write' } }))).toBeUndefined();
    expect(target.exchangeAllFromCache(params({ subjectToken: '' }))).toBeUndefined();
    const deduplicated = target.exchangeAllFromCache(params({ resources: [CALENDAR, API, CALENDAR] }));
    expect(deduplicated?.getSuccessfulResources()).toEqual([CALENDAR, API]);
  });

  it('stops serving a token once it is within the refresh skew of its expiry', async () => {
    const target = exchanges();
    await target.exchangeAll(params({ resources: [API] }));
    expect(target.exchangeAllFromCache(params({ resources: [API] }))).toBeDefined();
    now += (3600 - 30) * 1000;
    expect(target.exchangeAllFromCache(params({ resources: [API] }))).toBeUndefined();
  });

  it('serves a grant synchronously from the in-process level in front of a shared (async) cache, never reading the shared one', async () => {
    const cache = new AsyncCache(() => now);
    const target = exchanges(cache);
    await target.exchangeAll(params({ resources: [API] }));
    const reads = cache.reads;
    expect(target.exchangeAllFromCache(params({ resources: [API] }))).toBeDefined();
    const second = await grants(target).grant({ token: ALICE }, [API], { scopes: { [API]: 'read' } });
    expect(second.getStatus()).toBe('success');
    expect(cache.reads).toBe(reads);
    expect(zone.requests).toHaveLength(1);
  });

  it('reads the shared cache on an in-process miss (another replica exchanged) and then answers synchronously', async () => {
    const cache = new AsyncCache(() => now);
    await exchanges(cache).exchangeAll(params({ resources: [API] }));
    const otherReplica = exchanges(cache);
    expect(otherReplica.exchangeAllFromCache(params({ resources: [API] }))).toBeUndefined();
    const reads = cache.reads;
    const context = await otherReplica.exchangeAll(params({ resources: [API] }));
    expect(context.getStatus()).toBe('success');
    expect(cache.reads).toBe(reads + 1);
    expect(otherReplica.exchangeAllFromCache(params({ resources: [API] }))).toBeDefined();
    expect(zone.requests).toHaveLength(1);
  });

  it('GrantService.grantFromCache answers only with fresh metadata and the real grant()', async () => {
    const target = exchanges();
    const service = grants(target);
    const options = { scopes: { [API]: 'read' } };
    const slow = await service.grant({ token: ALICE }, [API, CALENDAR], options);
    const fast = service.grantFromCache({ token: ALICE }, [API, CALENDAR], options);
    expect(viewOf(fast!)).toEqual(viewOf(slow));
    expect(service.grantFromCache({ token: undefined }, [API], options)).toBeUndefined();
    expect(grants(target, false).grantFromCache({ token: ALICE }, [API, CALENDAR], options)).toBeUndefined();

    class CustomGrants extends GrantService {
      override async grant(): Promise<AccessContext> {
        return new AccessContext();
      }
    }
    const zoneMetadata = { peekMetadata: () => zone.metadata } as unknown as ZoneMetadataService;
    expect(new CustomGrants(zoneMetadata, target).grantFromCache({ token: ALICE }, [API, CALENDAR], options)).toBeUndefined();
  });
});
