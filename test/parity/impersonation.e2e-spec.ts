import { ClientSecret, KeycardConfigurationError } from 'nestjs-keycard';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone } from 'nestjs-keycard/local-zone';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AdapterKind } from '../grant-e2e/fixtures/grant-fixture.module.js';
import { API, MCP_RESOURCE } from '../grant-e2e/fixtures/resources.js';
import { startParityApp, type ParityApp } from './fixtures/parity-app.js';
import { ImpersonationRoutes, type ImpersonatedReport } from './fixtures/impersonation-routes.controller.js';

/** Spelled out here so that a wrong constant in the library cannot hide. */
const SUBSTITUTE_USER = 'urn:keycard:params:oauth:token-type:substitute-user';

function decodePart(part: string | undefined): unknown {
  return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
}

describe.each<AdapterKind>(['express', 'fastify'])('impersonation: @Grant(resources, { userIdentifier }) (%s)', (adapter) => {
  let zone: LocalZone;
  let app: ParityApp;
  let caller: string;

  beforeAll(async () => {
    zone = await LocalZone.start({ substituteUserClients: [DEMO_CLIENT_ID] });
    app = await startParityApp({
      keycard: { zoneUrl: zone.zoneUrl, applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET) },
      controllers: [ImpersonationRoutes],
      adapter,
    });
  });

  beforeEach(async () => {
    zone.clearRecords();
    zone.setSubstituteUserClients([DEMO_CLIENT_ID]);
    caller = await zone.mintAccessToken({ sub: 'admin', resource: MCP_RESOURCE });
  });

  afterAll(async () => {
    await app?.close();
    await zone?.stop();
  });

  it('sends an unsigned substitute-user token naming the user, with its token type and the app’s client authentication', async () => {
    const { status, body } = await app.get<ImpersonatedReport>('/impersonate/header', caller, { 'x-act-as': 'alice' });

    expect(status).toBe(200);
    expect(body.status).toBe('success');
    expect(body.resources[API]?.token).toMatchObject({ aud: API, sub: 'alice', scope: 'read', isInboundToken: false });
    const [record] = zone.exchangeRequests;
    expect(zone.exchangeRequests).toHaveLength(1);
    expect(record).toMatchObject({ subjectTokenType: SUBSTITUTE_USER, clientAuthMethod: 'client_secret_basic', clientId: DEMO_CLIENT_ID, scope: 'read' });
    const parts = record?.subjectToken?.split('.') ?? [];
    expect(parts).toHaveLength(3);
    expect(decodePart(parts[0])).toEqual({ typ: 'vnd.kc.su+jwt', alg: 'none' });
    expect(decodePart(parts[1])).toEqual({ sub: 'alice' });
    expect(parts[2]).toBe('');
    expect(record?.subjectToken).not.toContain(caller);
    // The zone's token says who acts for whom (RFC 8693 act claim).
    expect(body.act).toEqual({ sub: DEMO_CLIENT_ID });
  });

  it('never serves one user’s token to another: cached per user identifier, apart from the caller’s own', async () => {
    const erin = await app.get('/impersonate/header', caller, { 'x-act-as': 'erin' });
    const erinAgain = await app.get('/impersonate/header', caller, { 'x-act-as': 'erin' });
    const bob = await app.get('/impersonate/header', caller, { 'x-act-as': 'bob' });
    const own = await app.get('/impersonate/own', caller);

    expect(erin.body.resources[API]?.token?.sub).toBe('erin');
    expect(erinAgain.body.resources[API]?.token?.sha256).toBe(erin.body.resources[API]?.token?.sha256);
    expect(bob.body.resources[API]?.token?.sub).toBe('bob');
    expect(own.body.resources[API]?.token?.sub).toBe('admin');
    const fingerprints = [erin, bob, own].map((answer) => answer.body.resources[API]?.token?.sha256);
    expect(new Set(fingerprints).size).toBe(3);
    // erin (once: the second call was a cache hit), bob, and the caller's own exchange.
    expect(zone.exchangeRequests.map((r) => (r.subjectTokenType === SUBSTITUTE_USER ? (decodePart(r.subjectToken?.split('.')[1]) as { sub: string }).sub : 'own'))).toEqual([
      'erin',
      'bob',
      'own',
    ]);
  });

  it('passes the verified caller to the function; an async answer works', async () => {
    const { body } = await app.get('/impersonate/directory', caller);
    expect(body.resources[API]?.token).toMatchObject({ sub: 'directory:admin' });
  });

  it('the zone’s policy refusing the client → a permanent resource error (unauthorized_client)', async () => {
    zone.setSubstituteUserClients([]);

    const { status, body } = await app.get('/impersonate/header', caller, { 'x-act-as': 'carol' });

    expect(status).toBe(200);
    expect(body.resources[API]?.resourceError).toMatchObject({ code: 'unauthorized_client', retryable: false });
    expect(zone.exchangeRequests[0]).toMatchObject({ subjectTokenType: SUBSTITUTE_USER, status: 400 });
  });

  it.each([
    ['throws', '/impersonate/broken', {}, /^Failed to resolve user identifier: directory unavailable$/],
    ['returns an empty string', '/impersonate/header', {}, /^Failed to resolve user identifier: the function returned an empty string/],
  ])('a function that %s → global error, no exchange', async (_name, path, headers, message) => {
    const { status, body } = await app.get(path, caller, headers);

    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'error', hasError: true, successful: [] });
    expect(body.error?.message).toMatch(message);
    expect(body.error).toMatchObject({ code: 'user_identifier_error', retryable: false });
    expect(body.resources[API]?.accessError?.errorType).toBe('global_error');
    expect(zone.exchangeRequests).toHaveLength(0);
  });
});

describe('impersonation needs an application credential', () => {
  let zone: LocalZone;

  beforeAll(async () => {
    zone = await LocalZone.start({ substituteUserClients: [DEMO_CLIENT_ID], allowAnonymousExchange: true });
  });

  beforeEach(() => {
    for (const name of ['KEYCARD_CLIENT_ID', 'KEYCARD_CLIENT_SECRET', 'KEYCARD_APPLICATION_CREDENTIAL_TYPE', 'KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE', 'KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
      vi.stubEnv(name, undefined);
    }
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  afterAll(async () => {
    await zone?.stop();
  });

  it('refuses to boot an app whose @Grant impersonates without one, naming the handlers', async () => {
    const error = await startParityApp({ keycard: { zoneUrl: zone.zoneUrl }, controllers: [ImpersonationRoutes] }).then(
      async (app) => {
        await app.close();
        return undefined;
      },
      (thrown: unknown) => thrown,
    );

    expect(error).toBeInstanceOf(KeycardConfigurationError);
    expect((error as Error).message).toContain('ImpersonationRoutes.header');
    expect((error as Error).message).toContain('application credential');
    expect(zone.exchangeRequests).toHaveLength(0);
  });
});
