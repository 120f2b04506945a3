import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientSecret } from '../../src/credentials/client-secret.credential.js';
import { LocalZone } from '../../src/local-zone/index.js';
import { AuthFixtureModule, RESOURCE } from './fixtures/auth-fixture.module.js';
import { CapturingLogger } from './fixtures/capturing-logger.js';
import { bearer, rejections } from './fixtures/rejections.js';
import { ADAPTERS, startApp, type RunningApp } from './fixtures/start-app.js';

const CLIENT_SECRET = 'client-secret-that-must-never-be-logged';

describe.each(ADAPTERS)('logs on %s', (adapter) => {
  let zone: LocalZone;
  let running: RunningApp;
  const logger = new CapturingLogger();
  /** Every credential sent during the scenarios. */
  const sent: string[] = [];

  beforeAll(async () => {
    zone = await LocalZone.start();
    running = await startApp(
      adapter,
      AuthFixtureModule.forRoot({
        zoneUrl: zone.zoneUrl,
        requiredScopes: ['mcp:tools'],
        applicationCredential: new ClientSecret('log-test-client', CLIENT_SECRET),
      }),
      { logger },
    );
  });

  afterAll(async () => {
    await running?.app.close();
    await zone?.stop();
  });

  async function post(authorization: string | undefined, path = '/mcp'): Promise<number> {
    if (authorization) sent.push(authorization);
    const response = await fetch(`${running.url}${path}`, { method: 'POST', headers: authorization ? { authorization } : {} });
    await response.arrayBuffer();
    return response.status;
  }

  it('never writes a token, an Authorization header or a secret, across every scenario', async () => {
    const valid = await zone.mintAccessToken({ resource: RESOURCE, scope: 'mcp:tools' });
    expect(await post(bearer(valid))).toBe(201);
    expect(await post(bearer(await zone.mintAccessToken({ resource: RESOURCE })))).toBe(403);
    expect(await post(bearer(valid), '/mcp/notes')).toBe(403);
    for (const rejection of Object.values(rejections)) {
      expect(await post(await rejection.authorization(zone))).toBe(401);
    }
    const unseenKid = await zone.mintAccessToken({ resource: RESOURCE, scope: 'mcp:tools', header: { kid: 'never-seen' } });
    zone.setFault('all', { down: true });
    // A kid that cannot be looked up while the zone is down: 503 (the token may be good).
    expect(await post(bearer(unseenKid))).toBe(503);
    expect((await fetch(`${running.url}/.well-known/oauth-authorization-server`)).status).toBe(200);
    zone.clearFaults();

    // The scenarios were logged, with their reasons...
    expect(logger.lines.some((line) => line.level === 'warn' && line.text.includes('Rejected a bearer token: the token has expired'))).toBe(true);
    expect(logger.lines.some((line) => line.level === 'warn' && line.text.includes('missing scope(s): notes:write'))).toBe(true);
    // ...nothing became an error...
    expect(logger.lines.filter((line) => line.level === 'error' || line.level === 'fatal')).toEqual([]);
    // ...and no credential, nor any part of a token, reached a log line.
    const text = logger.text;
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text.toLowerCase()).not.toContain('authorization: ');
    for (const credential of sent) {
      const token = credential.replace(/^\S+\s*/, '');
      if (token.length >= 6) expect(text).not.toContain(token);
      // Header, payload and signature separately (short garbage like "abc" is too common to check).
      for (const part of token.split('.')) if (part.length >= 6) expect(text).not.toContain(part);
    }
  });

  it('logs outages without tokens too', async () => {
    const token = await zone.mintAccessToken({ resource: RESOURCE, scope: 'mcp:tools' });
    const fresh = await startApp(adapter, AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl }), { logger });
    try {
      zone.setFault('all', { down: true });
      const response = await fetch(`${fresh.url}/mcp`, { method: 'POST', headers: { authorization: bearer(token) } });
      expect(response.status).toBe(503);
      expect((await fetch(`${fresh.url}/.well-known/oauth-authorization-server`)).status).toBe(502);
    } finally {
      zone.clearFaults();
      await fresh.app.close();
    }
    expect(logger.lines.some((line) => line.level === 'warn' && line.text.includes('Cannot verify bearer tokens'))).toBe(true);
    expect(logger.lines.filter((line) => line.level === 'error' || line.level === 'fatal')).toEqual([]);
    for (const part of token.split('.')) expect(logger.text).not.toContain(part);
  });
});
