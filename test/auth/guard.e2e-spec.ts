import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/client';
import { LocalZone } from '../../src/local-zone/index.js';
import { AuthFixtureModule, PRM_URL, RESOURCE, type WhoAmI } from './fixtures/auth-fixture.module.js';
import { ADAPTERS, startApp, type RunningApp } from './fixtures/start-app.js';
import { bearer, rejections } from './fixtures/rejections.js';
import { ecTokenWithZoneKid } from './fixtures/tokens.js';

function challenge(description?: string, extra = ''): string {
  const error = description === undefined ? '' : `, error="invalid_token", error_description="${description}"`;
  return `Bearer resource_metadata="${PRM_URL}"${error}${extra}`;
}

describe.each(ADAPTERS)('KeycardAuthGuard on %s', (adapter) => {
  let zone: LocalZone;
  let plain: RunningApp;
  let scoped: RunningApp;
  let otherServer: RunningApp;
  let withEs256: RunningApp;

  beforeAll(async () => {
    zone = await LocalZone.start();
    plain = await startApp(adapter, AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl }));
    scoped = await startApp(adapter, AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl, requiredScopes: ['mcp:tools'] }));
    otherServer = await startApp(adapter, AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl, mcpBaseUrl: 'http://localhost:9000' }));
    withEs256 = await startApp(adapter, AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl, algorithms: ['RS256', 'ES256'] }));
  });

  afterAll(async () => {
    await plain?.app.close();
    await scoped?.app.close();
    await otherServer?.app.close();
    await withEs256?.app.close();
    await zone?.stop();
  });

  function post(app: RunningApp, authorization: string | undefined, path = '/mcp'): Promise<Response> {
    return fetch(`${app.url}${path}`, { method: 'POST', headers: authorization === undefined ? {} : { authorization } });
  }

  it('admits a valid token and leaves the user and the MCP AuthInfo on the request', async () => {
    const token = await zone.mintAccessToken({ resource: RESOURCE, scope: 'mcp:tools notes:read', clientId: 'test-client', sub: 'alice' });
    const response = await post(plain, bearer(token));
    expect(response.status).toBe(201);
    const body = (await response.json()) as WhoAmI;
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    expect(body.user).toEqual({
      sub: 'alice',
      clientId: 'test-client',
      scopes: ['mcp:tools', 'notes:read'],
      expiresAt: exp,
      resource: RESOURCE,
      iss: zone.zoneUrl,
      tokenIsTheBearerToken: true,
    });
    expect(body.auth).toEqual({
      clientId: 'test-client',
      scopes: ['mcp:tools', 'notes:read'],
      expiresAt: exp,
      resource: RESOURCE,
      resourceMetadataUrl: PRM_URL,
      tokenIsTheBearerToken: true,
      extraSub: 'alice',
    });
    expect(body.raw).toEqual(adapter === 'fastify' ? { sameUser: true, sameAuth: true } : null);
  });

  it('admits a Keycard login token: zone audience and a resource claim naming this server', async () => {
    const token = await zone.mintAccessToken({ tokenStyle: 'keycard', resource: `${RESOURCE}/` });
    const response = await post(plain, bearer(token));
    expect(response.status).toBe(201);
    const body = (await response.json()) as WhoAmI;
    expect(body.user.resource).toBe(RESOURCE);
    expect(body.user.sub).toBe(zone.user.sub);
  });

  it.each(Object.entries(rejections))('answers 401 with a challenge for %s', async (_name, rejection) => {
    const authorization = await rejection.authorization(zone);
    const response = await post(plain, authorization);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(challenge(rejection.description));
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body.error).toBe(rejection.bodyError);
    if (rejection.description) expect(body.error_description).toBe(rejection.description);
    // The MCP client reads the challenge it needs to start OAuth.
    expect(extractWWWAuthenticateParams(response).resourceMetadataUrl?.href).toBe(PRM_URL);
  });

  it('rejects a token signed with a key of the wrong type for its algorithm', async () => {
    const response = await post(withEs256, bearer(await ecTokenWithZoneKid(zone, RESOURCE)));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      challenge("the token's algorithm does not match the type of its signing key"),
    );
    const valid = await zone.mintAccessToken({ resource: RESOURCE });
    expect((await post(withEs256, bearer(valid))).status).toBe(201);
  });

  it('answers 403 insufficient_scope for @RequireScopes, naming every required scope', async () => {
    const without = await zone.mintAccessToken({ resource: RESOURCE, scope: 'notes:read' });
    const denied = await post(plain, bearer(without), '/mcp/notes');
    expect(denied.status).toBe(403);
    const description = 'The access token lacks the required scope(s): notes:write.';
    expect(denied.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${PRM_URL}", error="insufficient_scope", error_description="${description}", scope="notes:write"`,
    );
    expect(await denied.json()).toEqual({ error: 'insufficient_scope', error_description: description });
    expect(extractWWWAuthenticateParams(denied)).toMatchObject({ error: 'insufficient_scope', scope: 'notes:write' });

    const withScope = await zone.mintAccessToken({ resource: RESOURCE, scope: 'notes:write' });
    expect((await post(plain, bearer(withScope), '/mcp/notes')).status).toBe(201);
  });

  it('applies the module requiredScopes to every route, together with @RequireScopes', async () => {
    const noToken = await post(scoped, undefined);
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe(challenge(undefined, ', scope="mcp:tools"'));

    const withoutScope = await zone.mintAccessToken({ resource: RESOURCE });
    const denied = await post(scoped, bearer(withoutScope));
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(denied.headers.get('www-authenticate')).toContain('scope="mcp:tools"');

    const toolsOnly = await zone.mintAccessToken({ resource: RESOURCE, scope: 'mcp:tools' });
    expect((await post(scoped, bearer(toolsOnly))).status).toBe(201);
    const notes = await post(scoped, bearer(toolsOnly), '/mcp/notes');
    expect(notes.status).toBe(403);
    expect(notes.headers.get('www-authenticate')).toContain('scope="mcp:tools notes:write"');

    // `scp` (array) counts as well as `scope`.
    const both = await zone.mintAccessToken({ resource: RESOURCE, claims: { scp: ['mcp:tools', 'notes:write'] } });
    expect((await post(scoped, bearer(both), '/mcp/notes')).status).toBe(201);
  });

  it('checks tokens with the settings of its own app when several run in one process', async () => {
    const forPort8000 = await zone.mintAccessToken({ resource: RESOURCE });
    const forPort9000 = await zone.mintAccessToken({ resource: 'http://localhost:9000/mcp' });
    expect((await post(plain, bearer(forPort8000))).status).toBe(201);
    expect((await post(otherServer, bearer(forPort8000))).status).toBe(401);
    expect((await post(otherServer, bearer(forPort9000))).status).toBe(201);
    expect((await post(plain, bearer(forPort9000))).status).toBe(401);
  });

  it('lets CORS preflight requests through without a token', async () => {
    const response = await fetch(`${plain.url}/mcp`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });
});
