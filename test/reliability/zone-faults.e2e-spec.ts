import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClientSecret } from '../../src/credentials/client-secret.credential.js';
import { MAX_ZONE_RESPONSE_BYTES } from '../../src/zone/fetch-json.js';
import { LocalZone } from '../../src/local-zone/index.js';
import { ADAPTERS, startApp, type AdapterKind, type RunningApp } from '../auth/fixtures/start-app.js';
import { leakedSecrets, LogTap, verboseLogger } from './fixtures/log-tap.js';
import { CALENDAR_API, NOTES_API, RESOURCE, ReliabilityAppModule, type GrantAnswer } from './fixtures/reliability-app.js';

/** Every call to the zone gives up after this long (a hang must not hold a request longer). */
const ZONE_TIMEOUT_MS = 1000;
/**
 * Liveness bound of the test client: a request still open after this long has hung (the
 * zone timeout is 1 s). Not a performance assertion: it only turns a hang into a failure.
 */
const CLIENT_ABORT_MS = 15_000;

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

describe.each(ADAPTERS)('zone faults during requests (%s)', (adapter: AdapterKind) => {
  const tap = new LogTap();
  const secret = randomBytes(24).toString('base64url');
  const sent = new Set<string>([secret]);
  const apps: RunningApp[] = [];
  let zone: LocalZone;
  let running: RunningApp;

  async function start(): Promise<RunningApp> {
    const app = await startApp(
      adapter,
      ReliabilityAppModule.forRoot({
        zoneUrl: zone.zoneUrl,
        applicationCredential: new ClientSecret('reliability-app', secret),
        zoneTimeoutMs: ZONE_TIMEOUT_MS,
      }),
      { logger: verboseLogger() },
    );
    apps.push(app);
    return app;
  }

  async function get(app: RunningApp, path: string, token: string): Promise<Answer> {
    sent.add(token);
    const response = await fetch(`${app.url}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(CLIENT_ABORT_MS),
    });
    const body = (await response.json()) as Record<string, unknown>;
    for (const value of Object.values((body as Partial<GrantAnswer>).tokens ?? {})) sent.add(value);
    return { status: response.status, body };
  }

  async function grant(app: RunningApp, token: string, path = '/mcp/grant2'): Promise<GrantAnswer> {
    const answer = await get(app, path, token);
    expect(answer.status).toBe(200);
    return answer.body as unknown as GrantAnswer;
  }

  const mint = (sub = `user-${randomBytes(4).toString('hex')}`): Promise<string> => zone.mintAccessToken({ sub, resource: RESOURCE });

  function expectExchangeErrors(answer: GrantAnswer, code: string): void {
    expect(answer.status).toBe('error');
    for (const resource of [CALENDAR_API, NOTES_API]) {
      expect(answer.errors.resources[resource]).toMatchObject({ message: `Token exchange failed for ${resource}`, code });
    }
    expect(answer.tokens).toEqual({});
  }

  async function expectRecovered(app: RunningApp): Promise<void> {
    const answer = await grant(app, await mint());
    expect(answer.status).toBe('success');
    expect(Object.keys(answer.tokens).sort()).toEqual([CALENDAR_API, NOTES_API].sort());
  }

  beforeAll(async () => {
    zone = await LocalZone.start();
    await zone.registerClient({ client_id: 'reliability-app', client_secret: secret });
    tap.install();
    running = await start();
    await expectRecovered(running); // warm: metadata, JWKS and a first exchange
  });

  afterEach(() => {
    zone.clearFaults();
  });

  afterAll(async () => {
    for (const app of apps) await app.app.close();
    await zone?.stop();
    tap.uninstall();
  });

  it('zone down: known keys keep verifying, exchanges record network errors, cached tokens are still served, a cold app answers 503; all recover without a restart', async () => {
    const cached = await mint();
    expect((await grant(running, cached)).status).toBe('success');
    const fresh = await mint();

    zone.setFault('all', { down: true });
    expect((await get(running, '/mcp', fresh)).status).toBe(200);
    expectExchangeErrors(await grant(running, fresh), 'network_error');
    expect((await grant(running, cached)).status).toBe('success');
    const cold = await start();
    const refused = await get(cold, '/mcp', fresh);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'temporarily_unavailable' });

    zone.clearFaults();
    await expectRecovered(running);
    expect((await get(cold, '/mcp', fresh)).status).toBe(200);
    await expectRecovered(cold);
  });

  it('zone 500: exchanges record server_error (invalid_response for a body that is not JSON); a cold app answers 503 while the JWKS fails', async () => {
    const token = await mint();
    zone.setFault('token', { failWith: { status: 500, body: { error: 'server_error', error_description: 'the zone broke' } } });
    const withBody = await grant(running, token);
    expectExchangeErrors(withBody, 'server_error');
    expect(withBody.errors.resources[CALENDAR_API]?.description).toBe('the zone broke');
    zone.setFault('token', { failWith: { status: 500, body: {} } });
    expectExchangeErrors(await grant(running, token), 'server_error');
    zone.setFault('token', { failWith: { status: 500 } });
    const empty = await grant(running, token);
    expectExchangeErrors(empty, 'invalid_response');
    expect(empty.errors.resources[NOTES_API]?.description).toContain('HTTP 500');

    zone.setFault('jwks', { failWith: { status: 500, body: { error: 'server_error' } } });
    const cold = await start();
    expect((await get(cold, '/mcp', token)).status).toBe(503);

    zone.clearFaults();
    expect((await get(cold, '/mcp', token)).status).toBe(200);
    await expectRecovered(running);
  });

  it('zone answering HTML: exchanges record invalid_response; a cold app whose discovery gets HTML answers 503', async () => {
    const html = '<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>';
    const token = await mint();
    zone.setFault('token', { failWith: { status: 200, body: html, contentType: 'text/html; charset=utf-8' } });
    const answer = await grant(running, token);
    expectExchangeErrors(answer, 'invalid_response');
    expect(JSON.stringify(answer)).not.toContain('<h1>');
    zone.setFault('token', { failWith: { status: 502, body: html, contentType: 'text/html' } });
    expectExchangeErrors(await grant(running, token), 'invalid_response');

    zone.setFault('discovery', { failWith: { status: 200, body: html, contentType: 'text/html' } });
    const cold = await start();
    expect((await get(cold, '/mcp', token)).status).toBe(503);

    zone.clearFaults();
    expect((await get(cold, '/mcp', token)).status).toBe(200);
    await expectRecovered(running);
  });

  it('zone hanging past the timeout: exchanges record timeout, a cold app answers 503, no request waits for the zone longer than its timeout', async () => {
    const token = await mint();
    zone.setFault('token', { hang: true });
    // Both exchanges run concurrently; each gives up at the zone timeout.
    expectExchangeErrors(await grant(running, token), 'timeout');

    zone.setFault('all', { hang: true });
    const cold = await start();
    const refused = await get(cold, '/mcp', token);
    expect(refused.status).toBe(503);

    zone.clearFaults();
    expect((await get(cold, '/mcp', token)).status).toBe(200);
    await expectRecovered(running);
  });

  it('zone answering an oversized JWKS or discovery document: a cold app stops reading at the size cap and answers 503', async () => {
    const token = await mint();
    const padding = 'x'.repeat(MAX_ZONE_RESPONSE_BYTES);
    zone.setFault('jwks', { failWith: { status: 200, body: { keys: [], padding } } });
    const cold = await start();
    expect((await get(cold, '/mcp', token)).status).toBe(503);
    zone.clearFaults('jwks');
    zone.setFault('discovery', { failWith: { status: 200, body: { issuer: zone.zoneUrl, padding } } });
    const colder = await start();
    expect((await get(colder, '/mcp', token)).status).toBe(503);

    zone.clearFaults();
    expect((await get(cold, '/mcp', token)).status).toBe(200);
    expect((await get(colder, '/mcp', token)).status).toBe(200);
  });

  it('JWKS rotating mid-run: a stream of requests never gets a 5xx; new-key tokens pass at once; old-key tokens stop passing once the key is dropped', async () => {
    const oldKey = await Promise.all([1, 2, 3, 4, 5].map((n) => mint(`old-${n}`)));
    const statuses: number[] = [];
    let stop = false;
    const pool = [...oldKey];
    const stream = Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = worker; !stop; i += 8) {
          const answer = await get(running, i % 2 === 0 ? '/mcp' : '/mcp/grant', pool[i % pool.length]!);
          statuses.push(answer.status);
        }
      }),
    );
    const waitForMore = async (count: number): Promise<void> => {
      const target = statuses.length + count;
      while (statuses.length < target) await new Promise((resolve) => setTimeout(resolve, 5));
    };

    await waitForMore(50);
    await zone.rotateKeys({ keepOld: true });
    const secondKey = await Promise.all([1, 2, 3].map((n) => mint(`second-${n}`)));
    for (const token of secondKey) expect((await get(running, '/mcp', token)).status).toBe(200);
    pool.push(...secondKey);
    await waitForMore(50);

    await zone.rotateKeys({ keepOld: false });
    const thirdKey = await Promise.all([1, 2, 3].map((n) => mint(`third-${n}`)));
    for (const token of thirdKey) expect((await get(running, '/mcp', token)).status).toBe(200);
    pool.push(...thirdKey);
    await waitForMore(100);
    stop = true;
    await stream;

    expect(statuses.filter((status) => status !== 200 && status !== 401)).toEqual([]);
    for (const token of [...oldKey, ...secondKey]) expect((await get(running, '/mcp', token)).status).toBe(401);
    for (const token of thirdKey) expect((await grant(running, token, '/mcp/grant')).status).toBe('success');
  });

  it('wrote no token or client secret to any log line', () => {
    expect(tap.linesWith('Token exchange failed for').length).toBeGreaterThan(0);
    expect(tap.linesWith('Cannot verify bearer tokens').length).toBeGreaterThan(0);
    expect(leakedSecrets(tap.text, sent)).toEqual([]);
  });
});
