import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import autocannon, { type AutocannonResult } from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '../../src/auth/verified-token-cache.js';
import { ClientSecret } from '../../src/credentials/client-secret.credential.js';
import { ExchangeCache } from '../../src/grant/exchange-cache.js';
import type { MemoryExchangeCache } from '../../src/grant/memory-exchange-cache.js';
import { LocalZone } from '../../src/local-zone/index.js';
import { ADAPTERS, startApp, type RunningApp } from '../auth/fixtures/start-app.js';
import { leakedSecrets, LogTap, verboseLogger } from './fixtures/log-tap.js';
import { RESOURCE, ReliabilityAppModule, type GrantAnswer } from './fixtures/reliability-app.js';

const USERS = 500;

const payloadOf = (jwt: string): { sub?: unknown } => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
const REQUESTS_PER_ROUND = 20_000;
const CONNECTIONS = 100;

/**
 * Node's garbage collector, exposed at runtime (the same as starting with --expose-gc):
 * heap sizes are compared after full collections, not after whatever the GC last did.
 */
function garbageCollector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function heapAfterFullGc(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

describe.each(ADAPTERS)(`load: ${REQUESTS_PER_ROUND} requests at ${CONNECTIONS} concurrency through guard + @Grant, ${USERS} users (%s)`, (adapter) => {
  const tap = new LogTap();
  const gc = garbageCollector();
  let zone: LocalZone;
  let running: RunningApp;
  let tokens: string[];
  const exchanged = new Set<string>();

  beforeAll(async () => {
    // The zone runs in this process too: its exchange records are bounded so they do not count as growth.
    zone = await LocalZone.start({ maxExchangeRecords: 100 });
    tap.install();
    running = await startApp(
      adapter,
      ReliabilityAppModule.forRoot({ zoneUrl: zone.zoneUrl, applicationCredential: new ClientSecret('demo-client', 'demo-secret') }),
      { logger: verboseLogger() },
    );
    tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => zone.mintAccessToken({ sub: `load-user-${i}`, resource: RESOURCE })));
  });

  afterAll(async () => {
    await running?.app.close();
    await zone?.stop();
    tap.uninstall();
  });

  /** One round: every user in turn, each request must be a 200 whose grant succeeded. */
  async function round(): Promise<AutocannonResult> {
    const headers = tokens.map((token) => ({ authorization: `Bearer ${token}` }));
    let next = 0;
    let failedGrants = 0;
    /** Answers for another user than the one whose token was sent (autocannon keeps one request in flight per connection). */
    let crossed = 0;
    const result = await autocannon({
      url: running.url,
      connections: CONNECTIONS,
      amount: REQUESTS_PER_ROUND,
      timeout: 30,
      requests: [
        {
          method: 'GET',
          path: '/mcp/grant',
          setupRequest: (request, context) => {
            const user = next++ % headers.length;
            context.sub = `load-user-${user}`;
            return { ...request, headers: headers[user] };
          },
          onResponse: (status, body, context) => {
            const answer = JSON.parse(body) as GrantAnswer;
            if (status !== 200 || answer.status !== 'success') failedGrants++;
            // The caller and the subject of the exchanged token are the user whose token was sent.
            if (answer.sub !== context.sub) crossed++;
            for (const token of Object.values(answer.tokens)) {
              if (payloadOf(token).sub !== context.sub) crossed++;
              exchanged.add(token);
            }
          },
        },
      ],
    });
    expect(failedGrants).toBe(0);
    expect(crossed).toBe(0);
    return result;
  }

  it('answers every request with a successful grant for its own user, twice, with caches bounded and the heap not growing', async () => {
    const first = await round();
    expect({ total: first.requests.total, non2xx: first.non2xx, errors: first.errors, timeouts: first.timeouts }).toEqual({
      total: REQUESTS_PER_ROUND,
      non2xx: 0,
      errors: 0,
      timeouts: 0,
    });
    const heapAfterFirst = await heapAfterFullGc(gc);

    const second = await round();
    expect({ total: second.requests.total, non2xx: second.non2xx, errors: second.errors, timeouts: second.timeouts }).toEqual({
      total: REQUESTS_PER_ROUND,
      non2xx: 0,
      errors: 0,
      timeouts: 0,
    });
    const heapAfterSecond = await heapAfterFullGc(gc);

    // One exchange and one signature check per user, however many requests: the caches work...
    expect(zone.exchangeCount).toBe(USERS);
    expect(running.app.get(VerifiedTokenCache, { strict: false }).size).toBe(USERS);
    expect((running.app.get(ExchangeCache, { strict: false }) as MemoryExchangeCache).size).toBe(USERS);
    // ...and the second round, identical to the first, leaves the heap where the first did.
    expect(heapAfterSecond, `heap after round 1: ${heapAfterFirst} B, after round 2: ${heapAfterSecond} B`).toBeLessThanOrEqual(heapAfterFirst * 1.1);
  }, 240_000);

  it('wrote no token or client secret to any log line', () => {
    expect(leakedSecrets(tap.text, [...tokens, ...exchanged, 'demo-secret'], 10)).toEqual([]);
  });
});
