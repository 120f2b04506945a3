import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeycardRedisUnavailableError, RedisConnection } from '../../src/redis/redis-connection.js';
import { RedisTestServer } from './redis-server.js';

/** Keeps the event loop busy for `ms` (what a burst of CPU work in the app does). */
function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: nothing else runs
  }
}

describe('RedisConnection on a real Redis', () => {
  let redis: RedisTestServer;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('does not call Redis down when its answer arrived while the event loop was busy past the timeout', async () => {
    const connection = await RedisConnection.open({ url: redis.url, commandTimeoutMs: 50 }, 'test');
    try {
      const reply = connection.command(['PING']);
      // node-redis writes the command on the next turn of the event loop (setImmediate).
      await new Promise((resolve) => setImmediate(resolve));
      // Redis answers within milliseconds (within this second even on a saturated machine), but
      // this process reads the answer only after the busy second, long past the 50 ms timeout.
      blockEventLoop(1000);
      await expect(reply).resolves.toBe('PONG');
      expect(connection.available).toBe(true);
    } finally {
      await connection.close();
    }
  });

  it('calls Redis down after the timeout when it really does not answer (SIGSTOP), then skips it for retryAfterMs', async () => {
    const connection = await RedisConnection.open({ url: redis.url, commandTimeoutMs: 50, retryAfterMs: 60_000 }, 'test');
    try {
      redis.pause();
      await expect(connection.command(['PING'])).rejects.toThrow(KeycardRedisUnavailableError);
      redis.resume();
      // Redis is back, but this connection leaves it alone until retryAfterMs has passed.
      await expect(connection.command(['PING'])).rejects.toThrow(/retrying shortly/u);
      expect(connection.available).toBe(false);
    } finally {
      redis.resume();
      await connection.close();
    }
  });
});
