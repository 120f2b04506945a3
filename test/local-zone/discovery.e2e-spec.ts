import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LocalZone } from '../../src/local-zone/index.js';
import { getJson, TOKEN_EXCHANGE } from './local-zone-test.helpers.js';

describe('LocalZone discovery', () => {
  let zone: LocalZone;

  beforeAll(async () => {
    zone = await LocalZone.start();
  });

  afterAll(async () => {
    await zone.stop();
  });

  it('listens on 127.0.0.1 and reports its URLs without a trailing slash', () => {
    expect(zone.zoneUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(zone.issuer).toBe(zone.zoneUrl);
    expect(zone.port).toBeGreaterThan(0);
    expect(zone.zoneUrl.endsWith(`:${zone.port}`)).toBe(true);
    expect(zone.tokenEndpoint).toBe(`${zone.zoneUrl}/token`);
    expect(zone.jwksUri).toBe(`${zone.zoneUrl}/jwks`);
  });

  it.each(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])(
    'serves %s with the metadata MCP clients and the library need',
    async (path) => {
      const { status, json } = await getJson(`${zone.zoneUrl}${path}`);
      expect(status).toBe(200);
      expect(json).toMatchObject({
        issuer: zone.zoneUrl,
        jwks_uri: zone.jwksUri,
        token_endpoint: zone.tokenEndpoint,
        authorization_endpoint: `${zone.zoneUrl}/auth`,
        registration_endpoint: `${zone.zoneUrl}/reg`,
        code_challenge_methods_supported: ['S256'],
      });
      expect(json?.grant_types_supported).toEqual(
        expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials', TOKEN_EXCHANGE]),
      );
      expect(json?.token_endpoint_auth_methods_supported).toEqual(
        expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']),
      );
    },
  );

  it('publishes its current RS256 signing key in the JWKS, without private members', async () => {
    const { status, json } = await getJson(zone.jwksUri);
    expect(status).toBe(200);
    const keys = json?.keys as Record<string, unknown>[];
    expect(keys.map((k) => k.kid)).toEqual([zone.currentKid]);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');
    expect(zone.jwks.keys[0]).not.toHaveProperty('d');
  });

  it('counts discovery and JWKS requests', async () => {
    zone.clearRecords();
    await getJson(`${zone.zoneUrl}/.well-known/oauth-authorization-server`);
    await getJson(zone.jwksUri);
    await getJson(zone.jwksUri);
    expect(zone.requestCounts).toMatchObject({ discovery: 1, jwks: 2, token: 0 });
  });
});
