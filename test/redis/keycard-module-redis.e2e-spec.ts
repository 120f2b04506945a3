import { ClientSecret, ExchangeCache, KeycardConfigurationError, KeycardModule, MemoryExchangeCache } from 'nestjs-keycard';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone } from 'nestjs-keycard/local-zone';
import { Test } from '@nestjs/testing';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisExchangeCache } from '../../src/grant/redis-exchange-cache.js';
import { startGrantApp, type GrantApp } from '../grant-e2e/fixtures/grant-fixture.module.js';
import { unusedPort } from '../grant/fake-token-endpoint.js';
import { MCP_RESOURCE } from '../grant-e2e/fixtures/resources.js';
import { RedisTestServer } from './redis-server.js';

describe('KeycardModule with the redis option', () => {
  let redis: RedisTestServer;
  let zone: LocalZone;
  const apps: GrantApp[] = [];

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    zone = await LocalZone.start();
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    zone.clearRecords();
  });

  afterAll(async () => {
    await zone?.stop();
    await redis?.stop();
  });

  async function start(redisOptions: Parameters<typeof startGrantApp>[0]['redis']): Promise<GrantApp> {
    const app = await startGrantApp({ zoneUrl: zone.zoneUrl, applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), redis: redisOptions });
    apps.push(app);
    return app;
  }

  const clientCount = async () => String(await redis.command(['CLIENT', 'LIST'])).trim().split('\n').length;

  it('shares exchanged tokens between two apps: the second one does not exchange again', async () => {
    // 1 s per command: a starved CPU on a busy machine must not pass for a slow Redis here.
    const first = await start({ url: redis.url, commandTimeoutMs: 1000 });
    const second = await start({ url: redis.url, commandTimeoutMs: 1000 });
    expect(first.app.get(ExchangeCache)).toBeInstanceOf(RedisExchangeCache);
    const token = await zone.mintAccessToken({ sub: 'alice', resource: MCP_RESOURCE });
    expect((await first.get('/grant/one', token)).status).toBe(200);
    expect((await second.get('/grant/one', token)).status).toBe(200);
    expect(zone.exchangeCount).toBe(1);
  });

  it('closes the client it created on app.close(), and leaves an app-owned client open', async () => {
    const own = createClient({ url: redis.url });
    await own.connect();
    try {
      const baseline = await clientCount();
      const app = await start({ url: redis.url });
      const adopted = await start({ client: own });
      expect(await clientCount()).toBe(baseline + 1);
      await app.close();
      await adopted.close();
      apps.length = 0;
      expect(await clientCount()).toBe(baseline);
      expect(own.isReady).toBe(true);
    } finally {
      own.destroy();
    }
  });

  it('boots and grants while Redis is down (each replica on its own cache)', async () => {
    const app = await start({ url: `redis://127.0.0.1:${await unusedPort()}`, connectTimeoutMs: 200 });
    const token = await zone.mintAccessToken({ sub: 'bob', resource: MCP_RESOURCE });
    for (let i = 0; i < 3; i++) expect((await app.get('/grant/one', token)).status).toBe(200);
    expect(zone.exchangeCount).toBe(1);
  });

  it('takes the redis option from forRootAsync too', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [KeycardModule.forRootAsync({ useFactory: async () => ({ zoneUrl: zone.zoneUrl, mcpBaseUrl: 'http://localhost:8000', redis: { url: redis.url } }) })],
    }).compile();
    try {
      expect(moduleRef.get(ExchangeCache)).toBeInstanceOf(RedisExchangeCache);
    } finally {
      await moduleRef.close();
    }
  });

  it('refuses redis together with exchangeCache, and a malformed URL, at bootstrap', async () => {
    const boot = (options: Parameters<typeof KeycardModule.forRoot>[0]) =>
      Test.createTestingModule({ imports: [KeycardModule.forRoot(options)] }).compile();
    const base = { zoneUrl: zone.zoneUrl, mcpBaseUrl: 'http://localhost:8000' };
    await expect(boot({ ...base, redis: { url: redis.url }, exchangeCache: new MemoryExchangeCache() })).rejects.toThrow(KeycardConfigurationError);
    await expect(boot({ ...base, redis: { url: 'localhost:6379' } })).rejects.toThrow(/redis:\/\/ or rediss:\/\//u);
  });
});
