import { ClientSecret } from 'nestjs-keycard';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone } from 'nestjs-keycard/local-zone';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGrantApp, type AdapterKind, type GrantApp } from './fixtures/grant-fixture.module.js';
import { claimsOf, sha256 } from './fixtures/grant-report.js';
import { ACCESS_TOKEN_TYPE, API, CALENDAR, MCP_RESOURCE, UNGRANTED } from './fixtures/resources.js';

const ADAPTERS: readonly AdapterKind[] = ['express', 'fastify'];

describe.each(ADAPTERS)('@Grant through a real request (%s)', (adapter) => {
  let zone: LocalZone;
  let app: GrantApp;
  let alice: string;

  beforeAll(async () => {
    zone = await LocalZone.start();
    app = await startGrantApp({ zoneUrl: zone.zoneUrl, applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET) }, adapter);
  });

  beforeEach(async () => {
    // A new token per test: exchanged tokens are cached per subject token.
    alice = await zone.mintAccessToken({ sub: 'alice', resource: MCP_RESOURCE });
  });

  afterAll(async () => {
    await app?.close();
    await zone?.stop();
  });

  afterEach(() => {
    zone.clearFaults();
    zone.clearRecords();
  });

  it('hands the handler a token exchanged for the resource, never the caller’s, and reports every AccessContext view of it', async () => {
    const { status, body } = await app.get('/grant/one', alice);

    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'success',
      hasErrors: false,
      hasError: false,
      error: null,
      errors: { resources: {} },
      successful: [API],
      failed: [],
      sameAsRequestContext: true,
    });
    expect(body.errors.error).toBeUndefined();
    expect(JSON.parse(body.json)).toEqual({ status: 'success', successfulResources: [API], failedResources: [] });

    const token = body.resources[API]?.token;
    expect(token).toMatchObject({
      isInboundToken: false,
      aud: API,
      sub: 'alice',
      clientId: DEMO_CLIENT_ID,
      tokenType: 'Bearer',
      issuedTokenType: ACCESS_TOKEN_TYPE,
    });
    expect(token?.expiresIn).toBeGreaterThan(0);
    expect(token?.sha256).not.toBe(sha256(alice));
    expect(token?.jti).not.toBe(claimsOf(alice).jti);
    expect(body.resources[API]).toMatchObject({ hasResourceError: false, resourceError: null, accessError: null });

    // A resource the @Grant does not name: missing_token, listing what is available.
    expect(body.resources[UNGRANTED]).toMatchObject({
      hasResourceError: false,
      resourceError: null,
      token: null,
      accessError: { isResourceAccessError: true, name: 'ResourceAccessError', errorType: 'missing_token', availableResources: [API] },
    });

    // The zone got the caller's token as the subject of exactly one exchange.
    expect(zone.exchangeRequests).toHaveLength(1);
    expect(zone.exchangeRequests[0]).toMatchObject({ subjectToken: alice, resources: [API], status: 200 });
  });

  it('keeps the token of the resource that succeeded when the other fails: partial_error', async () => {
    zone.setFault('token', { failResources: [CALENDAR] });
    const { status, body } = await app.get('/grant/two', alice);

    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'partial_error', hasErrors: true, hasError: false, error: null, successful: [API], failed: [CALENDAR] });
    expect(body.resources[API]?.token).toMatchObject({ aud: API, sub: 'alice', isInboundToken: false });
    const calendarError = { message: `Token exchange failed for ${CALENDAR}`, code: 'invalid_target' };
    expect(body.resources[CALENDAR]).toMatchObject({
      hasResourceError: true,
      resourceError: calendarError,
      token: null,
      accessError: { errorType: 'resource_error', availableResources: [API], error: calendarError },
    });
    expect(body.resources[CALENDAR]?.resourceError?.description).toContain(CALENDAR);
    expect(body.errors.resources).toEqual({ [CALENDAR]: body.resources[CALENDAR]?.resourceError });
    expect(JSON.parse(body.json)).toEqual({ status: 'partial_error', successfulResources: [API], failedResources: [CALENDAR] });
    expect(zone.exchangeRequests.map((r) => [r.resources[0], r.status]).sort()).toEqual([
      [API, 200],
      [CALENDAR, 400],
    ]);
  });

  it('reports error when every resource fails, and the handler still answers', async () => {
    zone.setFault('token', { failResources: [API, CALENDAR] });
    const { status, body } = await app.get('/grant/two', alice);

    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'error', hasErrors: true, hasError: false, successful: [], failed: [API, CALENDAR] });
    expect(body.resources[API]?.accessError).toMatchObject({ errorType: 'resource_error', availableResources: [] });
  });

  it('gives a route without a guard a global error "no authentication token available", and sends nothing to the zone', async () => {
    for (const token of [undefined, alice]) {
      const { status, body } = await app.get('/open/one', token);

      expect(status).toBe(200);
      expect(body).toMatchObject({
        status: 'error',
        hasErrors: true,
        hasError: true,
        error: { message: 'no authentication token available' },
        errors: { resources: {}, error: { message: 'no authentication token available' } },
        successful: [],
        failed: [],
      });
      for (const resource of [API, UNGRANTED]) {
        expect(body.resources[resource]?.accessError).toMatchObject({
          errorType: 'global_error',
          error: { message: 'no authentication token available' },
        });
      }
    }
    expect(zone.requestCounts.token).toBe(0);
    expect(zone.exchangeRequests).toHaveLength(0);
  });

  it('gives @AccessCtx() on a handler without @Grant a no_grant error, without any exchange', async () => {
    const { status, body } = await app.get('/grant/no-grant', alice);

    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'error', hasError: true, error: { code: 'no_grant' }, sameAsRequestContext: false });
    expect(body.resources[API]?.accessError?.errorType).toBe('global_error');
    expect(zone.requestCounts.token).toBe(0);
  });

  it('applies a class-level @Grant to every method, combined with a method’s own @Grant (one exchange per resource)', async () => {
    const inherited = await app.get('/class-grant/inherited', alice);
    expect(inherited.body).toMatchObject({ status: 'success', successful: [CALENDAR] });
    expect(inherited.body.resources[CALENDAR]?.token?.aud).toBe(CALENDAR);
    expect(inherited.body.resources[API]?.accessError?.errorType).toBe('missing_token');
    expect(zone.exchangeRequests.map((r) => r.resources)).toEqual([[CALENDAR]]);

    zone.clearRecords();
    const stacked = await app.get('/class-grant/overridden', alice);
    expect(stacked.body).toMatchObject({ status: 'success', successful: [CALENDAR, API] });
    expect(stacked.body.resources[CALENDAR]?.token?.aud).toBe(CALENDAR);
    expect(stacked.body.resources[API]?.token?.aud).toBe(API);
    // CALENDAR's token for alice is cached from the call above: only API is exchanged.
    expect(zone.exchangeRequests.map((r) => r.resources)).toEqual([[API]]);
  });

  it('withGrant wraps a handler the same way, with the caller from ctx.http.authInfo and per-resource scopes', async () => {
    const { status, body } = await app.get('/sdk/tool', alice);

    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'success', successful: [API, CALENDAR], sameAsRequestContext: null });
    expect(body.resources[API]?.token).toMatchObject({ aud: API, sub: 'alice', isInboundToken: false, scope: null });
    expect(body.resources[CALENDAR]?.token).toMatchObject({ aud: CALENDAR, sub: 'alice', isInboundToken: false, scope: 'cal:read' });
    const byResource = Object.fromEntries(zone.exchangeRequests.map((r) => [r.resources[0], r]));
    expect(byResource[API]?.scope).toBeUndefined();
    expect(byResource[CALENDAR]?.scope).toBe('cal:read');
    expect(byResource[CALENDAR]?.subjectToken).toBe(alice);
  });
});
