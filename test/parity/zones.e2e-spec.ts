import { ClientSecret, KeycardConfigurationError, type ProtectedResourceMetadata } from 'nestjs-keycard';
import { LocalZone } from 'nestjs-keycard/local-zone';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AdapterKind } from '../grant-e2e/fixtures/grant-fixture.module.js';
import { API, MCP_BASE_URL } from '../grant-e2e/fixtures/resources.js';
import { startParityApp, type ParityApp } from './fixtures/parity-app.js';
import { ZonedRoutes } from './fixtures/zoned-routes.controller.js';

const ALPHA_RESOURCE = `${MCP_BASE_URL}/alpha/mcp`;
const BETA_RESOURCE = `${MCP_BASE_URL}/beta/mcp`;

interface Zones {
  alpha: LocalZone;
  beta: LocalZone;
}

/** Two LocalZones, each with its own confidential client for the app. */
async function startZones(): Promise<Zones> {
  const alpha = await LocalZone.start();
  const beta = await LocalZone.start();
  await alpha.registerClient({ client_id: 'alpha-app', client_secret: 'alpha-secret' });
  await beta.registerClient({ client_id: 'beta-app', client_secret: 'beta-secret' });
  return { alpha, beta };
}

/** A ClientSecret map keyed by issuer URL (one with a trailing slash: it is normalised). */
function credentialFor(zones: Zones, only?: 'alpha'): ClientSecret {
  return new ClientSecret({
    [`${zones.alpha.issuer}/`]: { clientId: 'alpha-app', clientSecret: 'alpha-secret' },
    ...(only ? {} : { [zones.beta.issuer]: { clientId: 'beta-app', clientSecret: 'beta-secret' } }),
  });
}

