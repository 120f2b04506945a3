import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JWKS_REQUESTS_PER_MINUTE } from '../../src/auth/jwks-key-store.js';
import { LocalZone } from '../../src/local-zone/index.js';
import { ADAPTERS, startApp, type RunningApp } from '../auth/fixtures/start-app.js';
import { FakeClock, withFakeClock } from './fixtures/fake-clock.js';
import { RESOURCE, ReliabilityAppModule } from './fixtures/reliability-app.js';

/** A token whose header names `kid` and whose signature is garbage (what anyone can send). */
function unknownKidToken(zone: LocalZone, kid = randomBytes(8).toString('hex')): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { iss: zone.zoneUrl, sub: 'x', aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 600 };
  return `${part({ alg: 'RS256', typ: 'at+jwt', kid })}.${part(claims)}.${randomBytes(256).toString('base64url')}`;
}

describe.each(ADAPTERS)('zone key set under faults and floods (%s)', (adapter) => {
  let zone: LocalZone;
  let clock: FakeClock;
  let running: RunningApp;

  beforeEach(async () => {
    zone = await LocalZone.start();
    clock = new FakeClock();
    running = await startApp(adapter, withFakeClock(ReliabilityAppModule.forRoot({ zoneUrl: zone.zoneUrl, zoneTimeoutMs: 2000 }), clock));
  });

  afterEach(async () => {
    await running?.app.close();
    await zone?.stop();
  });

  async function status(token: string): Promise<number> {
    return (await fetch(`${running.url}/mcp`, { headers: { authorization: `Bearer ${token}` } })).status;
  }

  /** JWKS and discovery requests the zone received. */
  function zoneFetches(): number {
    return zone.requestCounts.jwks + zone.requestCounts.discovery;
  }

  it('a cold app heals within 2 s of the zone coming back: failed fetches back off instead of spending the refetch budget', async () => {
    const token = await zone.mintAccessToken({ resource: RESOURCE });
    zone.setFault('all', { down: true });
    // 20 s of outage, 10 requests a second: every one 503, the zone asked rarely (back-off, at most every 2 s).
    const before = zoneFetches();
    for (let step = 0; step < 200; step++) {
      expect(await status(token)).toBe(503);
      clock.advance(100);
    }
    expect(zoneFetches() - before).toBeLessThanOrEqual(2 * (20 / 2 + 4));

    zone.clearFaults();
    clock.advance(2000);
    expect(await status(token)).toBe(200);
  }, 60_000);

  it(`a flood of unknown kids cannot block a rotation: the new kid is accepted within 10 s, with at most ${JWKS_REQUESTS_PER_MINUTE} JWKS fetches a minute`, async () => {
    expect(await status(await zone.mintAccessToken({ resource: RESOURCE }))).toBe(200);
    const before = zone.requestCounts.jwks;
    let rotatedAt: number | undefined;
    let genuine: string | undefined;
    let acceptedAfterMs: number | undefined;
    // One simulated minute, every 250 ms: three unknown kids (and, after the rotation, the genuine token).
    for (let elapsed = 0; elapsed < 60_000; elapsed += 250) {
      for (let i = 0; i < 3; i++) expect(await status(unknownKidToken(zone))).toBe(401);
      if (elapsed === 5_000) {
        await zone.rotateKeys();
        genuine = await zone.mintAccessToken({ resource: RESOURCE });
        rotatedAt = elapsed;
      }
      if (genuine !== undefined && acceptedAfterMs === undefined && (await status(genuine)) === 200) acceptedAfterMs = elapsed - rotatedAt!;
      clock.advance(250);
    }
    expect(acceptedAfterMs).toBeDefined();
    expect(acceptedAfterMs!).toBeLessThanOrEqual(10_000);
    expect(zone.requestCounts.jwks - before).toBeLessThanOrEqual(JWKS_REQUESTS_PER_MINUTE);
  }, 120_000);

  it('answers 503, not 401, for an unknown kid while the zone is unreachable; known kids keep working', async () => {
    const known = await zone.mintAccessToken({ resource: RESOURCE });
    expect(await status(known)).toBe(200);
    zone.setFault('all', { down: true });
    clock.advance(7_000);
    const rotatedWhileDown = await zone.mintAccessToken({ resource: RESOURCE, header: { kid: 'rotated-while-down' } });
    expect(await status(rotatedWhileDown)).toBe(503);
    expect(await status(unknownKidToken(zone))).toBe(503);
    expect(await status(known)).toBe(200);

    zone.clearFaults();
    clock.advance(2_000);
    expect(await status(rotatedWhileDown)).toBe(401);
    expect(await status(known)).toBe(200);
  });

  it('refetches once for a known kid whose signature fails when the key set is older than a few seconds (the zone re-keyed it)', async () => {
    expect(await status(await zone.mintAccessToken({ resource: RESOURCE }))).toBe(200);
    const kid = zone.currentKid;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    zone.setFault('jwks', { failWith: { status: 200, body: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] } } });
    const rekeyed = await zone.mintAccessToken({ resource: RESOURCE, signingKey: { key: privateKey, alg: 'RS256', kid } });

    // A key set fetched a moment ago is trusted: a bad signature is just bad, no fetch.
    const before = zone.requestCounts.jwks;
    clock.advance(1_000);
    expect(await status(rekeyed)).toBe(401);
    expect(zone.requestCounts.jwks).toBe(before);

    // Older than a few seconds: one refetch, and the re-keyed kid verifies.
    clock.advance(6_000);
    expect(await status(rekeyed)).toBe(200);
    expect(zone.requestCounts.jwks).toBe(before + 1);

    // Garbage signatures on the known kid: at most one refetch per interval, then 401.
    clock.advance(7_000);
    for (let i = 0; i < 20; i++) expect(await status(unknownKidToken(zone, kid))).toBe(401);
    expect(zone.requestCounts.jwks).toBe(before + 2);

    // The same while the zone is unreachable: it cannot be told, so 503.
    zone.setFault('all', { down: true });
    clock.advance(7_000);
    expect(await status(unknownKidToken(zone, kid))).toBe(503);
  });
});
