import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startDemoRedis } from '../../apps/demo/demo-redis.js';
import { RedisTestServer } from '../redis/redis-server.js';

describe('the Redis of npm start -- --replicas N', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('stops with a message naming the package when redis-server is not installed', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'keycard-no-redis-'));
    try {
      vi.stubEnv('PATH', empty);
      vi.stubEnv('REDIS_URL', '');
      await expect(startDemoRedis()).rejects.toThrow(/redis-server is not installed.*apt-get install redis-server/su);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('starts a redis-server of its own on loopback and stops it', async () => {
    vi.stubEnv('REDIS_URL', '');
    const redis = await startDemoRedis();
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/u);
    try {
      expect(await ping(redis.url)).toBe('PONG');
    } finally {
      await redis.stop();
    }
    await expect(ping(redis.url)).rejects.toThrow();
  });

  it('uses REDIS_URL when it is set', async () => {
    const server = await RedisTestServer.start();
    try {
      vi.stubEnv('REDIS_URL', server.url);
      const redis = await startDemoRedis();
      expect(redis).toMatchObject({ url: server.url, origin: 'REDIS_URL' });
      await redis.stop();
      expect(await server.command(['PING'])).toBe('PONG');
    } finally {
      await server.stop();
    }
  });
});

async function ping(url: string): Promise<string> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 1000 } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.ping();
  } finally {
    client.destroy();
  }
}
