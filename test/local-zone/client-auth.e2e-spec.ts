import { randomUUID } from 'node:crypto';

import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PUBLIC_CLIENT_ID, LocalZone } from '../../src/local-zone/index.js';
import {
  ACCESS_TOKEN_TYPE,
  basic,
  JWT_BEARER,
  postForm,
  startJwksServer,
  TOKEN_EXCHANGE,
  verifyWithZone,
  type TestServer,
} from './local-zone-test.helpers.js';

const MCP = 'http://127.0.0.1:8000/mcp';
const API = 'https://api.example.com';

interface KeyPair {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

async function rsaKey(kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** The MCP server's private_key_jwt assertion: iss = sub = client id, aud = token endpoint, jti, exp = iat + 300. */
async function clientAssertion(key: KeyPair, clientId: string, aud: string): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'RS256', kid: key.publicJwk.kid as string })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(aud)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 300)
    .sign(key.privateKey);
}

describe('LocalZone client authentication', () => {
  let zone: LocalZone;
  let subjectToken: string;

  const exchange = (fields: Record<string, string | undefined>, headers: Record<string, string> = {}) =>
    postForm(
      zone.tokenEndpoint,
      { grant_type: TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN_TYPE, resource: API, ...fields },
      headers,
    );

  beforeAll(async () => {
    zone = await LocalZone.start();
    subjectToken = await zone.mintAccessToken({ resource: MCP });
  });

  afterAll(async () => {
    await zone.stop();
  });

  beforeEach(() => zone.clearRecords());

  describe('client_secret_basic', () => {
    it('succeeds with the right secret', async () => {
      const res = await exchange({}, basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET));
      expect(res.status).toBe(200);
      expect(zone.exchangeRequests[0]).toMatchObject({ clientAuthMethod: 'client_secret_basic', clientId: DEMO_CLIENT_ID });
    });

    it('fails with 401 invalid_client on a wrong secret or an unknown client', async () => {
      for (const headers of [basic(DEMO_CLIENT_ID, 'nope'), basic('no-such-client', 'x')]) {
        const res = await exchange({}, headers);
        expect(res.status).toBe(401);
        expect(res.json?.error).toBe('invalid_client');
      }
    });

    it('form-urlencodes id and secret before base64 (RFC 6749 §2.3.1)', async () => {
      const odd = await zone.registerClient({ client_id: 'odd id:1', client_secret: 'p@ss word+/' });
      const res = await exchange({}, basic(odd.client_id, odd.client_secret ?? ''));
      expect(res.status).toBe(200);
    });
  });

  describe('client_secret_post', () => {
    it('succeeds with the right secret', async () => {
      const client = await zone.registerClient({ token_endpoint_auth_method: 'client_secret_post' });
      const res = await exchange({ client_id: client.client_id, client_secret: client.client_secret });
      expect(res.status).toBe(200);
      expect(zone.exchangeRequests[0]).toMatchObject({ clientAuthMethod: 'client_secret_post', clientId: client.client_id });
    });

    it('fails with 401 invalid_client on a wrong secret', async () => {
      const res = await exchange({ client_id: DEMO_CLIENT_ID, client_secret: 'wrong' });
      expect(res.status).toBe(401);
      expect(res.json?.error).toBe('invalid_client');
    });
  });

  describe('private_key_jwt with a jwks_uri (an MCP server using WebIdentity)', () => {
    let key: KeyPair;
    let jwksServer: TestServer & { jwksUri: string };
    let clientId: string;

    beforeAll(async () => {
      key = await rsaKey('my_mcp_server');
      jwksServer = await startJwksServer({ keys: [key.publicJwk] });
      ({ client_id: clientId } = await zone.registerClient({
        client_id: 'my_mcp_server',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: jwksServer.jwksUri,
      }));
    });

    afterAll(async () => {
      await jwksServer.close();
    });

    it('accepts an assertion whose aud is the token endpoint', async () => {
      const res = await exchange({
        client_assertion_type: JWT_BEARER,
        client_assertion: await clientAssertion(key, clientId, zone.tokenEndpoint),
      });
      expect(res.status).toBe(200);
      const { payload } = await verifyWithZone(zone, res.json?.access_token as string, { audience: API });
      expect(payload.client_id).toBe(clientId);
      expect(zone.exchangeRequests[0]).toMatchObject({ clientAuthMethod: 'private_key_jwt', clientId });
    });

    it('also works for client credentials', async () => {
      const res = await postForm(zone.tokenEndpoint, {
        grant_type: 'client_credentials',
        resource: API,
        client_assertion_type: JWT_BEARER,
        client_assertion: await clientAssertion(key, clientId, zone.tokenEndpoint),
      });
      expect(res.status).toBe(200);
    });

    it('fails with 401 invalid_client when signed by another key, for another audience, or replayed', async () => {
      const other = await rsaKey('my_mcp_server');
      const replayed = await clientAssertion(key, clientId, zone.tokenEndpoint);
      expect((await exchange({ client_assertion_type: JWT_BEARER, client_assertion: replayed })).status).toBe(200);
      for (const assertion of [
        await clientAssertion(other, clientId, zone.tokenEndpoint),
        await clientAssertion(key, clientId, 'https://elsewhere.example.com/token'),
        replayed,
      ]) {
        const res = await exchange({ client_assertion_type: JWT_BEARER, client_assertion: assertion });
        expect(res.status).toBe(401);
        expect(res.json?.error).toBe('invalid_client');
      }
    });
  });

  describe('jwt-bearer workload assertion (AWS EKS style)', () => {
    const eksIssuer = 'https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE';
    let workloadKey: KeyPair;

    const eksToken = (key: KeyPair, claims: { iss?: string; aud?: string; expiresIn?: number } = {}) => {
      const iat = Math.floor(Date.now() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: key.publicJwk.kid as string })
        .setIssuer(claims.iss ?? eksIssuer)
        .setSubject('system:serviceaccount:mcp:server')
        .setAudience(claims.aud ?? 'keycard')
        .setIssuedAt(iat)
        .setExpirationTime(iat + (claims.expiresIn ?? 3600))
        .sign(key.privateKey);
    };

    beforeAll(async () => {
      workloadKey = await rsaKey('eks-key-1');
      await zone.registerWorkloadIdentity({
        clientId: 'eks-mcp-server',
        jwks: { keys: [workloadKey.publicJwk] },
        issuer: eksIssuer,
        audience: 'keycard',
      });
    });

    it('maps a token whose iss/sub are not the client id to the registered client, and may be reused', async () => {
      const token = await eksToken(workloadKey);
      for (let i = 0; i < 2; i += 1) {
        const res = await exchange({ client_assertion_type: JWT_BEARER, client_assertion: token });
        expect(res.status).toBe(200);
        const { payload } = await verifyWithZone(zone, res.json?.access_token as string, { audience: API });
        expect(payload.client_id).toBe('eks-mcp-server');
      }
      expect(zone.exchangeRequests[0]).toMatchObject({
        clientAuthMethod: 'workload_identity',
        clientId: 'eks-mcp-server',
        form: { client_assertion: token, client_assertion_type: JWT_BEARER },
      });
    });

    it('fails with 401 invalid_client when the signature, audience or expiry is wrong', async () => {
      const stranger = await rsaKey('eks-key-1');
      for (const token of [
        await eksToken(stranger),
        await eksToken(workloadKey, { aud: 'someone-else' }),
        await eksToken(workloadKey, { expiresIn: -600 }),
      ]) {
        const res = await exchange({ client_assertion_type: JWT_BEARER, client_assertion: token });
        expect(res.status).toBe(401);
        expect(res.json?.error).toBe('invalid_client');
      }
      expect(zone.exchangeRequests.map((r) => r.status)).toEqual([401, 401, 401]);
    });

    it('leaves an assertion no workload claims to oidc-provider (401 invalid_client)', async () => {
      const res = await exchange({
        client_assertion_type: JWT_BEARER,
        client_assertion: await eksToken(await rsaKey('unknown-kid'), { iss: 'https://unknown.example.com' }),
      });
      expect(res.status).toBe(401);
      expect(res.json?.error).toBe('invalid_client');
    });
  });

  describe('none (public clients)', () => {
    it('lets a public client use its grants with only client_id', async () => {
      const client = await zone.registerClient({ token_endpoint_auth_method: 'none' });
      expect(client.client_secret).toBeUndefined();
      const res = await exchange({ client_id: client.client_id });
      expect(res.status).toBe(200);
      expect(zone.exchangeRequests[0]).toMatchObject({ clientAuthMethod: 'none', clientId: client.client_id });
    });

    it('fails with 401 invalid_client when a public client sends a secret', async () => {
      const res = await exchange({}, basic(DEMO_PUBLIC_CLIENT_ID, 'anything'));
      expect(res.status).toBe(401);
      expect(res.json?.error).toBe('invalid_client');
    });
  });

  it('handled every request without an internal error', () => {
    expect(zone.serverErrors).toEqual([]);
  });
});
