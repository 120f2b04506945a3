import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADAPTERS, startApp, type RunningApp } from '../auth/fixtures/start-app.js';
import { RESOURCE, ReliabilityAppModule, type GrantAnswer } from './fixtures/reliability-app.js';
import { createTestKey, redirect, ScriptedServer, sendJson, signAccessToken, zoneMetadata, type TestKey } from './fixtures/scripted-zone.js';

const METADATA_PATH = '/.well-known/oauth-authorization-server';

/**
 * The zone (a scripted one: its answers are decided here) and an attacker's origin, both on
 * loopback. The attacker serves its own key set and metadata, and a token endpoint that
 * records what it is sent.
 */
describe.each(ADAPTERS)('zone fetches follow no redirect to another origin (%s)', (adapter) => {
  let zone: ScriptedServer;
  let attacker: ScriptedServer;
  let running: RunningApp;
  let zoneKey: TestKey;
  let attackerKey: TestKey;

  beforeEach(async () => {
    zone = await ScriptedServer.start();
    attacker = await ScriptedServer.start();
    zoneKey = createTestKey('zone-key');
    attackerKey = createTestKey('attacker-key');
    zone.routes.set(METADATA_PATH, (_request, response) => sendJson(response, 200, zoneMetadata(zone.origin)));
    zone.routes.set('/jwks', (_request, response) => sendJson(response, 200, { keys: [zoneKey.publicJwk] }));
    zone.routes.set('/token', (_request, response) =>
      sendJson(response, 200, { access_token: 'exchanged-by-zone', token_type: 'Bearer', expires_in: 3600 }),
    );
    attacker.routes.set('/jwks', (_request, response) => sendJson(response, 200, { keys: [attackerKey.publicJwk, { ...attackerKey.publicJwk, kid: zoneKey.kid }] }));
    attacker.routes.set(METADATA_PATH, (_request, response) => sendJson(response, 200, { ...zoneMetadata(zone.origin), token_endpoint: `${attacker.origin}/token` }));
    attacker.routes.set('/token', (_request, response) =>
      sendJson(response, 200, { access_token: 'exchanged-by-attacker', token_type: 'Bearer', expires_in: 3600 }),
    );
    running = await startApp(adapter, ReliabilityAppModule.forRoot({ zoneUrl: zone.origin, zoneTimeoutMs: 2000 }));
  });

  afterEach(async () => {
    await running?.app.close();
    await zone?.stop();
    await attacker?.stop();
  });

  function get(path: string, token: string): Promise<Response> {
    return fetch(`${running.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  }

  it.each([301, 302, 303, 307, 308])('a JWKS answering %i to another origin that serves an attacker key admits no attacker token', async (status) => {
    zone.routes.set('/jwks', (_request, response) => redirect(response, status, `${attacker.origin}/jwks`));
    const forged = [
      await signAccessToken(attackerKey, zone.origin, RESOURCE),
      await signAccessToken({ ...attackerKey, kid: zoneKey.kid }, zone.origin, RESOURCE),
    ];
    for (const token of forged) {
      const response = await get('/mcp', token);
      expect([401, 503]).toContain(response.status);
    }
    expect(attacker.requests).toEqual([]);

    // The genuine zone key set works as soon as the zone stops redirecting.
    zone.routes.set('/jwks', (_request, response) => sendJson(response, 200, { keys: [zoneKey.publicJwk] }));
    const genuine = await signAccessToken(zoneKey, zone.origin, RESOURCE);
    await expect.poll(async () => (await get('/mcp', genuine)).status, { timeout: 5000, interval: 100 }).toBe(200);
    for (const token of forged) expect((await get('/mcp', token)).status).toBe(401);
  });

  it('metadata answering 302 to another origin is refused, so the subject token never reaches the attacker', async () => {
    zone.routes.set(METADATA_PATH, (_request, response) => redirect(response, 302, `${attacker.origin}${METADATA_PATH}`));
    const genuine = await signAccessToken(zoneKey, zone.origin, RESOURCE);
    const response = await get('/mcp/grant', genuine);
    expect(response.status).toBe(503);
    expect(attacker.requests).toEqual([]);
  });

  it('a token endpoint answering 307 to another origin is not followed: the exchange fails and the attacker sees nothing', async () => {
    zone.routes.set('/token', (_request, response) => redirect(response, 307, `${attacker.origin}/token`));
    const genuine = await signAccessToken(zoneKey, zone.origin, RESOURCE);
    const response = await get('/mcp/grant', genuine);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as GrantAnswer;
    expect(answer.status).toBe('error');
    expect(Object.values(answer.tokens)).toEqual([]);
    expect(attacker.requests).toEqual([]);
  });
});
