import { setTimeout as sleep } from 'node:timers/promises';
import { ClientSecret } from 'nestjs-keycard';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone } from 'nestjs-keycard/local-zone';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGrantApp, type GrantApp, type GrantFixtureOptions } from './fixtures/grant-fixture.module.js';
import { claimsOf, type GrantReport } from './fixtures/grant-report.js';
import { API, CALENDAR, MCP_RESOURCE } from './fixtures/resources.js';

/** A cached token is dropped this long before the earlier expiry (the library's default skew). */
const SKEW_SECONDS = 30;
/** Lifetime giving a few seconds of cacheability past the skew. */
const SHORT_LIFETIME_SECONDS = SKEW_SECONDS + 3;

const credential = () => new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);

/** Waits until `epochMs` has passed (a little more). */
async function sleepUntil(epochMs: number): Promise<void> {
  await sleep(Math.max(0, epochMs - Date.now()) + 100);
}

describe('exchange cache through @Grant (Express)', () => {
  let zone: LocalZone;
  const apps: GrantApp[] = [];

  async function start(options: Partial<GrantFixtureOptions> = {}, onZone: LocalZone = zone): Promise<GrantApp> {
    const app = await startGrantApp({ zoneUrl: onZone.zoneUrl, applicationCredential: credential(), ...options });
    apps.push(app);
    // Warm the guard so that only exchanges reach the token endpoint below.
    expect((await app.get('/grant/whoami', await onZone.mintAccessToken({ resource: MCP_RESOURCE }))).status).toBe(200);
    onZone.clearRecords();
    return app;
  }
  const mint = (sub: string, expiresIn?: number) => zone.mintAccessToken({ sub, resource: MCP_RESOURCE, expiresIn });
  const tokenOf = (report: GrantReport) => report.resources[API]?.token;

  beforeAll(async () => {
    zone = await LocalZone.start();
  });

  afterEach(async () => {
    zone.clearFaults();
    await Promise.all(apps.splice(0).map((app) => app.close()));
    zone.clearRecords();
  });

  afterAll(async () => {
    await zone?.stop();
  });

  it('serves the second call with the same token from the cache: the zone saw one exchange', async () => {
    const app = await start();
    const subject = await mint('liam');

    const first = await app.get('/grant/one', subject);
    const second = await app.get('/grant/one', subject);

    expect(first.body.status).toBe('success');
    expect(tokenOf(second.body)?.sha256).toBe(tokenOf(first.body)?.sha256);
    expect(tokenOf(second.body)?.expiresIn).toBeLessThanOrEqual(tokenOf(first.body)?.expiresIn ?? -1);
    expect(zone.exchangeCount).toBe(1);
  });

  it('keys entries by subject token, resource and scope: another scope for the same resource is another exchange', async () => {
    const app = await start();
    const subject = await mint('liam');

    await app.get('/grant/one', subject);
    await app.get('/grant/scope-string', subject);
    await app.get('/grant/scope-string', subject);
    await app.get('/grant/two', subject); // API again (cached), CALENDAR new

    expect(zone.exchangeRequests.map((r) => [r.resources[0], r.scope ?? null])).toEqual([
      [API, null],
      [API, 'files:read files:write'],
      [CALENDAR, null],
    ]);
  });

  it('answers 50 concurrent identical calls with one exchange', async () => {
    const app = await start();
    const subject = await mint('mia');
    zone.setFault('token', { latencyMs: 200 });

    const answers = await Promise.all(Array.from({ length: 50 }, () => app.get('/grant/one', subject)));

    expect(answers.every((answer) => answer.status === 200 && answer.body.status === 'success')).toBe(true);
    expect(new Set(answers.map((answer) => tokenOf(answer.body)?.sha256)).size).toBe(1);
    expect(zone.exchangeCount).toBe(1);
  });

  it('shares one in-flight exchange between concurrent identical calls even with the cache off', async () => {
    const app = await start({ exchangeCacheMaxEntries: 0 });
    const subject = await mint('noah');
    zone.setFault('token', { latencyMs: 800 });

    const answers = await Promise.all(Array.from({ length: 50 }, () => app.get('/grant/one', subject)));

    expect(answers.every((answer) => answer.body.status === 'success')).toBe(true);
    expect(new Set(answers.map((answer) => tokenOf(answer.body)?.sha256)).size).toBe(1);
    expect(zone.exchangeCount).toBe(1);
  });

  it('exchanges on every call when exchangeCacheMaxEntries is 0', async () => {
    const app = await start({ exchangeCacheMaxEntries: 0 });
    const subject = await mint('olivia');

    const first = await app.get('/grant/one', subject);
    const second = await app.get('/grant/one', subject);

    expect(zone.exchangeCount).toBe(2);
    expect(tokenOf(second.body)?.sha256).not.toBe(tokenOf(first.body)?.sha256);
  });

  it('never shares entries between callers: each user gets a token with their own sub, also when calling at once', async () => {
    const app = await start();
    const alice = await mint('alice');
    const bob = await mint('bob');
    zone.setFault('token', { latencyMs: 100 });

    const [aliceFirst, bobFirst] = await Promise.all([app.get('/grant/one', alice), app.get('/grant/one', bob)]);
    zone.clearFaults();
    const [bobAgain, aliceAgain] = [await app.get('/grant/one', bob), await app.get('/grant/one', alice)];

    expect(tokenOf(aliceFirst.body)?.sub).toBe('alice');
    expect(tokenOf(bobFirst.body)?.sub).toBe('bob');
    expect(tokenOf(aliceAgain.body)).toMatchObject({ sub: 'alice', sha256: tokenOf(aliceFirst.body)?.sha256 });
    expect(tokenOf(bobAgain.body)).toMatchObject({ sub: 'bob', sha256: tokenOf(bobFirst.body)?.sha256 });
    expect(tokenOf(aliceFirst.body)?.sha256).not.toBe(tokenOf(bobFirst.body)?.sha256);
    expect(zone.exchangeRequests.map((r) => claimsOf(r.subjectToken ?? '').sub).sort()).toEqual(['alice', 'bob']);

    // Another token of the same user is another entry too (the key is the token, not the sub).
    await app.get('/grant/one', await mint('alice'));
    expect(zone.exchangeCount).toBe(3);
  });

  it(`stops serving a cached token ${SKEW_SECONDS} s before the subject token expires`, async () => {
    const app = await start();
    const subject = await mint('pat', SHORT_LIFETIME_SECONDS);
    const subjectExp = claimsOf(subject).exp as number;

    const first = await app.get('/grant/one', subject);
    const cached = await app.get('/grant/one', subject);
    expect(zone.exchangeCount).toBe(1);
    expect(tokenOf(cached.body)?.sha256).toBe(tokenOf(first.body)?.sha256);

    await sleepUntil((subjectExp - SKEW_SECONDS) * 1000);
    const renewed = await app.get('/grant/one', subject);

    expect(renewed.body.status).toBe('success');
    expect(zone.exchangeCount).toBe(2);
    expect(tokenOf(renewed.body)?.sha256).not.toBe(tokenOf(first.body)?.sha256);
  });

  it(`stops serving a cached token ${SKEW_SECONDS} s before the exchanged token expires`, async () => {
    const shortZone = await LocalZone.start({ accessTokenTtlSeconds: SHORT_LIFETIME_SECONDS });
    try {
      const app = await start({}, shortZone);
      const subject = await shortZone.mintAccessToken({ sub: 'quinn', resource: MCP_RESOURCE, expiresIn: 3600 });

      const first = await app.get('/grant/one', subject);
      const answeredAt = Date.now();
      const cached = await app.get('/grant/one', subject);
      expect(tokenOf(first.body)?.expiresIn).toBe(SHORT_LIFETIME_SECONDS);
      expect(tokenOf(cached.body)?.sha256).toBe(tokenOf(first.body)?.sha256);
      expect(shortZone.exchangeCount).toBe(1);

      // The exchange was sent before `answeredAt`: its token is cacheable for at most 3 s from then.
      await sleepUntil(answeredAt + (SHORT_LIFETIME_SECONDS - SKEW_SECONDS) * 1000);
      const renewed = await app.get('/grant/one', subject);

      expect(shortZone.exchangeCount).toBe(2);
      expect(tokenOf(renewed.body)?.sha256).not.toBe(tokenOf(first.body)?.sha256);
    } finally {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      await shortZone.stop();
    }
  });
});
