import { ClientSecret } from 'nestjs-keycard';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone, type ExchangeRequestRecord } from 'nestjs-keycard/local-zone';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGrantApp, type GrantApp } from './fixtures/grant-fixture.module.js';
import { sha256 } from './fixtures/grant-report.js';
import { ACCESS_TOKEN_TYPE, API, CALENDAR, FILES, MCP_RESOURCE, TOKEN_EXCHANGE } from './fixtures/resources.js';

/** Injected on the token endpoint to show both exchanges are in flight at once. */
const TOKEN_LATENCY_MS = 400;

describe('what the zone receives for @Grant (Express)', () => {
  let zone: LocalZone;
  let app: GrantApp;
  let subject: string;

  const byResource = (): Record<string, ExchangeRequestRecord> =>
    Object.fromEntries(zone.exchangeRequests.map((record) => [record.resources.join(' '), record]));

  beforeAll(async () => {
    zone = await LocalZone.start();
    app = await startGrantApp({ zoneUrl: zone.zoneUrl, applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET) });
    // Warm the guard (metadata, JWKS) so that only exchanges are measured below.
    expect((await app.get('/grant/whoami', await zone.mintAccessToken({ resource: MCP_RESOURCE }))).status).toBe(200);
  });

  beforeEach(async () => {
    zone.clearRecords();
    subject = await zone.mintAccessToken({ sub: 'judy', resource: MCP_RESOURCE });
  });

  afterEach(() => zone.clearFaults());

  afterAll(async () => {
    await app?.close();
    await zone?.stop();
  });

  it('sends one RFC 8693 request per resource: grant_type, the caller’s token as subject_token, its type, the resource', async () => {
    const { body } = await app.get('/grant/two', subject);

    expect(body.status).toBe('success');
    const records = byResource();
    expect(Object.keys(records).sort()).toEqual([API, CALENDAR].sort());
    for (const resource of [API, CALENDAR]) {
      const record = records[resource];
      expect(record).toMatchObject({
        grantType: TOKEN_EXCHANGE,
        subjectToken: subject,
        subjectTokenType: ACCESS_TOKEN_TYPE,
        resources: [resource],
        audiences: [],
        clientAuthMethod: 'client_secret_basic',
        clientId: DEMO_CLIENT_ID,
      });
      expect(record?.scope).toBeUndefined();
      expect(record?.actorToken).toBeUndefined();
      // Each handler token is the one issued for its resource, and is not the caller's.
      const token = body.resources[resource]?.token;
      expect(token).toMatchObject({ aud: resource, sub: 'judy', isInboundToken: false });
      expect(token?.sha256).not.toBe(sha256(subject));
    }
    expect(body.resources[API]?.token?.sha256).not.toBe(body.resources[CALENDAR]?.token?.sha256);
  });

  it('sends scopes given as a string (normalised: split, de-duplicated, sorted)', async () => {
    const { body } = await app.get('/grant/scope-string', subject);

    expect(body.status).toBe('success');
    expect(byResource()[API]?.scope).toBe('files:read files:write');
    expect(body.resources[API]?.token).toMatchObject({ scope: 'files:read files:write', grantedScope: 'files:read files:write' });
  });

  it('sends scopes given as a list to every resource', async () => {
    const { body } = await app.get('/grant/scope-list', subject);

    expect(body.status).toBe('success');
    const records = byResource();
    expect(records[API]?.scope).toBe('read write');
    expect(records[CALENDAR]?.scope).toBe('read write');
  });

  it('sends scopes given as a map to their resource only (none for a resource the map leaves out)', async () => {
    const { body } = await app.get('/grant/scope-map', subject);

    expect(body.status).toBe('success');
    const records = byResource();
    expect(records[API]?.scope).toBe('api:read');
    expect(records[CALENDAR]?.scope).toBe('cal:read cal:write');
    expect(records[FILES]).toBeDefined();
    expect(records[FILES]?.scope).toBeUndefined();
    expect(body.resources[CALENDAR]?.token?.scope).toBe('cal:read cal:write');
    expect(body.resources[FILES]?.token?.scope).toBeNull();
  });

  it('exchanges two resources concurrently: the second request reaches the zone before the first could be answered', async () => {
    zone.setFault('token', { latencyMs: TOKEN_LATENCY_MS });

    const { status, body } = await app.get('/grant/two', subject);

    expect(status).toBe(200);
    expect(body.status).toBe('success');
    const records = zone.exchangeRequests;
    expect(records).toHaveLength(2);
    expect(records.map((r) => r.resources[0]).sort()).toEqual([API, CALENDAR].sort());
    const [first, second] = records as [ExchangeRequestRecord, ExchangeRequestRecord];
    // The zone holds every request TOKEN_LATENCY_MS before answering: a sequential client
    // could only send the second one after the first answer, >= TOKEN_LATENCY_MS later.
    expect(second.receivedAt).toBeGreaterThanOrEqual(first.receivedAt);
    expect(second.receivedAt - first.receivedAt).toBeLessThan(TOKEN_LATENCY_MS);
  });

  it('keeps the other token intact when one resource fails at the zone', async () => {
    zone.setFault('token', {
      failResources: [API],
      failResourcesWith: { status: 403, error: 'access_denied', errorDescription: 'the user has not connected this API' },
    });

    const { status, body } = await app.get('/grant/two', subject);

    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'partial_error', successful: [CALENDAR], failed: [API] });
    expect(body.resources[API]?.resourceError).toEqual({
      message: `Token exchange failed for ${API}`,
      code: 'access_denied',
      description: 'the user has not connected this API',
      retryable: false,
    });
    expect(body.resources[CALENDAR]?.token).toMatchObject({ aud: CALENDAR, sub: 'judy', isInboundToken: false });
    expect(byResource()[CALENDAR]).toMatchObject({ status: 200 });
  });
});
