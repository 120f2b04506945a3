import { createHash } from 'node:crypto';
import { ClientSecret, KeycardConfigurationError } from 'nestjs-keycard';
import { TokenExchangeClient, TokenExchangeService } from '../../src/grant/index.js';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone } from 'nestjs-keycard/local-zone';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exchangeCacheKey } from '../../src/grant/exchange-cache-key.js';
import { openExchange, sharedExchangeCacheKey } from '../../src/grant/exchange-seal.js';
import { RedisExchangeCache } from '../../src/grant/redis-exchange-cache.js';
import { RedisExchangeLease } from '../../src/grant/redis-exchange-lease.js';
import { SUBSTITUTE_USER_TOKEN_TYPE, substituteUserToken } from '../../src/grant/substitute-user-token.js';
import { RedisConnection } from '../../src/redis/redis-connection.js';
import { RedisTestServer } from './redis-server.js';

const MCP = 'http://localhost:8000/mcp';
const API = 'https://api.example.com';
const CALENDAR = 'https://calendar.example.com';
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/u;

/** One replica: its own connection, in-memory cache and single-flight; Redis shared. */
interface Replica {
  readonly service: TokenExchangeService;
  readonly redis: RedisConnection;
}

function claimsOf(jwt: string): { exp: number; sub: string; aud: unknown } {
  return JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8')) as { exp: number; sub: string; aud: unknown };
}

/** Every base64url-looking run in `text`, decoded (what someone poking at a dump would try). */
function decodedRuns(text: string): string[] {
  return (text.match(/[\w-]{8,}/gu) ?? []).map((run) => Buffer.from(run, 'base64url').toString('latin1'));
}

