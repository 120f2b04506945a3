import { All, Controller, Get, Options, Post, Req, UseGuards } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeycardAuthGuard } from '../../src/auth/keycard-auth.guard.js';
import type { KeycardUser } from '../../src/auth/keycard-user.interface.js';
import { LocalZone } from '../../src/local-zone/index.js';
import { AuthFixtureModule, MCP_BASE_URL } from '../auth/fixtures/auth-fixture.module.js';
import { ADAPTERS, startApp, type RunningApp } from '../auth/fixtures/start-app.js';

const MCP = `${MCP_BASE_URL}/mcp`;
const OTHER = `${MCP_BASE_URL}/other`;

/** How many times a guarded handler ran (a handler that runs without a user is the bug). */
const handlerRuns: { path: string; method: string; user: boolean }[] = [];

function record(path: string, req: { method: string; user?: KeycardUser }): { sub: string | null } {
  handlerRuns.push({ path, method: req.method, user: req.user !== undefined });
  return { sub: req.user?.sub ?? null };
}

/** The second MCP endpoint of the app, guarded, answering every method. */
@Controller('other')
@UseGuards(KeycardAuthGuard)
class OtherEndpointController {
  @All()
  any(@Req() req: { method: string; user?: KeycardUser }): { sub: string | null } {
    return record('/other', req);
  }
}

/** A guarded non-MCP route whose handler answers OPTIONS itself (outside the library's CORS routes). */
@Controller('api/admin')
@UseGuards(KeycardAuthGuard)
class GuardedOptionsController {
  @Options()
  options(@Req() req: { method: string; user?: KeycardUser }): { sub: string | null } {
    return record('/api/admin', req);
  }

  @All('everything')
  everything(@Req() req: { method: string; user?: KeycardUser }): { sub: string | null } {
    return record('/api/admin/everything', req);
  }

  @Get()
  @Post()
  get(@Req() req: { method: string; user?: KeycardUser }): { sub: string | null } {
    return record('/api/admin', req);
  }
}

const PREFLIGHT = { origin: 'https://client.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' };

describe.each(ADAPTERS)('endpoint boundaries (%s)', (adapter) => {
  let zone: LocalZone;
  let running: RunningApp;

  beforeAll(async () => {
    zone = await LocalZone.start();
    running = await startApp(
      adapter,
      AuthFixtureModule.forRoot({
        zoneUrl: zone.zoneUrl,
        mcpPath: ['mcp', 'other'],
        controllers: [OtherEndpointController, GuardedOptionsController],
      }),
    );
  });

  afterAll(async () => {
    await running?.app.close();
    await zone?.stop();
  });

  function call(path: string, token: string, method = 'POST'): Promise<Response> {
    return fetch(`${running.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  }

  describe('per-endpoint audience', () => {
    it.each([
      ['aud names the endpoint', 'resource'],
      ['aud is the zone and the resource claim names the endpoint', 'keycard'],
    ] as const)('a token whose %s is accepted at that endpoint only', async (_name, tokenStyle) => {
      const forMcp = await zone.mintAccessToken({ resource: MCP, tokenStyle });
      const forOther = await zone.mintAccessToken({ resource: OTHER, tokenStyle });

      expect((await call('/mcp', forMcp)).status).toBe(201);
      expect((await call('/other', forMcp)).status).toBe(401);
      expect((await call('/other', forOther)).status).toBe(200);
      const refused = await call('/mcp', forOther);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(refused.headers.get('www-authenticate')).toContain(`resource_metadata="${MCP_BASE_URL}/.well-known/oauth-protected-resource/mcp"`);
    });

    it('refuses a token remembered at one endpoint when it is sent to the other (verified-token cache), both ways', async () => {
      const forMcp = await zone.mintAccessToken({ resource: MCP });
      for (let i = 0; i < 3; i++) expect((await call('/mcp', forMcp)).status).toBe(201);
      for (let i = 0; i < 3; i++) expect((await call('/other', forMcp)).status).toBe(401);
      expect((await call('/mcp', forMcp)).status).toBe(201);

      const forOther = await zone.mintAccessToken({ resource: OTHER });
      for (let i = 0; i < 3; i++) expect((await call('/other', forOther)).status).toBe(200);
      for (let i = 0; i < 3; i++) expect((await call('/mcp', forOther)).status).toBe(401);
      expect((await call('/other', forOther)).status).toBe(200);
    });

    it('still accepts the base URL audience at every endpoint (server-wide)', async () => {
      const forServer = await zone.mintAccessToken({ aud: `${MCP_BASE_URL}/` });
      expect((await call('/mcp', forServer)).status).toBe(201);
      expect((await call('/other', forServer)).status).toBe(200);
    });
  });

  describe('no handler runs unauthenticated because of CORS', () => {
    it.each(['/api/admin', '/api/admin/everything'])('a preflight-shaped OPTIONS %s without a token gets 401 and runs no handler', async (path) => {
      handlerRuns.length = 0;
      const response = await fetch(`${running.url}${path}`, { method: 'OPTIONS', headers: PREFLIGHT });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="/);
      expect(handlerRuns).toEqual([]);
    });

    it('answers preflights of the MCP endpoints and discovery with 204 and CORS headers, before any handler', async () => {
      handlerRuns.length = 0;
      for (const path of ['/mcp', '/other', '/.well-known/oauth-protected-resource/other', '/.well-known/oauth-authorization-server']) {
        const response = await fetch(`${running.url}${path}`, { method: 'OPTIONS', headers: PREFLIGHT });
        expect(response.status, path).toBe(204);
        expect(response.headers.get('access-control-allow-origin'), path).toBe('*');
        expect(response.headers.get('access-control-allow-headers'), path).toContain('authorization');
        expect(response.headers.get('access-control-allow-methods'), path).toContain('POST');
      }
      expect(handlerRuns).toEqual([]);
    });

    it('runs the guarded OPTIONS handler with a valid token, and only then', async () => {
      handlerRuns.length = 0;
      const token = await zone.mintAccessToken({ resource: MCP });
      const response = await fetch(`${running.url}/api/admin`, { method: 'OPTIONS', headers: { ...PREFLIGHT, authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(handlerRuns).toEqual([{ path: '/api/admin', method: 'OPTIONS', user: true }]);
    });
  });
});
