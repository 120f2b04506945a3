import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalZone } from '../../src/local-zone/index.js';
import { AuthFixtureModule, PRM_URL, RESOURCE, type WhoAmI } from './fixtures/auth-fixture.module.js';
import { ADAPTERS, startApp, type RunningApp } from './fixtures/start-app.js';

describe.each(ADAPTERS)('KeycardAuthGuard as APP_GUARD on %s', (adapter) => {
  let zone: LocalZone;
  let running: RunningApp;

  beforeAll(async () => {
    zone = await LocalZone.start();
    running = await startApp(adapter, AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl, globalGuard: true }));
  });

  afterAll(async () => {
    await running?.app.close();
    await zone?.stop();
  });

  it('lets @Public() routes and @Public() controllers through without a token', async () => {
    const health = await fetch(`${running.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const open = await fetch(`${running.url}/open`);
    expect(open.status).toBe(200);
    expect(await open.json()).toEqual({ open: true });
  });

  it('protects every other route', async () => {
    const denied = await fetch(`${running.url}/api/me`);
    expect(denied.status).toBe(401);
    // Not below an MCP path: the challenge names the first (here: only) MCP endpoint.
    expect(denied.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${PRM_URL}"`);

    const token = await zone.mintAccessToken({ resource: RESOURCE, sub: 'bob' });
    const me = await fetch(`${running.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as WhoAmI).user.sub).toBe('bob');
  });

  it('verifies once when the route also has @UseGuards(KeycardAuthGuard), and still checks its scopes', async () => {
    const token = await zone.mintAccessToken({ resource: RESOURCE, sub: 'carol' });
    const headers = { authorization: `Bearer ${token}` };
    const mcp = await fetch(`${running.url}/mcp`, { method: 'POST', headers });
    expect(mcp.status).toBe(201);
    expect(((await mcp.json()) as WhoAmI).user.sub).toBe('carol');
    const notes = await fetch(`${running.url}/mcp/notes`, { method: 'POST', headers });
    expect(notes.status).toBe(403);
    expect(notes.headers.get('www-authenticate')).toContain('scope="notes:write"');
  });

  it('keeps the discovery documents reachable', async () => {
    const response = await fetch(`${running.url}/.well-known/oauth-protected-resource/mcp`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { resource: string }).resource).toBe(RESOURCE);
  });
});