describe('shared exchange cache and lease on a real Redis', () => {
  let redis: RedisTestServer;
  let zone: LocalZone;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    zone = await LocalZone.start();
  });

  afterAll(async () => {
    await zone?.stop();
    await redis?.stop();
  });

  beforeEach(async () => {
    if (!redis.running) await redis.restart();
    await redis.command(['FLUSHALL']);
    zone.clearFaults();
    zone.clearRecords();
  });

  afterEach(async () => {
    redis.resume();
    await Promise.all(replicas.map((replica) => replica.redis.close()));
    replicas = [];
  });

  /**
   * `commandTimeoutMs` is short by default here (the Redis-down tests wait for it); the tests that
   * count exchanges with a healthy Redis give it 1 s, so that a starved CPU on a busy CI machine is
   * not taken for a slow Redis (which, by design, makes a replica exchange on its own).
   */
  async function startReplicas(count: number, options: { leaseMs?: number; retryAfterMs?: number; commandTimeoutMs?: number } = {}): Promise<Replica[]> {
    for (let i = 0; i < count; i++) {
      const connection = await RedisConnection.open(
        { url: redis.url, commandTimeoutMs: options.commandTimeoutMs ?? 100, retryAfterMs: options.retryAfterMs ?? 500 },
        'test',
      );
      const service = new TokenExchangeService({
        client: new TokenExchangeClient({ timeoutMs: 5000, credential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET) }),
        cache: new RedisExchangeCache(connection),
        lease: new RedisExchangeLease(connection),
        leaseMs: options.leaseMs ?? 5500,
      });
      replicas.push({ service, redis: connection });
    }
    return replicas;
  }

  const metadata = () => ({ issuer: zone.issuer, token_endpoint: zone.tokenEndpoint });

  async function grant(replica: Replica, subjectToken: string, resources: string[] = [API, CALENDAR]) {
    return replica.service.exchangeAll({ metadata: metadata(), subjectToken, subjectExpiresAt: claimsOf(subjectToken).exp, resources });
  }

  it('stores only ciphertext: no key or value of a full dump reveals a subject or exchanged token', async () => {
    const [replica] = await startReplicas(1);
    const alice = await zone.mintAccessToken({ sub: 'alice', resource: MCP });
    const bob = await zone.mintAccessToken({ sub: 'bob', resource: MCP });
    const exchanged: string[] = [];
    for (const subject of [alice, bob]) {
      const context = await grant(replica as Replica, subject);
      expect(context.getStatus()).toBe('success');
      exchanged.push(context.access(API).accessToken, context.access(CALENDAR).accessToken);
    }
    // The tokens are real JWTs, so a dump that held one would be caught below.
    expect(exchanged.every((token) => JWT.test(token))).toBe(true);

    const dump = await redis.dumpAll();
    const entries = dump.filter((entry) => entry.key.startsWith('keycard:exchange:'));
    expect(entries).toHaveLength(4);
    const secrets = [alice, bob, ...exchanged];
    const fragments = secrets.flatMap((token) => token.split('.'));
    const sha256s = [alice, bob].flatMap((t) => [createHash('sha256').update(t).digest('hex'), exchangeCacheKey(t, API, ''), exchangeCacheKey(t, CALENDAR, '')]);
    for (const entry of dump) {
      const raw = [entry.key, entry.value ?? '', entry.dump?.toString('latin1') ?? ''];
      const texts = [...raw, ...raw.flatMap(decodedRuns)];
      for (const text of texts) {
        for (const fragment of [...fragments, ...sha256s]) expect(text.includes(fragment)).toBe(false);
        // Patterns long or quoted enough that random ciphertext (base64url, ~1.5 KB an entry) does not
        // produce them by chance: a bare `eyJ` or `bob` did, about once in a hundred runs.
        expect(text).not.toMatch(/eyJhbGci|eyJ0eXAi|eyJraWQi|"alg"|"sub"|"alice"|"bob"|alice@|example\.com/u);
      }
    }
  });

  it('keeps impersonated tokens out of Redis: a substitute-user subject is derivable from the user id', async () => {
    const [first, second] = await startReplicas(2, { commandTimeoutMs: 1000 });
    zone.setSubstituteUserClients([DEMO_CLIENT_ID]);
    try {
      const impersonate = (replica: Replica) =>
        replica.service.exchangeAll({
          metadata: metadata(),
          subjectToken: substituteUserToken('dave'),
          subjectTokenType: SUBSTITUTE_USER_TOKEN_TYPE,
          resources: [API],
        });
      const context = await impersonate(first as Replica);
      expect(context.getStatus()).toBe('success');
      expect(claimsOf(context.access(API).accessToken).sub).toBe('dave');
      // Anyone who knows the id could rebuild the subject, hence the key: nothing is shared...
      expect((await redis.dumpAll()).filter((entry) => entry.key.startsWith('keycard:exchange:'))).toEqual([]);
      // ...so another replica exchanges for itself, while the first one serves its own memory.
      await impersonate(second as Replica);
      await impersonate(first as Replica);
      expect(zone.exchangeCount).toBe(2);
    } finally {
      zone.setSubstituteUserClients([]);
    }
  });

  it('an entry opens only with its own subject token, and a moved entry is refused', async () => {
    const [replica] = await startReplicas(1);
    const alice = await zone.mintAccessToken({ sub: 'alice', resource: MCP });
    const bob = await zone.mintAccessToken({ sub: 'bob', resource: MCP });
    const aliceToken = (await grant(replica as Replica, alice, [API])).access(API).accessToken;
    const aliceKey = sharedExchangeCacheKey(alice, API, undefined);
    const bobKey = sharedExchangeCacheKey(bob, API, undefined);
    const sealed = (await redis.command(['GET', `keycard:exchange:${aliceKey.id}`])) as string;

    expect(openExchange(aliceKey, sealed)?.entry.response.accessToken).toBe(aliceToken);
    expect(openExchange({ id: aliceKey.id, secret: bobKey.secret }, sealed)).toBeUndefined();
    expect(openExchange(bobKey, sealed)).toBeUndefined();

    // Someone with write access copies Alice's entry under Bob's name: Bob's replica ignores it.
    await redis.command(['SET', `keycard:exchange:${bobKey.id}`, sealed, 'PX', '60000']);
    zone.clearRecords();
    const bobToken = (await grant(replica as Replica, bob, [API])).access(API).accessToken;
    expect(claimsOf(bobToken).sub).toBe('bob');
    expect(zone.exchangeCount).toBe(1);
  });

  it('expires entries in Redis no later than 30 s before the subject token does', async () => {
    const [replica] = await startReplicas(1);
    const subject = await zone.mintAccessToken({ sub: 'carol', resource: MCP, expiresIn: 120 });
    const allowedUntil = claimsOf(subject).exp * 1000 - 30_000;
    const before = Date.now();
    await grant(replica as Replica, subject, [API]);
    const [entry] = (await redis.dumpAll()).filter((e) => e.key.startsWith('keycard:exchange:'));
    const after = Date.now();
    // The key was written after `before` with a TTL ending by `allowedUntil`; PTTL was read before `after`.
    expect(entry?.pttl).toBeLessThanOrEqual(allowedUntil - before);
    // ...and it is the subject token's limit (90 s left), not the exchanged token's hour.
    expect(entry?.pttl).toBeGreaterThan(allowedUntil - after - 5000);
  });

  it('200 concurrent calls with one fresh token over 3 replicas make one exchange per resource', async () => {
    const three = await startReplicas(3, { commandTimeoutMs: 1000 });
    zone.setFault('token', { latencyMs: 300 });
    const subject = await zone.mintAccessToken({ sub: 'dave', resource: MCP });
    const contexts = await Promise.all(Array.from({ length: 200 }, (_, i) => grant(three[i % 3] as Replica, subject)));
    expect(contexts.every((context) => context.getStatus() === 'success')).toBe(true);
    expect(new Set(contexts.map((context) => context.access(API).accessToken)).size).toBe(1);
    expect(new Set(contexts.map((context) => context.access(CALENDAR).accessToken)).size).toBe(1);
    expect(zone.exchangeRequests.flatMap((request) => request.resources).sort()).toEqual([API, CALENDAR]);
  });

  it('a replica that died holding the lease delays the others by at most the lease time', async () => {
    const [replica] = await startReplicas(1, { leaseMs: 400, commandTimeoutMs: 1000 });
    const subject = await zone.mintAccessToken({ sub: 'erin', resource: MCP });
    const key = sharedExchangeCacheKey(subject, API, undefined);
    await redis.command(['SET', `keycard:exchange-lease:${key.id}`, 'a-replica-that-died', 'PX', '400']);
    const context = await grant(replica as Replica, subject, [API]);
    expect(context.getStatus()).toBe('success');
    expect(zone.exchangeCount).toBe(1);
  });

  it('when the lease holder’s exchange fails, the waiting replica exchanges itself without waiting out the lease', async () => {
    const two = await startReplicas(2, { commandTimeoutMs: 1000 });
    zone.setFault('token', { latencyMs: 200, failResources: [API] });
    const subject = await zone.mintAccessToken({ sub: 'heidi', resource: MCP });
    const started = Date.now();
    const contexts = await Promise.all(two.map((replica) => grant(replica, subject, [API])));
    expect(contexts.map((context) => context.getStatus())).toEqual(['error', 'error']);
    // Failures are not shared: each replica asked once; the waiter did not sit out the 5.5 s lease.
    expect(zone.exchangeCount).toBe(2);
    expect(Date.now() - started).toBeLessThan(5500);
  });

  it('keeps answering when Redis is killed mid-run, and shares again once it is back', async () => {
    const three = await startReplicas(3, { retryAfterMs: 200, commandTimeoutMs: 1000 });
    const first = await zone.mintAccessToken({ sub: 'frank', resource: MCP });
    const before = await Promise.all(Array.from({ length: 30 }, (_, i) => grant(three[i % 3] as Replica, first)));
    expect(before.every((context) => context.getStatus() === 'success')).toBe(true);
    expect(zone.exchangeCount).toBe(2);

    await redis.kill();
    zone.clearRecords();
    const second = await zone.mintAccessToken({ sub: 'frank', resource: MCP });
    const during = await Promise.all(Array.from({ length: 60 }, (_, i) => grant(three[i % 3] as Replica, i % 2 ? first : second)));
    expect(during.every((context) => context.getStatus() === 'success')).toBe(true);
    // Without Redis each replica single-flights on its own: at most one exchange per replica and resource.
    expect(zone.exchangeCount).toBeGreaterThanOrEqual(2);
    expect(zone.exchangeCount).toBeLessThanOrEqual(6);

    await redis.restart();
    // Each client reconnects by itself (backoff up to 2 s); wait until all three are back.
    const deadline = Date.now() + 15_000;
    while (!three.every((replica) => replica.redis.available) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    zone.clearRecords();
    const third = await zone.mintAccessToken({ sub: 'frank', resource: MCP });
    zone.setFault('token', { latencyMs: 200 });
    const after = await Promise.all(Array.from({ length: 30 }, (_, i) => grant(three[i % 3] as Replica, third)));
    expect(after.every((context) => context.getStatus() === 'success')).toBe(true);
    expect(zone.exchangeCount).toBe(2);
  });

  it('does not hang when Redis stops answering (SIGSTOP): every call completes within 5 s', async () => {
    const three = await startReplicas(3);
    const warm = await zone.mintAccessToken({ sub: 'grace', resource: MCP });
    await grant(three[0] as Replica, warm);
    redis.pause();
    zone.clearRecords();
    const subject = await zone.mintAccessToken({ sub: 'grace', resource: MCP });
    const started = Date.now();
    const contexts = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const context = await grant(three[i % 3] as Replica, subject);
        return { context, ms: Date.now() - started };
      }),
    );
    redis.resume();
    expect(contexts.every(({ context }) => context.getStatus() === 'success')).toBe(true);
    // A generous bound (the commands time out after 100 ms): the requirement is "never a hang".
    expect(Math.max(...contexts.map(({ ms }) => ms))).toBeLessThan(5000);
    expect(zone.exchangeCount).toBeLessThanOrEqual(6);
  });

  it('refuses bad Redis settings at bootstrap, naming the fix', async () => {
    await expect(RedisConnection.open({}, 'test')).rejects.toThrow(KeycardConfigurationError);
    await expect(RedisConnection.open({ url: 'http://127.0.0.1:1' }, 'test')).rejects.toThrow(/redis:\/\//u);
    await expect(RedisConnection.open({ url: redis.url, commandTimeoutMs: 0 }, 'test')).rejects.toThrow(/commandTimeoutMs/u);
    await expect(
      RedisConnection.open({ url: 'redis://user:hunter2@127.0.0.1:1', client: { isReady: true, sendCommand: async () => 'OK' } }, 'test'),
    ).rejects.toThrow(/exactly one/u);
  });
});
