import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LocalZone } from '../../src/local-zone/index.js';
import { getJson, payloadOf, pkce, postForm, postJson, startServer, type TestServer } from './local-zone-test.helpers.js';

const MCP_RESOURCE = 'http://127.0.0.1:8931/mcp';
const REDIRECT_URI = 'http://127.0.0.1:7781/callback';

function authorizeUrl(zone: LocalZone, params: Record<string, string>): string {
  const url = new URL(zone.authorizationEndpoint);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

/** Follows the automatic login's redirects (no cookies kept) until the client's redirect URI; returns its query. */
async function followToRedirect(start: string): Promise<URLSearchParams> {
  let next = start;
  for (let hop = 0; hop < 10; hop += 1) {
    const response = await fetch(next, { redirect: 'manual' });
    const location = response.headers.get('location');
    const body = await response.text();
    if (!location) throw new Error(`no redirect at hop ${hop} (HTTP ${response.status}: ${body})`);
    const url = new URL(location, next);
    if (url.href.startsWith(REDIRECT_URI)) return url.searchParams;
    next = url.href;
  }
  throw new Error('too many redirects');
}

/** Code + PKCE for `clientId` asking for `scope`; returns the token response. */
async function login(zone: LocalZone, clientId: string, scope: string): Promise<Record<string, unknown>> {
  const { verifier, challenge } = pkce();
  const query = await followToRedirect(
    authorizeUrl(zone, {
      client_id: clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope,
      resource: MCP_RESOURCE,
    }),
  );
  const code = query.get('code');
  if (!code) throw new Error(`no code: ${query.toString()}`);
  const token = await postForm(zone.tokenEndpoint, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    client_id: clientId,
  });
  expect(token.status, token.text).toBe(200);
  return token.json ?? {};
}

const publicClient = (scope?: string) => ({
  client_name: 'an MCP client',
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none' as const,
  ...(scope === undefined ? {} : { scope }),
});

describe('LocalZone toward MCP clients', () => {
  let zone: LocalZone;

  beforeAll(async () => {
    zone = await LocalZone.start();
  });

  afterAll(async () => {
    await zone.stop();
  });

  it('registration with an empty scope means none (the MCP Inspector sends "scope": "")', async () => {
    const registration = await postJson(zone.registrationEndpoint, publicClient(''));
    expect(registration.status, registration.text).toBe(201);
    const token = await login(zone, registration.json?.client_id as string, 'mcp:tools');
    expect(payloadOf(token.access_token as string)).toMatchObject({ aud: MCP_RESOURCE, scope: 'mcp:tools' });
  });

  it('grants a scope asked for at authorization beyond the registered one (step-up), never drops it', async () => {
    // mcp-remote registers with the scope of its first challenge, then steps up.
    const registration = await postJson(zone.registrationEndpoint, publicClient('openid offline_access profile email'));
    expect(registration.status).toBe(201);
    const clientId = registration.json?.client_id as string;
    const token = await login(zone, clientId, 'demo:admin');
    expect(token.scope).toBe('demo:admin');
    expect(payloadOf(token.access_token as string)).toMatchObject({ scope: 'demo:admin' });
  });

  it('a zone with a closed scope list refuses an unknown scope with invalid_scope', async () => {
    const closed = await LocalZone.start({ scopes: ['mcp:tools'] });
    try {
      const client = await closed.registerClient({ ...publicClient(), application_type: 'native' });
      const response = await fetch(
        authorizeUrl(closed, {
          client_id: client.client_id,
          response_type: 'code',
          redirect_uri: REDIRECT_URI,
          code_challenge: pkce().challenge,
          code_challenge_method: 'S256',
          scope: 'mcp:tools demo:admin',
        }),
        { redirect: 'manual' },
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_scope', error_description: expect.stringContaining('demo:admin') });
    } finally {
      await closed.stop();
    }
  });

  it('answers CORS preflights on registration and lets any origin read the answer', async () => {
    const preflight = await fetch(zone.registrationEndpoint, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');

    const registration = await fetch(zone.registrationEndpoint, {
      method: 'POST',
      headers: { origin: 'http://localhost:6274', 'content-type': 'application/json' },
      body: JSON.stringify(publicClient()),
    });
    expect(registration.status).toBe(201);
    expect(registration.headers.get('access-control-allow-origin')).toBe('*');

    for (const url of [zone.metadataUrl, zone.jwksUri]) {
      const discovery = await fetch(url, { headers: { origin: 'http://localhost:6274' } });
      expect(['*', 'http://localhost:6274'], url).toContain(discovery.headers.get('access-control-allow-origin'));
    }
  });

  describe('Client ID Metadata Documents', () => {
    let documents: TestServer;
    let served: Record<string, unknown> = {};

    beforeAll(async () => {
      documents = await startServer((req, res) => {
        const document = served[req.url ?? ''];
        res.statusCode = document ? 200 : 404;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(document ?? { error: 'not found' }));
      });
    });

    afterAll(async () => {
      await documents.close();
    });

    it('advertises client_id_metadata_document_supported', async () => {
      expect((await getJson(zone.metadataUrl)).json).toMatchObject({ client_id_metadata_document_supported: true });
    });

    it('a client named by the URL of its metadata logs in with code + PKCE, without registering', async () => {
      const clientId = `${documents.url}/clients/inspector.json`;
      served = { '/clients/inspector.json': { client_id: clientId, client_name: 'CIMD client', redirect_uris: [REDIRECT_URI] } };
      const token = await login(zone, clientId, 'mcp:tools');
      expect(payloadOf(token.access_token as string)).toMatchObject({ client_id: clientId, scope: 'mcp:tools', aud: MCP_RESOURCE });
    });

    it('refuses a document whose client_id is not its own URL, that is missing, or too large', async () => {
      const clientId = `${documents.url}/clients/liar.json`;
      const huge = `${documents.url}/clients/huge.json`;
      served = {
        '/clients/liar.json': { client_id: 'https://elsewhere.example/client.json', redirect_uris: [REDIRECT_URI] },
        '/clients/huge.json': { client_id: huge, redirect_uris: [REDIRECT_URI], padding: 'x'.repeat(100_000) },
      };
      for (const id of [clientId, `${documents.url}/clients/missing.json`, huge]) {
        const response = await fetch(
          authorizeUrl(zone, { client_id: id, response_type: 'code', redirect_uri: REDIRECT_URI, code_challenge: pkce().challenge, code_challenge_method: 'S256' }),
          { redirect: 'manual' },
        );
        expect(response.status, id).toBe(400);
        expect(await response.json()).toMatchObject({ error: 'invalid_client' });
      }
    });
  });
});