describe.each<AdapterKind>(['express', 'fastify'])('zones mode: /{zoneId}/mcp (%s)', (adapter) => {
  let zones: Zones;
  let app: ParityApp;

  const mint = (zone: 'alpha' | 'beta', resource: string, sub = `${zone}-user`) => zones[zone].mintAccessToken({ sub, resource });

  beforeAll(async () => {
    zones = await startZones();
    app = await startParityApp({
      keycard: {
        zones: { ids: ['alpha', 'beta'], zoneUrls: { alpha: zones.alpha.zoneUrl, beta: zones.beta.zoneUrl } },
        applicationCredential: credentialFor(zones),
      },
      controllers: [ZonedRoutes],
      adapter,
    });
  });

  beforeEach(() => {
    zones.alpha.clearRecords();
    zones.beta.clearRecords();
  });

  afterAll(async () => {
    await app?.close();
    await zones?.alpha.stop();
    await zones?.beta.stop();
  });

  it('each zone’s protected-resource metadata names that zone', async () => {
    const alpha = await app.get<ProtectedResourceMetadata>('/.well-known/oauth-protected-resource/alpha/mcp');
    const beta = await app.get<ProtectedResourceMetadata>('/.well-known/oauth-protected-resource/beta/mcp');

    expect(alpha.body).toMatchObject({ resource: ALPHA_RESOURCE, authorization_servers: [zones.alpha.zoneUrl] });
    expect(beta.body).toMatchObject({ resource: BETA_RESOURCE, authorization_servers: [zones.beta.zoneUrl] });
    const mirrored = await app.get<{ issuer: string }>('/.well-known/oauth-authorization-server/beta/mcp');
    expect(mirrored.body.issuer).toBe(zones.beta.issuer);
  });

  it('admits a zone’s token on its own path', async () => {
    const alpha = await app.get<{ sub: string; iss: string }>('/alpha/mcp', await mint('alpha', ALPHA_RESOURCE));
    const beta = await app.get<{ sub: string; iss: string }>('/beta/mcp', await mint('beta', BETA_RESOURCE));

    expect(alpha).toMatchObject({ status: 200, body: { sub: 'alpha-user', iss: zones.alpha.issuer } });
    expect(beta).toMatchObject({ status: 200, body: { sub: 'beta-user', iss: zones.beta.issuer } });
  });

  it('refuses zone A’s token on zone B’s path (401, challenge naming zone B’s metadata), even one minted for B’s resource', async () => {
    for (const token of [await mint('alpha', ALPHA_RESOURCE), await mint('alpha', BETA_RESOURCE)]) {
      const response = await fetch(`${app.url}/beta/mcp`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain(
        `resource_metadata="${MCP_BASE_URL}/.well-known/oauth-protected-resource/beta/mcp"`,
      );
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    // A zone's own token for the other zone's resource is refused too (audience is per endpoint).
    expect((await app.get('/alpha/mcp', await mint('alpha', BETA_RESOURCE))).status).toBe(401);
  });

  it('answers an unknown zone with 404 JSON, never 500', async () => {
    const response = await app.get<{ error: string }>('/gamma/mcp', await mint('alpha', ALPHA_RESOURCE));
    expect(response.status).toBe(404);
    expect(response.body.error).toBe('unknown_zone');
  });

  it('exchanges at the zone of the path, with that zone’s client', async () => {
    const alpha = await app.get('/alpha/mcp/grant', await mint('alpha', ALPHA_RESOURCE));
    const beta = await app.get('/beta/mcp/grant', await mint('beta', BETA_RESOURCE));

    expect(alpha.body.resources[API]?.token).toMatchObject({ aud: API, sub: 'alpha-user', clientId: 'alpha-app' });
    expect(beta.body.resources[API]?.token).toMatchObject({ aud: API, sub: 'beta-user', clientId: 'beta-app' });
    expect(zones.alpha.exchangeRequests.map((r) => r.clientId)).toEqual(['alpha-app']);
    expect(zones.beta.exchangeRequests.map((r) => r.clientId)).toEqual(['beta-app']);
  });

  it('withGrant picks the zone from the verified claims too', async () => {
    const { body } = await app.get('/beta/mcp/sdk', await mint('beta', BETA_RESOURCE, 'sdk-user'));

    expect(body.resources[API]?.token).toMatchObject({ sub: 'sdk-user', clientId: 'beta-app' });
    expect(zones.beta.exchangeRequests).toHaveLength(1);
    expect(zones.alpha.exchangeRequests).toHaveLength(0);
  });
});

describe('zones mode fails closed on credentials', () => {
  let zones: Zones;

  beforeAll(async () => {
    zones = await startZones();
  });

  afterAll(async () => {
    await zones?.alpha.stop();
    await zones?.beta.stop();
  });

  const zoneUrls = () => ({ alpha: zones.alpha.zoneUrl, beta: zones.beta.zoneUrl });

  beforeEach(() => {
    zones.alpha.clearRecords();
    zones.beta.clearRecords();
  });

  it('a zone missing from the ClientSecret map: the exchange is refused (credential_error), nothing reaches that zone', async () => {
    const app = await startParityApp({
      keycard: { zones: { ids: ['alpha', 'beta'], zoneUrls: zoneUrls() }, applicationCredential: credentialFor(zones, 'alpha') },
      controllers: [ZonedRoutes],
    });
    try {
      const beta = await app.get('/beta/mcp/grant', await zones.beta.mintAccessToken({ sub: 'b', resource: BETA_RESOURCE }));
      expect(beta.status).toBe(200);
      expect(beta.body.resources[API]?.resourceError).toMatchObject({ code: 'credential_error', retryable: false });
      expect(zones.beta.exchangeRequests).toHaveLength(0);

      const alpha = await app.get('/alpha/mcp/grant', await zones.alpha.mintAccessToken({ sub: 'a', resource: ALPHA_RESOURCE }));
      expect(alpha.body.status).toBe('success');
    } finally {
      await app.close();
    }
  });

  it('no application credential at all: every exchange is refused, never sent unauthenticated', async () => {
    const app = await startParityApp({ keycard: { zones: { ids: ['alpha', 'beta'], zoneUrls: zoneUrls() } }, controllers: [ZonedRoutes] });
    try {
      const { body } = await app.get('/alpha/mcp/grant', await zones.alpha.mintAccessToken({ sub: 'a', resource: ALPHA_RESOURCE }));
      expect(body.error).toMatchObject({ code: 'credential_error', retryable: false });
      expect(zones.alpha.exchangeRequests).toHaveLength(0);
    } finally {
      await app.close();
    }
  });
});

describe('zones mode configuration', () => {
  it('derives each zone URL from the base URL: {scheme}://{zoneId}.{host}{:port}', async () => {
    const app = await startParityApp({
      keycard: { zones: { ids: ['dev123', 'prod'] }, baseUrl: 'https://staging.example.com:8443/ignored/path' },
      controllers: [],
    });
    try {
      const dev = await app.get<ProtectedResourceMetadata>('/.well-known/oauth-protected-resource/dev123/mcp');
      const prod = await app.get<ProtectedResourceMetadata>('/.well-known/oauth-protected-resource/prod/mcp');
      expect(dev.body.authorization_servers).toEqual(['https://dev123.staging.example.com:8443']);
      expect(prod.body.authorization_servers).toEqual(['https://prod.staging.example.com:8443']);
      expect(prod.body.resource).toBe(`${MCP_BASE_URL}/prod/mcp`);
    } finally {
      await app.close();
    }
  });

  it.each([
    ['no zone id', { ids: [] }],
    ['a zone id that is not a DNS label', { ids: ['a.b'] }],
    ['a zone URL for an unlisted zone', { ids: ['a'], zoneUrls: { b: 'https://b.example.com' } }],
  ])('fails the boot on %s', async (_name, zones) => {
    const error = await startParityApp({ keycard: { zones }, controllers: [] }).then(
      async (app) => {
        await app.close();
        return undefined;
      },
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(KeycardConfigurationError);
  });
});
