import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { KeycardAuthGuard } from '../../src/auth/keycard-auth.guard.js';
import type { KeycardModuleOptions } from '../../src/config/keycard-options.interface.js';
import { KeycardModule } from '../../src/keycard.module.js';
import { GrantService } from '../../src/grant/grant.service.js';
import { fakeKeycardGuard } from '../../src/testing/fake-keycard.guard.js';
import type { FakeKeycardUserOptions } from '../../src/testing/fake-keycard-user.js';
import type { MockAccessOptions } from '../../src/testing/mock-access-context.js';
import { mockGrants, type MockGrantService } from '../../src/testing/mock-grant.service.js';
import { overrideKeycard } from '../../src/testing/override-keycard.js';
import { API, CALENDAR, type AccessSummary } from './fixtures/access-summary.js';
import { ADAPTERS, callJson, connectMcp, fixtureAppModule, startApp, type AdapterName } from './fixtures/fixture-app.js';

/** The app's own Keycard import: it must never be read when `overrideKeycard` is in place. */
const unreadKeycard = KeycardModule.forRootAsync({
  useFactory: (): KeycardModuleOptions => {
    throw new Error('the app’s Keycard options were read');
  },
});

const ALICE: FakeKeycardUserOptions = { sub: 'alice', scopes: ['mcp:tools', 'calendar:read'], claims: { email: 'alice@example.com' } };

async function bootWithKit(adapter: AdapterName, access: MockAccessOptions = {}, user: FakeKeycardUserOptions = ALICE) {
  const grants = mockGrants(access);
  const moduleRef = await overrideKeycard(Test.createTestingModule({ imports: [fixtureAppModule(unreadKeycard)] }), { user, access: grants }).compile();
  const { app, url } = await startApp(moduleRef, adapter);
  return { app, url, grants };
}

