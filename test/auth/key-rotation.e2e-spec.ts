import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalZone } from '../../src/local-zone/index.js';
import { AuthFixtureModule, RESOURCE } from './fixtures/auth-fixture.module.js';
import { ADAPTERS, startApp, type RunningApp } from './fixtures/start-app.js';

describe.each(ADAPTERS)('signing key rotation at the zone (%s)', (adapter) => {
  let zone: LocalZone;
  let running: RunningApp;

  beforeAll(async () => {
    zone = await LocalZone.start();
    running = await startApp(adapter, AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl }));
  });

  afterAll(async () => {
    await running?.app.close();
    await zone?.stop();
  });

  async function status(token: string): Promise<number> {
    const response = await fetch(`${running.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    return response.status;
  }

  it('accepts tokens of a new key after refetching the JWKS, and refuses old-key tokens once the key is dropped', async () => {
    const first = await zone.mintAccessToken({ resource: RESOURCE });
    expect(await status(first)).toBe(201);

    // A new key, the old one still published: both verify (the unknown kid triggers a refetch).
    const secondKid = await zone.rotateKeys({ keepOld: true });
    const second = await zone.mintAccessToken({ resource: RESOURCE });
    expect(JSON.parse(Buffer.from(second.split('.')[0]!, 'base64url').toString()).kid).toBe(secondKid);
    expect(await status(second)).toBe(201);
    expect(await status(first)).toBe(201);

    // A third key replaces all others: its tokens verify, the refetched set no longer has the old keys.
    await zone.rotateKeys({ keepOld: false });
    const third = await zone.mintAccessToken({ resource: RESOURCE });
    expect(await status(third)).toBe(201);
    expect(await status(first)).toBe(401);
    expect(await status(second)).toBe(401);
    expect(await status(third)).toBe(201);
  });

  it('refetches the JWKS for unknown kids at most 10 times a minute', async () => {
    // Its own app: the rotations above spent part of the shared app's refetch budget.
    await running.app.close();
    running = await startApp(adapter, AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl }));
    const valid = await zone.mintAccessToken({ resource: RESOURCE });
    expect(await status(valid)).toBe(201);
    zone.clearRecords();
    for (let i = 0; i < 15; i++) {
      const forged = await zone.mintAccessToken({ resource: RESOURCE, header: { kid: `unknown-${i}` } });
      expect(await status(forged)).toBe(401);
    }
    const fetches = zone.requestCounts.jwks;
    expect(fetches).toBeGreaterThan(0);
    expect(fetches).toBeLessThanOrEqual(10);
    // Known keys keep working while refetches are rate-limited.
    expect(await status(valid)).toBe(201);
  });
});
