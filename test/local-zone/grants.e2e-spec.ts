import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PUBLIC_CLIENT_ID, LocalZone } from '../../src/local-zone/index.js';
import {
  basic,
  payloadOf,
  pkce,
  postForm,
  postJson,
  startCallbackServer,
  verifyWithZone,
  type TestServer,
} from './local-zone-test.helpers.js';

const MCP_RESOURCE = 'http://127.0.0.1:8000/mcp';

function authorizeUrl(zone: LocalZone, params: Record<string, string | string[]>): string {
  const url = new URL(zone.authorizationEndpoint);
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, v);
  }
  return url.href;
}

/** Follows redirects by hand (no cookies kept) until one points at `redirectUri`; returns that URL. */
async function followToRedirect(start: string, redirectUri: string): Promise<URL> {
  let next = start;
  for (let hop = 0; hop < 10; hop += 1) {
    const response = await fetch(next, { redirect: 'manual' });
    const location = response.headers.get('location');
    await response.arrayBuffer();
    if (!location) throw new Error(`no redirect at hop ${hop} (status ${response.status})`);
    const url = new URL(location, next);
    if (url.href.startsWith(redirectUri)) return url;
    next = url.href;
  }
  throw new Error('too many redirects');
}

describe('LocalZone grants', () => {
  let zone: LocalZone;
  let callback: TestServer & { redirectUri: string };

  beforeAll(async () => {
    zone = await LocalZone.start({ user: { sub: 'alice', claims: { name: 'Alice' } } });
    callback = await startCallbackServer();
  });

  afterAll(async () => {
    await callback.close();
    await zone.stop();
  });

  describe('authorization code + PKCE with the automatic development login', () => {
    it('completes for a headless client using fetch with redirect following', async () => {
      const { verifier, challenge } = pkce();
      const response = await fetch(
        authorizeUrl(zone, {
          client_id: DEMO_PUBLIC_CLIENT_ID,
          response_type: 'code',
          redirect_uri: callback.redirectUri,
          code_challenge: challenge,
          code_challenge_method: 'S256',
          scope: 'mcp:tools offline_access',
          resource: MCP_RESOURCE,
          state: 'xyz',
        }),
      );
      expect(response.status).toBe(200);
      const query = (await response.json()) as Record<string, string>;
      expect(query.state).toBe('xyz');
      expect(query.iss).toBe(zone.zoneUrl);
      expect(query.code).toEqual(expect.any(String));

      const token = await postForm(zone.tokenEndpoint, {
        grant_type: 'authorization_code',
        code: query.code,
        redirect_uri: callback.redirectUri,
        code_verifier: verifier,
        client_id: DEMO_PUBLIC_CLIENT_ID,
      });
      expect(token.status).toBe(200);
      // The response's scope is the access token's (resource) scope; offline_access only drove the refresh token.
      expect(token.json).toMatchObject({ token_type: 'Bearer', scope: 'mcp:tools' });
      expect(token.json?.refresh_token).toEqual(expect.any(String));

      const { payload, protectedHeader } = await verifyWithZone(zone, token.json?.access_token as string, {
        audience: MCP_RESOURCE,
      });
      expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: zone.currentKid });
      expect(payload).toMatchObject({
        iss: zone.zoneUrl,
        sub: 'alice',
        aud: MCP_RESOURCE,
        scope: 'mcp:tools',
        client_id: DEMO_PUBLIC_CLIENT_ID,
      });
      expect(payload.exp).toBeGreaterThan(payload.iat as number);
    });

    it('signs in the login_hint subject when one is sent, and issues an ID token for openid', async () => {
      const { verifier, challenge } = pkce();
      const redirect = await followToRedirect(
        authorizeUrl(zone, {
          client_id: DEMO_CLIENT_ID,
          response_type: 'code',
          redirect_uri: 'http://127.0.0.1:4567/callback',
          code_challenge: challenge,
          code_challenge_method: 'S256',
          scope: 'openid profile',
          login_hint: 'bob',
        }),
        'http://127.0.0.1:4567/callback',
      );
      const token = await postForm(
        zone.tokenEndpoint,
        {
          grant_type: 'authorization_code',
          code: redirect.searchParams.get('code') ?? '',
          redirect_uri: 'http://127.0.0.1:4567/callback',
          code_verifier: verifier,
        },
        basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
      );
      expect(token.status).toBe(200);
      expect(payloadOf(token.json?.id_token as string)).toMatchObject({ sub: 'bob', aud: DEMO_CLIENT_ID });
      // Without a resource the access token is for the zone itself (still a JWT).
      const { payload } = await verifyWithZone(zone, token.json?.access_token as string, { audience: zone.zoneUrl });
      expect(payload.sub).toBe('bob');
    });

    it('refuses a code exchanged with the wrong PKCE verifier', async () => {
      const { challenge } = pkce();
      const redirect = await followToRedirect(
        authorizeUrl(zone, {
          client_id: DEMO_PUBLIC_CLIENT_ID,
          response_type: 'code',
          redirect_uri: callback.redirectUri,
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }),
        callback.redirectUri,
      );
      const token = await postForm(zone.tokenEndpoint, {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code') ?? '',
        redirect_uri: callback.redirectUri,
        code_verifier: pkce().verifier,
        client_id: DEMO_PUBLIC_CLIENT_ID,
      });
      expect(token.status).toBe(400);
      expect(token.json?.error).toBe('invalid_grant');
    });

    it('requires PKCE', async () => {
      const redirect = await followToRedirect(
        authorizeUrl(zone, { client_id: DEMO_PUBLIC_CLIENT_ID, response_type: 'code', redirect_uri: callback.redirectUri }),
        callback.redirectUri,
      );
      expect(redirect.searchParams.get('error')).toBe('invalid_request');
      expect(redirect.searchParams.get('code')).toBeNull();
    });
  });

  describe('dynamic client registration (open, as MCP clients use it)', () => {
    it('registers a public client that then completes the flow and refreshes its token', async () => {
      const registration = await postJson(zone.registrationEndpoint, {
        client_name: 'test MCP client',
        redirect_uris: [callback.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        scope: 'files:read files:write',
      });
      expect(registration.status).toBe(201);
      const clientId = registration.json?.client_id as string;
      expect(clientId).toEqual(expect.any(String));
      expect(registration.json).not.toHaveProperty('client_secret');
      expect(registration.json?.scope).toBe('files:read files:write');

      const { verifier, challenge } = pkce();
      const response = await fetch(
        authorizeUrl(zone, {
          client_id: clientId,
          response_type: 'code',
          redirect_uri: callback.redirectUri,
          code_challenge: challenge,
          code_challenge_method: 'S256',
          scope: 'files:read',
          resource: MCP_RESOURCE,
        }),
      );
      const { code } = (await response.json()) as Record<string, string>;
      const first = await postForm(zone.tokenEndpoint, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: callback.redirectUri,
        code_verifier: verifier,
        client_id: clientId,
      });
      expect(first.status).toBe(200);
      expect(payloadOf(first.json?.access_token as string)).toMatchObject({ aud: MCP_RESOURCE, scope: 'files:read' });

      const refreshed = await postForm(zone.tokenEndpoint, {
        grant_type: 'refresh_token',
        refresh_token: first.json?.refresh_token as string,
        client_id: clientId,
      });
      expect(refreshed.status).toBe(200);
      const { payload } = await verifyWithZone(zone, refreshed.json?.access_token as string, { audience: MCP_RESOURCE });
      expect(payload).toMatchObject({ sub: 'alice', scope: 'files:read', client_id: clientId });
      expect(refreshed.json?.access_token).not.toBe(first.json?.access_token);
    });

    it("uses the client's registered scope when the authorization request names none", async () => {
      const client = await zone.registerClient({
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1/cb'],
        scope: 'notes:read',
      });
      const { verifier, challenge } = pkce();
      const redirect = await followToRedirect(
        authorizeUrl(zone, {
          client_id: client.client_id,
          response_type: 'code',
          redirect_uri: 'http://127.0.0.1:7777/cb',
          code_challenge: challenge,
          code_challenge_method: 'S256',
          resource: MCP_RESOURCE,
        }),
        'http://127.0.0.1:7777/cb',
      );
      const token = await postForm(zone.tokenEndpoint, {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code') ?? '',
        redirect_uri: 'http://127.0.0.1:7777/cb',
        code_verifier: verifier,
        client_id: client.client_id,
      });
      expect(token.status).toBe(200);
      expect(payloadOf(token.json?.access_token as string)).toMatchObject({ aud: MCP_RESOURCE, scope: 'notes:read' });
    });

    it('answers invalid metadata with a 400 RFC 7591 error', async () => {
      const registration = await postJson(zone.registrationEndpoint, { redirect_uris: ['not a url'] });
      expect(registration.status).toBe(400);
      expect(registration.json?.error).toBe('invalid_redirect_uri');
    });
  });

  describe('client credentials', () => {
    it('issues a JWT whose aud is the requested resource', async () => {
      const token = await postForm(
        zone.tokenEndpoint,
        { grant_type: 'client_credentials', resource: 'https://api.example.com', scope: 'read' },
        basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
      );
      expect(token.status).toBe(200);
      expect(token.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read' });
      const { payload } = await verifyWithZone(zone, token.json?.access_token as string, {
        audience: 'https://api.example.com',
      });
      expect(payload).toMatchObject({ sub: DEMO_CLIENT_ID, client_id: DEMO_CLIENT_ID, scope: 'read' });
    });

    it('refuses a public client', async () => {
      const token = await postForm(zone.tokenEndpoint, {
        grant_type: 'client_credentials',
        client_id: DEMO_PUBLIC_CLIENT_ID,
      });
      expect(token.status).toBe(400);
      expect(token.json?.error).toBe('invalid_request');
    });
  });

  describe('refresh token', () => {
    it('refuses an unknown refresh token with invalid_grant', async () => {
      const token = await postForm(zone.tokenEndpoint, {
        grant_type: 'refresh_token',
        refresh_token: 'not-a-refresh-token',
        client_id: DEMO_PUBLIC_CLIENT_ID,
      });
      expect(token.status).toBe(400);
      expect(token.json?.error).toBe('invalid_grant');
    });
  });

  it('handled every request without an internal error', () => {
    expect(zone.serverErrors).toEqual([]);
  });
});