function decodeJwtPart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe.each(ADAPTERS)('testing kit on %s', (adapter) => {
  describe('plain controllers (supertest)', () => {
    it('the fake guard fills req.user and req.auth like KeycardAuthGuard', async () => {
      const { app, url } = await bootWithKit(adapter);

      const { body, status } = await request(app.getHttpServer()).get('/api/me');

      expect(status).toBe(200);
      expect(body.user).toMatchObject({
        sub: 'alice',
        clientId: 'test-client',
        scopes: ['mcp:tools', 'calendar:read'],
        resource: `${url}/api/me`,
        claims: { sub: 'alice', email: 'alice@example.com', scope: 'mcp:tools calendar:read', client_id: 'test-client', aud: `${url}/api/me` },
      });
      expect(body.user.expiresAt).toBe(body.user.claims.exp);
      expect(body.auth).toEqual({
        token: body.user.token,
        clientId: 'test-client',
        scopes: ['mcp:tools', 'calendar:read'],
        expiresAt: body.user.expiresAt,
        resource: `${url}/api/me`,
        resourceMetadataUrl: `${url}/.well-known/oauth-protected-resource/api/me`,
        extra: { sub: 'alice', claims: body.user.claims },
      });
      // Fastify: the Node request below carries the same objects (that is what the MCP SDK reads).
      expect(body.raw).toEqual(adapter === 'fastify' ? { user: true, auth: true } : null);
      // The default token is an unsigned JWT of those claims: readable, never verifiable.
      expect(decodeJwtPart(body.user.token, 0)).toEqual({ alg: 'none', typ: 'JWT' });
      expect(decodeJwtPart(body.user.token, 1)).toEqual(body.user.claims);
      expect(body.user.token.endsWith('.')).toBe(true);
    });

    it('@Grant on a route: @AccessCtx() and req.accessContext get the mock, the grant is recorded with the caller token', async () => {
      const { app, grants } = await bootWithKit(adapter);

      const { body } = await request(app.getHttpServer()).get('/api/sync');

      expect(body).toMatchObject({ status: 'success', tokens: { [API]: 'test_access_token', [CALENDAR]: 'test_access_token' }, sameAsRequest: true });
      expect(grants.calls).toHaveLength(1);
      expect(body.callerToken).toEqual(expect.stringMatching(/^ey[\w-]+\.ey[\w-]+\.$/));
      expect(grants.calls[0]).toMatchObject({ resources: [API, CALENDAR], subject: { token: body.callerToken } });
    });
  });

  describe('MCP-Nest tools (official MCP client)', () => {
    it('a tool sees the fake caller on the raw request', async () => {
      const { url } = await bootWithKit(adapter);
      const client = await connectMcp(url, '/mcp');

      const { user, auth } = await callJson<{ user: Record<string, unknown>; auth: Record<string, unknown> }>(client, 'whoami');

      expect(user).toMatchObject({ sub: 'alice', scopes: ['mcp:tools', 'calendar:read'], resource: `${url}/mcp` });
      expect(auth).toMatchObject({ token: user.token, resource: `${url}/mcp`, extra: { sub: 'alice' } });
    });

    it('custom token for every resource; the grant records resources and scopes', async () => {
      const { url, grants } = await bootWithKit(adapter, { accessToken: 'my_custom_token_123' });
      const client = await connectMcp(url, '/mcp');

      const summary = await callJson<AccessSummary>(client, 'sync');

      expect(summary.tokens).toEqual({ [API]: 'my_custom_token_123', [CALENDAR]: 'my_custom_token_123' });
      expect(grants.calls.map(({ resources, scopes }) => ({ resources, scopes }))).toEqual([{ resources: [API, CALENDAR], scopes: { [API]: 'read' } }]);
      expect(grants.calls[0]?.subject.token).toEqual(expect.stringMatching(/^ey[\w-]+\.ey[\w-]+\.$/));
    });

    it('a token for the wrong resource is reported as an error for the resource asked for', async () => {
      const { url } = await bootWithKit(adapter, { resourceTokens: { [API]: 'api_token_123', 'https://calendar.example.com': 'calendar_token' } });
      const client = await connectMcp(url, '/mcp');

      const summary = await callJson<AccessSummary>(client, 'sync');

      expect(summary).toEqual({
        status: 'partial_error',
        tokens: { [API]: 'api_token_123' },
        failed: { [CALENDAR]: `Token exchange failed for ${CALENDAR}` },
        error: null,
        accessErrors: { [CALENDAR]: 'resource_error' },
      });
    });
  });

  describe('SDK tools with withGrant (official MCP client)', () => {
    it('ctx.http.authInfo is the fake caller, and withGrant passes its token to the grant', async () => {
      const { url, grants } = await bootWithKit(adapter, { resourceTokens: { [API]: 'api_token_123', [CALENDAR]: 'calendar_token_456' } });
      const client = await connectMcp(url, '/sdk');

      const authInfo = await callJson(client, 'whoami');
      const summary = await callJson<AccessSummary>(client, 'sync');

      expect(authInfo).toMatchObject({ clientId: 'test-client', scopes: ['mcp:tools', 'calendar:read'], resource: `${url}/sdk`, extra: { sub: 'alice' } });
      expect(summary).toMatchObject({ status: 'success', tokens: { [API]: 'api_token_123', [CALENDAR]: 'calendar_token_456' } });
      expect(grants.calls).toHaveLength(1);
      expect(grants.calls[0]).toMatchObject({ resources: [API, CALENDAR] });
      // The fake guard signs nothing and stamps iat/exp per request: the sync call's token is the
      // same caller's token as whoami's, up to the second it was made at.
      const claimsOf = (token: unknown) => JSON.parse(Buffer.from(String(token).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      const { iat: _iat, exp: _exp, ...expected } = claimsOf(authInfo.token);
      expect(claimsOf(grants.calls[0]?.subject.token)).toMatchObject({ ...expected, sub: 'alice', aud: `${url}/sdk` });
    });

    it('error scenario: a global error, access() throws global_error', async () => {
      const { url } = await bootWithKit(adapter, { hasErrors: true, errorMessage: 'Custom auth error' });
      const client = await connectMcp(url, '/sdk');

      const summary = await callJson<AccessSummary>(client, 'sync');

      expect(summary).toEqual({
        status: 'error',
        tokens: {},
        failed: {},
        error: 'Custom auth error',
        accessErrors: { [API]: 'global_error', [CALENDAR]: 'global_error' },
      });
    });
  });

  describe('which guard runs', () => {
    it('without the override, the real KeycardAuthGuard answers 401 (no token), so the fake is what admits', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [fixtureAppModule(KeycardModule.forRoot({ zoneUrl: 'https://zone.keycard-testing.invalid', mcpBaseUrl: 'http://localhost:3000' }))],
      })
        .overrideProvider(GrantService)
        .useValue(mockGrants())
        .compile();
      const { app } = await startApp(moduleRef, adapter);

      const response = await request(app.getHttpServer()).get('/api/me');

      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toContain('Bearer resource_metadata=');
    });

    it('a global guard registered with useExisting is replaced with overrideProvider', async () => {
      const globalGuard = { provide: APP_GUARD, useExisting: KeycardAuthGuard };
      const build = (grants: MockGrantService) =>
        overrideKeycard(Test.createTestingModule({ imports: [fixtureAppModule(unreadKeycard, [globalGuard])] }), { access: grants });

      const withProvider = await build(mockGrants()).overrideProvider(KeycardAuthGuard).useValue(fakeKeycardGuard({ sub: 'bob' })).compile();
      const { app } = await startApp(withProvider, adapter);
      const admitted = await request(app.getHttpServer()).get('/open/me');
      expect(admitted.status).toBe(200);
      expect(admitted.body.user.sub).toBe('bob');

      const routeGuardOnly = await build(mockGrants()).compile();
      const { app: other } = await startApp(routeGuardOnly, adapter);
      expect((await request(other.getHttpServer()).get('/open/me')).status).toBe(401);
    });
  });
});
