import { ClientSecret } from 'nestjs-keycard';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone } from 'nestjs-keycard/local-zone';
import { mockAccessContext, mockGrants } from 'nestjs-keycard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CapturingLogger } from '../auth/fixtures/capturing-logger.js';
import type { AdapterKind } from '../grant-e2e/fixtures/grant-fixture.module.js';
import { API, MCP_RESOURCE } from '../grant-e2e/fixtures/resources.js';
import { startParityApp, type ParityApp } from './fixtures/parity-app.js';
import { VAULT, VaultRoutes } from './fixtures/vault-routes.controller.js';

describe.each<AdapterKind>(['express', 'fastify'])('a URN resource (urn:vault:...) works like a URL (%s)', (adapter) => {
  let zone: LocalZone;
  let app: ParityApp;
  const logger = new CapturingLogger();

  const mint = (sub = 'vera') => zone.mintAccessToken({ sub, resource: MCP_RESOURCE });

  beforeAll(async () => {
    zone = await LocalZone.start();
    app = await startParityApp({
      keycard: { zoneUrl: zone.zoneUrl, applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET) },
      controllers: [VaultRoutes],
      adapter,
      logger,
    });
  });

  afterEach(() => {
    zone.clearFaults();
    zone.clearRecords();
  });

  afterAll(async () => {
    await app?.close();
    await zone?.stop();
  });

  it('@Grant exchanges it at the zone (resource=<urn>, its own scope) and the handler reads it with access(urn)', async () => {
    const { status, body } = await app.get('/vault/both', await mint());

    expect(status).toBe(200);
    expect(body.status).toBe('success');
    expect(body.successful).toEqual([VAULT, API]);
    expect(body.resources[VAULT]?.token).toMatchObject({ aud: VAULT, sub: 'vera', scope: 'secret:read', isInboundToken: false });
    expect(body.resources[API]?.token).toMatchObject({ aud: API, scope: null });
    const byResource = Object.fromEntries(zone.exchangeRequests.map((r) => [r.resources.join(' '), r]));
    expect(byResource[VAULT]).toMatchObject({ resources: [VAULT], scope: 'secret:read', status: 200 });
  });

  it('is cached per (caller, urn, scope): the second call makes no exchange', async () => {
    const subject = await mint('cached-vera');
    expect((await app.get('/vault/both', subject)).body.status).toBe('success');
    zone.clearRecords();

    const again = await app.get('/vault/both', subject);

    expect(again.body.status).toBe('success');
    expect(zone.exchangeRequests).toHaveLength(0);
  });

  it('withGrant takes it too', async () => {
    const { body } = await app.get('/vault/sdk', await mint());
    expect(body.resources[VAULT]?.token).toMatchObject({ aud: VAULT, sub: 'vera' });
  });

  it('a refusal names the urn in the error and in the log line, never the caller’s token', async () => {
    zone.setFault('token', { failResources: [VAULT], failResourcesWith: { status: 403, error: 'access_denied' } });
    const subject = await mint('refused-vera');

    const { body } = await app.get('/vault/both', subject);

    expect(body).toMatchObject({ status: 'partial_error', failed: [VAULT], successful: [API] });
    expect(body.resources[VAULT]?.resourceError).toMatchObject({ message: `Token exchange failed for ${VAULT}`, code: 'access_denied', retryable: false });
    const line = logger.lines.find((l) => l.level === 'warn' && l.text.includes(`Token exchange failed for ${VAULT}`));
    expect(line?.text).toContain('access_denied');
    expect(logger.text).not.toContain(subject);
  });
});

describe('URN resources in the testing kit', () => {
  it('mockAccessContext and mockGrants give a URN its token like a URL', async () => {
    const access = mockAccessContext({ resourceTokens: { [VAULT]: 'sk-test' }, resources: [VAULT, API] });
    expect(access.access(VAULT).accessToken).toBe('sk-test');
    expect(access.getFailedResources()).toEqual([API]);

    const grants = mockGrants();
    const context = await grants.grant({ token: 't' }, [VAULT]);
    expect(context.access(VAULT).accessToken).toBe('test_access_token');
  });
});
