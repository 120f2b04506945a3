import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalZone } from '../../src/local-zone/index.js';
import { AuthFixtureModule, RESOURCE } from './fixtures/auth-fixture.module.js';
import { ADAPTERS, startApp, type RunningApp } from './fixtures/start-app.js';

describe.each(ADAPTERS)('zone outage (%s)', (adapter) => {
  let zone: LocalZone;
  let running: RunningApp;

  beforeEach(async () => {
    zone = await LocalZone.start();
    running = await startApp(adapter, AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl }));
  });

  afterEach(async () => {
    await running?.app.close();
    await zone?.stop();
  });

  function post(token: string): Promise<Response> {
    return fetch(`${running.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  }

  it('answers 503 while the zone is down and 201 once it is back, without a restart', async () => {
    const token = await zone.mintAccessToken({ resource: RESOURCE });
    zone.setFault('all', { down: true });

    const down = await post(token);
    expect(down.status).toBe(503);
    const body = (await down.json()) as { error: string; error_description: string };
    expect(body.error).toBe('temporarily_unavailable');
    expect(body.error_description).toMatch(/authorization server is unreachable/);
    expect(JSON.stringify(body)).not.toContain(token);

    const mirror = await fetch(`${running.url}/.well-known/oauth-authorization-server`);
    expect(mirror.status).toBe(502);
    expect(((await mirror.json()) as { error: string }).error).toBe('temporarily_unavailable');

    zone.clearFaults();
    expect((await post(token)).status).toBe(201);
    expect((await fetch(`${running.url}/.well-known/oauth-authorization-server`)).status).toBe(200);
  });

  it('answers 503 when only the JWKS fails, and keeps verifying with known keys when the zone goes down later', async () => {
    const token = await zone.mintAccessToken({ resource: RESOURCE });
    zone.setFault('jwks', { failWith: { status: 500, body: { error: 'server_error' } } });
    expect((await post(token)).status).toBe(503);

    zone.clearFaults();
    expect((await post(token)).status).toBe(201);

    zone.setFault('all', { down: true });
    expect((await post(token)).status).toBe(201);
    // A kid the app has never seen cannot be looked up while the zone is down: 503 (the zone
    // may have rotated it in), never 401 (which would send the client to a login) nor 500.
    const unknown = await zone.mintAccessToken({ resource: RESOURCE, header: { kid: 'rotated-while-down' } });
    expect((await post(unknown)).status).toBe(503);
  });
});
