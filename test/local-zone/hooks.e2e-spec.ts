import { createSecretKey } from 'node:crypto';

import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_PUBLIC_CLIENT_ID,
  LocalZone,
  LocalZoneError,
} from '../../src/local-zone/index.js';
import {
  ACCESS_TOKEN_TYPE,
  basic,
  getJson,
  headerOf,
  payloadOf,
  postForm,
  TOKEN_EXCHANGE,
  verifyWithZone,
} from './local-zone-test.helpers.js';

const MCP = 'http://127.0.0.1:8000/mcp';
const API = 'https://api.example.com';

describe('LocalZone test hooks', () => {
  let zone: LocalZone;
  const demo = basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);

  const exchange = (subject: string, extra: Record<string, string | string[]> = {}) =>
    postForm(
      zone.tokenEndpoint,
      { grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE, resource: API, ...extra },
      demo,
    );

  beforeAll(async () => {
    zone = await LocalZone.start({ user: { sub: 'hook-user' }, accessTokenTtlSeconds: 900 });
  });

  afterAll(async () => {
    await zone.stop();
  });

  beforeEach(() => zone.clearRecords());

  describe('mintAccessToken', () => {
    it('mints a zone-signed login token with sensible defaults', async () => {
      const token = await zone.mintAccessToken();
      const { payload, protectedHeader } = await verifyWithZone(zone, token, { audience: zone.zoneUrl });
      expect(protectedHeader).toEqual({ alg: 'RS256', kid: zone.currentKid, typ: 'at+jwt' });
      expect(payload).toMatchObject({ iss: zone.zoneUrl, sub: 'hook-user', aud: zone.zoneUrl, client_id: DEMO_PUBLIC_CLIENT_ID });
      expect((payload.exp as number) - (payload.iat as number)).toBe(900);
      expect(payload.jti).toEqual(expect.any(String));
      expect(payload).not.toHaveProperty('scope');
    });

    it('targets a resource: aud = resource, or Keycard style aud = zone + resource claim', async () => {
      const plain = payloadOf(await zone.mintAccessToken({ resource: MCP, scope: ['a', 'b'], sub: 's1', clientId: 'c1' }));
      expect(plain).toMatchObject({ aud: MCP, scope: 'a b', sub: 's1', client_id: 'c1' });
      expect(plain).not.toHaveProperty('resource');
      const keycard = payloadOf(await zone.mintAccessToken({ resource: MCP, tokenStyle: 'keycard' }));
      expect(keycard).toMatchObject({ aud: zone.zoneUrl, resource: MCP });
      expect(payloadOf(await zone.mintAccessToken({ aud: ['x', 'y'] })).aud).toEqual(['x', 'y']);
    });

    it('bends for negative tests: iss, missing exp, nbf, iat, custom kid, extra claims', async () => {
      const token = await zone.mintAccessToken({
        issuer: 'https://evil.example.com',
        notBefore: 2_000_000_000,
        issuedAt: 1_000,
        claims: { exp: undefined, extra: { nested: true } },
        header: { kid: 'unknown-kid', typ: undefined },
      });
      const payload = payloadOf(token);
      expect(payload).toMatchObject({ iss: 'https://evil.example.com', nbf: 2_000_000_000, iat: 1_000, extra: { nested: true } });
      expect(payload).not.toHaveProperty('exp');
      expect(headerOf(token)).toEqual({ alg: 'RS256', kid: 'unknown-kid' });
      await expect(verifyWithZone(zone, token)).rejects.toThrow();
    });

    it('signs with a foreign key or an HMAC secret when asked', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const foreign = await zone.mintAccessToken({ signingKey: { key: privateKey, alg: 'RS256', kid: zone.currentKid } });
      await expect(verifyWithZone(zone, foreign)).rejects.toThrow(/signature/);
      const hmac = await zone.mintAccessToken({ signingKey: { key: createSecretKey(Buffer.alloc(32, 7)), alg: 'HS256' } });
      expect(headerOf(hmac)).toMatchObject({ alg: 'HS256' });
      expect(headerOf(hmac)).not.toHaveProperty('kid');
    });
  });

  describe('exchangeRequests', () => {
    it('records every exchange request with its form, client authentication and time', async () => {
      const subject = await zone.mintAccessToken({ resource: MCP });
      const before = Date.now();
      await exchange(subject, { resource: [API, 'https://two.example.com'], scope: 'read', audience: 'aud-1' });
      await exchange('garbage');
      await postForm(zone.tokenEndpoint, { grant_type: 'client_credentials' }, demo);

      expect(zone.exchangeCount).toBe(2);
      const [first, second] = zone.exchangeRequests;
      expect(first).toMatchObject({
        grantType: TOKEN_EXCHANGE,
        subjectToken: subject,
        subjectTokenType: ACCESS_TOKEN_TYPE,
        resources: [API, 'https://two.example.com'],
        scope: 'read',
        audiences: ['aud-1'],
        clientAuthMethod: 'client_secret_basic',
        clientId: DEMO_CLIENT_ID,
        authorizationHeader: demo.authorization,
        status: 200,
        form: { grant_type: TOKEN_EXCHANGE, resource: [API, 'https://two.example.com'], subject_token: subject },
      });
      expect(first?.headers['content-type']).toMatch(/x-www-form-urlencoded/);
      expect(first?.receivedAt).toBeGreaterThanOrEqual(before - 1);
      expect(second).toMatchObject({ subjectToken: 'garbage', status: 400, error: 'invalid_grant' });
      expect(second?.receivedAt).toBeGreaterThanOrEqual(first?.receivedAt ?? Infinity);
      expect(zone.requestCounts.token).toBe(3);
    });

    it('clearRecords() empties the list and the counters', async () => {
      await exchange(await zone.mintAccessToken({ resource: MCP }));
      expect(zone.exchangeCount).toBe(1);
      zone.clearRecords();
      expect(zone.exchangeRequests).toEqual([]);
      expect(zone.exchangeCount).toBe(0);
      expect(zone.requestCounts.token).toBe(0);
    });
  });

  it('keeps only the latest maxExchangeRecords records but counts every exchange', async () => {
    const small = await LocalZone.start({ maxExchangeRecords: 2 });
    try {
      for (const marker of ['one', 'two', 'three']) {
        await postForm(small.tokenEndpoint, { grant_type: TOKEN_EXCHANGE, subject_token: marker }, demo);
      }
      expect(small.exchangeCount).toBe(3);
      expect(small.exchangeRequests.map((r) => r.subjectToken)).toEqual(['two', 'three']);
    } finally {
      await small.stop();
    }
  });

  describe('registerClient', () => {
    it('returns generated credentials that work', async () => {
      const client = await zone.registerClient();
      expect(client.client_id).toMatch(/^client-/);
      expect(client.client_secret).toEqual(expect.any(String));
      const res = await postForm(zone.tokenEndpoint, { grant_type: 'client_credentials', resource: API }, basic(client.client_id, client.client_secret ?? ''));
      expect(res.status).toBe(200);
    });

    it('rejects invalid metadata with a LocalZoneError', async () => {
      await expect(zone.registerClient({ redirect_uris: ['not a url'] })).rejects.toBeInstanceOf(LocalZoneError);
      await expect(zone.registerClient({ token_endpoint_auth_method: 'private_key_jwt' })).rejects.toThrow(/jwks/);
    });
  });

  describe('rotateKeys', () => {
    it('keeps the old key published with keepOld: true, then drops it with keepOld: false', async () => {
      const oldKid = zone.currentKid;
      const oldToken = await zone.mintAccessToken({ resource: MCP });

      const newKid = await zone.rotateKeys({ keepOld: true });
      expect(newKid).not.toBe(oldKid);
      expect(zone.currentKid).toBe(newKid);
      const kids = ((await getJson(zone.jwksUri)).json?.keys as { kid: string }[]).map((k) => k.kid);
      expect(kids).toEqual([newKid, oldKid]);
      await verifyWithZone(zone, oldToken);
      expect((await exchange(oldToken)).status).toBe(200);

      // Tokens the zone issues now carry the new kid: minted, exchanged and client-credentials ones.
      expect(headerOf(await zone.mintAccessToken()).kid).toBe(newKid);
      const exchanged = await exchange(await zone.mintAccessToken({ resource: MCP }));
      expect(headerOf(exchanged.json?.access_token as string).kid).toBe(newKid);
      const cc = await postForm(zone.tokenEndpoint, { grant_type: 'client_credentials', resource: API }, demo);
      expect(headerOf(cc.json?.access_token as string).kid).toBe(newKid);

      const newest = await zone.rotateKeys({ keepOld: false });
      const after = ((await getJson(zone.jwksUri)).json?.keys as { kid: string }[]).map((k) => k.kid);
      expect(after).toEqual([newest]);
      const refused = await exchange(oldToken);
      expect(refused.status).toBe(400);
      expect(refused.json?.error).toBe('invalid_grant');
      expect(zone.serverErrors).toEqual([]);
    });
  });
});
