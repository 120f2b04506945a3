import { Controller, Post, Req, UseGuards } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverOAuthProtectedResourceMetadata } from '@modelcontextprotocol/client';
import { KeycardAuthGuard } from '../../src/auth/keycard-auth.guard.js';
import type { KeycardUser } from '../../src/auth/keycard-user.interface.js';
import { LocalZone } from '../../src/local-zone/index.js';
import { AuthFixtureModule, MCP_BASE_URL, RESOURCE } from './fixtures/auth-fixture.module.js';
import { FakeWebIdentity } from './fixtures/fake-web-identity.js';
import { ADAPTERS, startApp, type RunningApp } from './fixtures/start-app.js';

const ADMIN_RESOURCE = `${MCP_BASE_URL}/admin/mcp`;

@Controller('admin/mcp')
@UseGuards(KeycardAuthGuard)
class AdminMcpController {
  @Post()
  post(@Req() req: { user: KeycardUser }): { resource: string } {
    return { resource: req.user.resource };
  }
}

const ALLOW_HEADERS = 'authorization, content-type, mcp-protocol-version, mcp-session-id, mcp-method, mcp-name, last-event-id';

describe.each(ADAPTERS)('discovery endpoints on %s', (adapter) => {
  let zone: LocalZone;
  let running: RunningApp;
  let bare: RunningApp;
  const credential = new FakeWebIdentity();

  beforeAll(async () => {
    zone = await LocalZone.start();
    running = await startApp(
      adapter,
      AuthFixtureModule.forRoot({
        zoneUrl: zone.zoneUrl,
        mcpPath: ['mcp', 'admin/mcp'],
        scopesSupported: ['mcp:tools', 'notes:read'],
        applicationCredential: credential,
        controllers: [AdminMcpController],
      }),
    );
    bare = await startApp(adapter, AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl }));
  });

  afterAll(async () => {
    await running?.app.close();
    await bare?.app.close();
    await zone?.stop();
  });

  async function getJson(app: RunningApp, path: string): Promise<{ status: number; body: unknown; response: Response }> {
    const response = await fetch(`${app.url}${path}`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    return { status: response.status, body: await response.json(), response };
  }

  it('serves protected-resource metadata for each MCP endpoint, and the first at the root', async () => {
    const expected = {
      resource: RESOURCE,
      authorization_servers: [zone.zoneUrl],
      bearer_methods_supported: ['header'],
      // The `scopesSupported` option, then every @RequireScopes found at bootstrap (notes:write).
      scopes_supported: ['mcp:tools', 'notes:read', 'notes:write'],
      resource_name: 'Auth fixture',
      jwks_uri: `${MCP_BASE_URL}/.well-known/jwks.json`,
    };
    expect(await getJson(running, '/.well-known/oauth-protected-resource/mcp')).toMatchObject({ status: 200, body: expected });
    expect(await getJson(running, '/.well-known/oauth-protected-resource')).toMatchObject({ status: 200, body: expected });
    expect(await getJson(running, '/.well-known/oauth-protected-resource/admin/mcp')).toMatchObject({
      status: 200,
      body: { ...expected, resource: ADMIN_RESOURCE },
    });
    // Without configured scopes or a key-publishing credential: only the @RequireScopes found, no jwks_uri.
    expect((await getJson(bare, '/.well-known/oauth-protected-resource/mcp')).body).toEqual({
      resource: RESOURCE,
      authorization_servers: [zone.zoneUrl],
      bearer_methods_supported: ['header'],
      scopes_supported: ['notes:write'],
      resource_name: 'Auth fixture',
    });
  });

  it('serves metadata the official MCP client accepts', async () => {
    const metadata = await discoverOAuthProtectedResourceMetadata(new URL(`${running.url}/mcp`));
    expect(metadata.resource).toBe(RESOURCE);
    expect(metadata.authorization_servers).toEqual([zone.zoneUrl]);
  });

  it('names the metadata of the requested MCP endpoint in its challenge', async () => {
    const admin = await fetch(`${running.url}/admin/mcp`, { method: 'POST' });
    expect(admin.status).toBe(401);
    expect(admin.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${MCP_BASE_URL}/.well-known/oauth-protected-resource/admin/mcp"`,
    );
    const token = await zone.mintAccessToken({ resource: ADMIN_RESOURCE });
    const ok = await fetch(`${running.url}/admin/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ resource: ADMIN_RESOURCE });
  });

  it("mirrors the zone's authorization server metadata at the root and below each MCP path", async () => {
    const zoneMetadata = await (await fetch(zone.metadataUrl)).json();
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server/mcp', '/.well-known/oauth-authorization-server/admin/mcp']) {
      const { status, body } = await getJson(running, path);
      expect(status, path).toBe(200);
      expect(body, path).toEqual(zoneMetadata);
    }
    expect((await getJson(running, '/.well-known/oauth-authorization-server')).body).toMatchObject({
      issuer: zone.zoneUrl,
      jwks_uri: zone.jwksUri,
      token_endpoint: zone.tokenEndpoint,
    });
  });

  it('serves the credential key set at /.well-known/jwks.json, and 404 JSON without one', async () => {
    expect(await getJson(running, '/.well-known/jwks.json')).toMatchObject({ status: 200, body: { keys: [credential.jwk] } });
    const missing = await getJson(bare, '/.well-known/jwks.json');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'not_found' });
  });

  it.each([
    '/.well-known/openid-configuration',
    '/.well-known/oauth-protected-resource/other',
    '/.well-known/oauth-protected-resource/mcp/extra',
    '/.well-known/oauth-authorization-server/other',
    '/.well-known/nothing/here',
  ])('answers JSON 404 for %s', async (path) => {
    const { status, response } = await getJson(running, path);
    expect(status).toBe(404);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('adds CORS to discovery documents and answers preflights without auth', async () => {
    const document = await fetch(`${running.url}/.well-known/oauth-protected-resource/mcp`, { headers: { origin: 'http://app.example' } });
    expect(document.headers.get('access-control-allow-origin')).toBe('*');

    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-authorization-server', '/mcp', '/admin/mcp']) {
      const preflight = await fetch(`${running.url}${path}`, {
        method: 'OPTIONS',
        headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, mcp-protocol-version' },
      });
      expect(preflight.status, path).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(preflight.headers.get('access-control-allow-headers'), path).toBe(ALLOW_HEADERS);
      expect(preflight.headers.get('access-control-allow-methods'), path).toContain('POST');
    }
  });

  it('lets browsers read the challenge of a 401 from the MCP endpoint', async () => {
    const response = await fetch(`${running.url}/mcp`, { method: 'POST', headers: { origin: 'http://app.example' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toMatch(/WWW-Authenticate/);
    expect(response.headers.get('access-control-expose-headers')).toMatch(/Mcp-Session-Id/);
  });
});
