import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ClientSecret, EKSWorkloadIdentity, WebIdentity } from 'nestjs-keycard';
import { LocalZone, type ExchangeRequestRecord } from 'nestjs-keycard/local-zone';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGrantApp, type GrantApp } from './fixtures/grant-fixture.module.js';
import { claimsOf } from './fixtures/grant-report.js';
import { ACCESS_TOKEN_TYPE, API, JWT_BEARER, MCP_RESOURCE, TOKEN_EXCHANGE } from './fixtures/resources.js';

function headerOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The RFC 8693 part of a recorded request, whatever the client authentication. */
function expectExchangeFields(record: ExchangeRequestRecord | undefined, subjectToken: string): void {
  expect(record).toBeDefined();
  expect(record?.form).toMatchObject({
    grant_type: TOKEN_EXCHANGE,
    subject_token: subjectToken,
    subject_token_type: ACCESS_TOKEN_TYPE,
    resource: API,
  });
}

describe('token exchange with each application credential (Express)', () => {
  let zone: LocalZone;
  let app: GrantApp | undefined;
  const tempDirs: string[] = [];

  const mint = (sub: string) => zone.mintAccessToken({ sub, resource: MCP_RESOURCE });
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'grant-e2e-'));
    tempDirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    zone = await LocalZone.start();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    zone.clearFaults();
    zone.clearRecords();
  });

  afterAll(async () => {
    await zone?.stop();
    await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  describe('ClientSecret', () => {
    it('authenticates with client_secret_basic as the confidential client registered in the zone', async () => {
      const client = await zone.registerClient({ token_endpoint_auth_method: 'client_secret_basic' });
      app = await startGrantApp({ zoneUrl: zone.zoneUrl, applicationCredential: new ClientSecret(client.client_id, client.client_secret ?? '') });
      const subject = await mint('carol');

      const { status, body } = await app.get('/grant/one', subject);

      expect(status).toBe(200);
      expect(body.status).toBe('success');
      expect(body.resources[API]?.token).toMatchObject({ aud: API, sub: 'carol', clientId: client.client_id, isInboundToken: false });
      const [record] = zone.exchangeRequests;
      expectExchangeFields(record, subject);
      expect(record).toMatchObject({ clientAuthMethod: 'client_secret_basic', clientId: client.client_id, status: 200 });
      expect(record?.authorizationHeader).toMatch(/^Basic /);
      expect(record?.form.client_secret).toBeUndefined();
    });

    it('records the zone’s invalid_client as a resource error when the secret is wrong, and still answers 200', async () => {
      const client = await zone.registerClient({ token_endpoint_auth_method: 'client_secret_basic' });
      app = await startGrantApp({ zoneUrl: zone.zoneUrl, applicationCredential: new ClientSecret(client.client_id, 'not-the-secret') });

      const { status, body } = await app.get('/grant/one', await mint('carol'));

      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'error', hasError: false, failed: [API] });
      expect(body.resources[API]?.resourceError).toMatchObject({ message: `Token exchange failed for ${API}`, code: 'invalid_client' });
      expect(zone.exchangeRequests[0]).toMatchObject({ clientAuthMethod: 'client_secret_basic', status: 401, error: 'invalid_client' });
    });
  });

  describe('WebIdentity', () => {
    it('signs private_key_jwt assertions the zone verifies against the app’s own /.well-known/jwks.json', async () => {
      const credential = new WebIdentity({ serverName: 'Grant E2E', storageDir: await tempDir() });
      app = await startGrantApp({ zoneUrl: zone.zoneUrl, applicationCredential: credential });
      // The zone fetches the keys from the running app, so the client is registered after it listens.
      const jwksUri = `${app.url}/.well-known/jwks.json`;
      const published = await app.get<{ keys: { kid: string }[] }>('/.well-known/jwks.json');
      expect(published.body.keys.map((key) => key.kid)).toEqual(['Grant_E2E']);
      await zone.registerClient({ client_id: credential.clientId, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri });
      const subject = await mint('dave');

      const first = await app.get('/grant/one', subject);
      const second = await app.get('/grant/two', subject);

      expect(first.status).toBe(200);
      expect(first.body.resources[API]?.token).toMatchObject({ aud: API, sub: 'dave', clientId: 'Grant_E2E', isInboundToken: false });
      expect(second.body.status).toBe('success');
      const [record] = zone.exchangeRequests;
      expectExchangeFields(record, subject);
      expect(record).toMatchObject({ clientAuthMethod: 'private_key_jwt', clientId: 'Grant_E2E', status: 200 });
      expect(record?.authorizationHeader).toBeUndefined();
      expect(record?.form).toMatchObject({ client_id: 'Grant_E2E', client_assertion_type: JWT_BEARER });
      const assertion = record?.form.client_assertion as string;
      expect(headerOf(assertion)).toMatchObject({ alg: 'RS256', kid: 'Grant_E2E' });
      expect(claimsOf(assertion)).toMatchObject({ iss: 'Grant_E2E', sub: 'Grant_E2E', aud: zone.tokenEndpoint });
      // Every request signs a new assertion (the zone refuses a replayed jti).
      const assertions = zone.exchangeRequests.map((r) => claimsOf(r.form.client_assertion as string).jti);
      expect(assertions).toHaveLength(2);
      expect(new Set(assertions).size).toBe(2);
    });
  });

  describe('EKSWorkloadIdentity', () => {
    const eksIssuer = 'https://oidc.eks.eu-west-1.amazonaws.com/id/GRANTE2E';
    let workloadKey: { privateKey: CryptoKey; publicJwk: JWK };

    const workloadToken = (privateKey: CryptoKey) => {
      const iat = Math.floor(Date.now() / 1000);
      return new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'RS256', kid: 'eks-key' })
        .setIssuer(eksIssuer)
        .setSubject('system:serviceaccount:mcp:grant-e2e')
        .setAudience('keycard')
        .setIssuedAt(iat)
        .setExpirationTime(iat + 3600)
        .sign(privateKey);
    };

    beforeAll(async () => {
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      workloadKey = { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: 'eks-key', alg: 'RS256', use: 'sig' } };
      await zone.registerWorkloadIdentity({
        clientId: 'eks-mcp-server',
        jwks: { keys: [workloadKey.publicJwk] },
        issuer: eksIssuer,
        audience: 'keycard',
      });
    });

    it('sends the token file as a jwt-bearer assertion and reads the file again on every exchange', async () => {
      const tokenFile = join(await tempDir(), 'token');
      const firstAssertion = await workloadToken(workloadKey.privateKey);
      await writeFile(tokenFile, `${firstAssertion}\n`);
      app = await startGrantApp({ zoneUrl: zone.zoneUrl, applicationCredential: new EKSWorkloadIdentity({ tokenFilePath: tokenFile }) });

      const firstSubject = await mint('erin');
      const first = await app.get('/grant/one', firstSubject);
      expect(first.body.resources[API]?.token).toMatchObject({ aud: API, sub: 'erin', clientId: 'eks-mcp-server', isInboundToken: false });
      expectExchangeFields(zone.exchangeRequests[0], firstSubject);
      expect(zone.exchangeRequests[0]).toMatchObject({
        clientAuthMethod: 'workload_identity',
        clientId: 'eks-mcp-server',
        status: 200,
        form: { client_assertion_type: JWT_BEARER, client_assertion: firstAssertion },
      });
      expect(zone.exchangeRequests[0]?.form.client_id).toBeUndefined();

      // Kubernetes rotates the token: the next exchange (another caller, so no cache hit) sends the new one.
      const rotated = await workloadToken(workloadKey.privateKey);
      await writeFile(tokenFile, rotated);
      const second = await app.get('/grant/one', await mint('frank'));
      expect(second.body.resources[API]?.token).toMatchObject({ sub: 'frank', clientId: 'eks-mcp-server' });
      expect(zone.exchangeRequests[1]).toMatchObject({ clientAuthMethod: 'workload_identity', status: 200, form: { client_assertion: rotated } });

      // A token the zone cannot verify (foreign key) is refused: invalid_client for that exchange...
      const { privateKey: foreignKey } = await generateKeyPair('RS256');
      await writeFile(tokenFile, await workloadToken(foreignKey));
      const refused = await app.get('/grant/one', await mint('grace'));
      expect(refused.status).toBe(200);
      expect(refused.body.resources[API]?.resourceError).toMatchObject({ code: 'invalid_client' });
      expect(zone.exchangeRequests[2]).toMatchObject({ clientAuthMethod: 'workload_identity', status: 401, error: 'invalid_client' });

      // ...and a good one written afterwards is picked up at once, without a restart.
      const repaired = await workloadToken(workloadKey.privateKey);
      await writeFile(tokenFile, repaired);
      const recovered = await app.get('/grant/one', await mint('grace'));
      expect(recovered.body.resources[API]?.token).toMatchObject({ sub: 'grace', clientId: 'eks-mcp-server' });
      expect(zone.exchangeRequests[3]).toMatchObject({ status: 200, form: { client_assertion: repaired } });
    });
  });

  describe('no credential', () => {
    it('sends the exchange without client authentication; the zone refuses it and the handler still answers 200', async () => {
      app = await startGrantApp({ zoneUrl: zone.zoneUrl });
      expect(app.config.credentialSource).toBe('none');
      const subject = await mint('heidi');

      const { status, body } = await app.get('/grant/one', subject);

      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'error', hasError: false, failed: [API] });
      expect(body.resources[API]?.resourceError).toMatchObject({ message: `Token exchange failed for ${API}`, code: 'invalid_request' });
      expect(body.resources[API]?.accessError?.errorType).toBe('resource_error');
      const [record] = zone.exchangeRequests;
      expectExchangeFields(record, subject);
      expect(record).toMatchObject({ clientAuthMethod: 'none', status: 400, error: 'invalid_request' });
      expect(record?.clientId).toBeUndefined();
      expect(record?.authorizationHeader).toBeUndefined();
      expect(record?.form.client_assertion).toBeUndefined();
    });

    it('gets a token from a zone that accepts anonymous exchanges', async () => {
      const openZone = await LocalZone.start({ allowAnonymousExchange: true });
      try {
        app = await startGrantApp({ zoneUrl: openZone.zoneUrl });
        const subject = await openZone.mintAccessToken({ sub: 'ivan', resource: MCP_RESOURCE });

        const { status, body } = await app.get('/grant/one', subject);

        expect(status).toBe(200);
        expect(body.status).toBe('success');
        expect(body.resources[API]?.token).toMatchObject({ aud: API, sub: 'ivan', clientId: null, isInboundToken: false });
        expectExchangeFields(openZone.exchangeRequests[0], subject);
        expect(openZone.exchangeRequests[0]).toMatchObject({ clientAuthMethod: 'none', status: 200 });
      } finally {
        await app?.close();
        app = undefined;
        await openZone.stop();
      }
    });
  });
});
