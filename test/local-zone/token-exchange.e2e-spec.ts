import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone } from '../../src/local-zone/index.js';
import {
  ACCESS_TOKEN_TYPE,
  basic,
  postForm,
  TOKEN_EXCHANGE,
  verifyWithZone,
} from './local-zone-test.helpers.js';

const MCP = 'http://127.0.0.1:8000/mcp';
const API = 'https://api.example.com';

describe('LocalZone RFC 8693 token exchange', () => {
  let zone: LocalZone;
  const demo = basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);

  const exchange = (fields: Record<string, string | string[] | undefined>, headers = demo) =>
    postForm(zone.tokenEndpoint, { grant_type: TOKEN_EXCHANGE, subject_token_type: ACCESS_TOKEN_TYPE, ...fields }, headers);

  beforeAll(async () => {
    zone = await LocalZone.start({ user: { sub: 'user-42' } });
  });

  afterAll(async () => {
    await zone.stop();
  });

  beforeEach(() => zone.clearRecords());

  it('exchanges a zone-signed subject token for a JWT whose aud is the resource', async () => {
    const subject = await zone.mintAccessToken({ resource: MCP, scope: 'mcp:tools' });
    const res = await exchange({ subject_token: subject, resource: API, scope: 'read write' });

    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'read write',
    });
    const { payload, protectedHeader } = await verifyWithZone(zone, res.json?.access_token as string, { audience: API });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: zone.currentKid });
    expect(payload).toMatchObject({ iss: zone.zoneUrl, sub: 'user-42', aud: API, scope: 'read write', client_id: DEMO_CLIENT_ID });
    expect(payload.exp).toBe((payload.iat as number) + 3600);
  });

  it('omits scope when none is requested, and accepts client_secret_post', async () => {
    const subject = await zone.mintAccessToken({ resource: MCP });
    const res = await exchange(
      { subject_token: subject, resource: API, client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET },
      {},
    );
    expect(res.status).toBe(200);
    expect(res.json).not.toHaveProperty('scope');
    const { payload } = await verifyWithZone(zone, res.json?.access_token as string, { audience: API });
    expect(payload).not.toHaveProperty('scope');
    expect(zone.exchangeRequests[0]?.clientAuthMethod).toBe('client_secret_post');
  });

  it('accepts a keycard-style subject token (aud = zone, resource claim)', async () => {
    const subject = await zone.mintAccessToken({ resource: MCP, tokenStyle: 'keycard' });
    const res = await exchange({ subject_token: subject, resource: API });
    expect(res.status).toBe(200);
  });

  it('puts every requested resource in aud when resource repeats', async () => {
    const subject = await zone.mintAccessToken({ resource: MCP });
    const res = await exchange({ subject_token: subject, resource: [API, 'https://other.example.com'] });
    expect(res.status).toBe(200);
    const { payload } = await verifyWithZone(zone, res.json?.access_token as string);
    expect(payload.aud).toEqual([API, 'https://other.example.com']);
    expect(zone.exchangeRequests[0]?.resources).toEqual([API, 'https://other.example.com']);
  });

  describe('errors (RFC 6749 / 8693, JSON)', () => {
    it('missing subject_token → 400 invalid_request', async () => {
      const res = await exchange({ resource: API });
      expect(res.status).toBe(400);
      expect(res.json?.error).toBe('invalid_request');
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
    });

    it('missing subject_token_type → 400 invalid_request', async () => {
      const subject = await zone.mintAccessToken({ resource: MCP });
      const res = await postForm(
        zone.tokenEndpoint,
        { grant_type: TOKEN_EXCHANGE, subject_token: subject, resource: API },
        demo,
      );
      expect(res.status).toBe(400);
      expect(res.json?.error).toBe('invalid_request');
    });

    it('unsupported subject_token_type → 400 invalid_request', async () => {
      const subject = await zone.mintAccessToken({ resource: MCP });
      const res = await exchange({
        subject_token: subject,
        subject_token_type: 'urn:ietf:params:oauth:token-type:saml2',
        resource: API,
      });
      expect(res.status).toBe(400);
      expect(res.json?.error).toBe('invalid_request');
    });

    it('missing resource → 400 invalid_request', async () => {
      const subject = await zone.mintAccessToken({ resource: MCP });
      const res = await exchange({ subject_token: subject });
      expect(res.status).toBe(400);
      expect(res.json?.error).toBe('invalid_request');
      expect(res.json?.error_description).toMatch(/resource/);
    });

    it('a resource that is not an absolute URI → 400 invalid_target', async () => {
      const subject = await zone.mintAccessToken({ resource: MCP });
      const res = await exchange({ subject_token: subject, resource: 'not-a-uri' });
      expect(res.status).toBe(400);
      expect(res.json?.error).toBe('invalid_target');
    });

    it('an expired subject token → 400 invalid_grant', async () => {
      const subject = await zone.mintAccessToken({ resource: MCP, expiresIn: -120 });
      const res = await exchange({ subject_token: subject, resource: API });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/expired/) });
    });

    it('a subject token signed by a foreign key → 400 invalid_grant', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const foreign = await new SignJWT({ sub: 'user-42', aud: MCP })
        .setProtectedHeader({ alg: 'RS256', kid: zone.currentKid })
        .setIssuer(zone.zoneUrl)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      const res = await exchange({ subject_token: foreign, resource: API });
      expect(res.status).toBe(400);
      expect(res.json?.error).toBe('invalid_grant');
    });

    it('a subject token from another issuer, without exp, or not a JWT → 400 invalid_grant', async () => {
      for (const subject of [
        await zone.mintAccessToken({ resource: MCP, issuer: 'https://evil.example.com' }),
        await zone.mintAccessToken({ resource: MCP, claims: { exp: undefined } }),
        'opaque-token',
      ]) {
        const res = await exchange({ subject_token: subject, resource: API });
        expect(res.status).toBe(400);
        expect(res.json?.error).toBe('invalid_grant');
      }
    });

    it('a scope beyond what the client may ask → 400 invalid_scope', async () => {
      const limited = await zone.registerClient({ scope: 'read' });
      const subject = await zone.mintAccessToken({ resource: MCP });
      const headers = basic(limited.client_id, limited.client_secret ?? '');
      expect((await exchange({ subject_token: subject, resource: API, scope: 'read' }, headers)).status).toBe(200);
      const res = await exchange({ subject_token: subject, resource: API, scope: 'read admin' }, headers);
      expect(res.status).toBe(400);
      expect(res.json?.error).toBe('invalid_scope');
    });

    it('a client not registered for the exchange grant → 400', async () => {
      const subject = await zone.mintAccessToken({ resource: MCP });
      const res = await exchange({ subject_token: subject, resource: API, client_id: 'demo-public' }, {});
      expect(res.status).toBe(400);
      expect(res.json?.error).toBe('invalid_request');
    });

    it('no client authentication at all → 400 invalid_request', async () => {
      const subject = await zone.mintAccessToken({ resource: MCP });
      const res = await exchange({ subject_token: subject, resource: API }, {});
      expect(res.status).toBe(400);
      expect(res.json?.error).toBe('invalid_request');
      expect(zone.exchangeRequests[0]).toMatchObject({ clientAuthMethod: 'none', status: 400, error: 'invalid_request' });
    });

    it('a wrong client secret → 401 invalid_client', async () => {
      const subject = await zone.mintAccessToken({ resource: MCP });
      const res = await exchange({ subject_token: subject, resource: API }, basic(DEMO_CLIENT_ID, 'wrong'));
      expect(res.status).toBe(401);
      expect(res.json?.error).toBe('invalid_client');
    });
  });

  it('handled every request without an internal error', () => {
    expect(zone.serverErrors).toEqual([]);
  });
});

describe('LocalZone token exchange without client authentication (allowAnonymousExchange)', () => {
  let zone: LocalZone;

  beforeAll(async () => {
    zone = await LocalZone.start({ allowAnonymousExchange: true, scopes: ['read'] });
  });

  afterAll(async () => {
    await zone.stop();
  });

  it('issues a token without client_id, and still enforces the zone scopes', async () => {
    const subject = await zone.mintAccessToken({ resource: MCP });
    const ok = await postForm(zone.tokenEndpoint, {
      grant_type: TOKEN_EXCHANGE,
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: API,
      scope: 'read',
    });
    expect(ok.status).toBe(200);
    const { payload } = await verifyWithZone(zone, ok.json?.access_token as string, { audience: API });
    expect(payload).not.toHaveProperty('client_id');
    expect(zone.exchangeRequests[0]).toMatchObject({ clientAuthMethod: 'none', clientId: undefined, status: 200 });

    const refused = await postForm(zone.tokenEndpoint, {
      grant_type: TOKEN_EXCHANGE,
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: API,
      scope: 'write',
    });
    expect(refused.status).toBe(400);
    expect(refused.json?.error).toBe('invalid_scope');
  });
});