describe('LocalZone keycard token style', () => {
  let zone: LocalZone;

  beforeAll(async () => {
    zone = await LocalZone.start({ tokenStyle: 'keycard', accessTokenTtlSeconds: 120 });
  });

  afterAll(async () => {
    await zone.stop();
  });

  it('issues login tokens with aud = the zone URL and a resource claim', async () => {
    const { verifier, challenge } = pkce();
    const redirect = await followToRedirect(
      authorizeUrl(zone, {
        client_id: DEMO_PUBLIC_CLIENT_ID,
        response_type: 'code',
        redirect_uri: 'http://localhost:9000/callback',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        resource: MCP_RESOURCE,
        scope: 'mcp:tools',
      }),
      'http://localhost:9000/callback',
    );
    const token = await postForm(zone.tokenEndpoint, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code') ?? '',
      redirect_uri: 'http://localhost:9000/callback',
      code_verifier: verifier,
      client_id: DEMO_PUBLIC_CLIENT_ID,
    });
    expect(token.status).toBe(200);
    expect(token.json?.expires_in).toBe(120);
    const { payload } = await verifyWithZone(zone, token.json?.access_token as string, { audience: zone.zoneUrl });
    expect(payload).toMatchObject({ aud: zone.zoneUrl, resource: MCP_RESOURCE, sub: 'local-user', scope: 'mcp:tools' });
  });

  it('shapes client-credentials tokens the same way', async () => {
    const token = await postForm(
      zone.tokenEndpoint,
      { grant_type: 'client_credentials', resource: 'https://api.example.com' },
      basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
    );
    expect(payloadOf(token.json?.access_token as string)).toMatchObject({
      aud: zone.zoneUrl,
      resource: 'https://api.example.com',
    });
  });
});
