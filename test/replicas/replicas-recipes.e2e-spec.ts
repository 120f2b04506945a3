// The recipes of docs/replicas.md. Every `#region` below is quoted there verbatim (checked by
// test/testing/docs-sync.spec.ts), and each one runs here against a real LocalZone and a real Redis.
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExchangeCache, KEYCARD_CONFIG, KeycardModule, RedisKeyStorage, WebIdentity, type KeycardConfig } from 'nestjs-keycard';
import { LocalZone } from 'nestjs-keycard/local-zone';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisExchangeCache } from '../../src/grant/redis-exchange-cache.js';
import { RedisTestServer } from '../redis/redis-server.js';

describe('docs/replicas.md recipes', () => {
  let redis: RedisTestServer;
  let zone: LocalZone;
  const contexts: INestApplicationContext[] = [];

  beforeAll(async () => {
    [redis, zone] = await Promise.all([RedisTestServer.start(), LocalZone.start()]);
    vi.stubEnv('KEYCARD_ZONE_URL', zone.zoneUrl);
    vi.stubEnv('REDIS_URL', redis.url);
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    for (const context of contexts) await context.close();
    await zone?.stop();
    await redis?.stop();
  });

  async function boot(module: new () => unknown): Promise<INestApplicationContext> {
    const context = await NestFactory.createApplicationContext(module, { logger: false });
    contexts.push(context);
    return context;
  }

  it('replicas-module: the redis option and a WebIdentity key in Redis', async () => {
    // #region replicas-module
    @Module({
      imports: [
        KeycardModule.forRoot({
          mcpBaseUrl: 'https://mcp.example.com',
          // Every replica signs with one key, created in Redis by the first replica to boot.
          applicationCredential: new WebIdentity({
            serverName: 'My MCP Server',
            keyStorage: new RedisKeyStorage({ url: process.env.REDIS_URL }),
          }),
          // Exchanged tokens (encrypted) and the exchange lease, shared by every replica.
          redis: { url: process.env.REDIS_URL },
        }),
      ],
    })
    class AppModule {}
    // #endregion replicas-module
    const [first, second] = [await boot(AppModule), await boot(AppModule)];
    expect(first.get(ExchangeCache)).toBeInstanceOf(RedisExchangeCache);
    const kid = (context: INestApplicationContext) => (context.get<KeycardConfig>(KEYCARD_CONFIG).credential as WebIdentity).signingKeyId;
    expect(kid(second)).toBe(kid(first));
  });

  it('replicas-app-client: the app’s own node-redis client', async () => {
    // #region replicas-app-client
    // One client for the app's cache (e.g. `new KeyvRedis(client)`) and for Keycard.
    const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
    await client.connect();

    const keycard = KeycardModule.forRoot({ mcpBaseUrl: 'https://mcp.example.com', redis: { client } });
    // #endregion replicas-app-client
    @Module({ imports: [keycard] })
    class AppModule {}
    const context = await boot(AppModule);
    expect(context.get(ExchangeCache)).toBeInstanceOf(RedisExchangeCache);
    await context.close();
    contexts.splice(contexts.indexOf(context), 1);
    // Keycard leaves the app's client open.
    expect(client.isReady).toBe(true);
    client.destroy();
  });

  it('replicas-rotate: a rotation, published before it signs', async () => {
    const replica = new WebIdentity({ serverName: 'My MCP Server', keyStorage: new RedisKeyStorage({ url: redis.url }) });
    await replica.initialize(() => undefined);
    // #region replicas-rotate
    const storage = new RedisKeyStorage({ url: process.env.REDIS_URL });
    // Published by every replica within the refresh interval; signs after propagationMs
    // (default twice the refresh interval); the old key stays published graceMs (15 min) longer.
    const newKeyId = await storage.rotate('My_MCP_Server');
    // #endregion replicas-rotate
    await replica.refreshKeys();
    expect(replica.getPublicJwks().keys.map((key) => key.kid)).toContain(newKeyId);
    expect(replica.signingKeyId).not.toBe(newKeyId);
  });
});
