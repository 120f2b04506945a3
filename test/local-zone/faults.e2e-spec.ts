import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone, LocalZoneError } from '../../src/local-zone/index.js';
import { ACCESS_TOKEN_TYPE, basic, getJson, postForm, TOKEN_EXCHANGE } from './local-zone-test.helpers.js';

const MCP = 'http://127.0.0.1:8000/mcp';
const API = 'https://api.example.com';
const DOWNSTREAM_DOWN = 'https://down.example.com';

describe('LocalZone fault injection', () => {
  let zone: LocalZone;
  const demo = basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);

  const exchange = async (resource: string) =>
    postForm(
      zone.tokenEndpoint,
      {
        grant_type: TOKEN_EXCHANGE,
        subject_token: await zone.mintAccessToken({ resource: MCP }),
        subject_token_type: ACCESS_TOKEN_TYPE,
        resource,
      },
      demo,
    );

  beforeAll(async () => {
    zone = await LocalZone.start();
  });

  afterAll(async () => {
    await zone.stop();
  });

  afterEach(() => {
    zone.clearFaults();
    zone.clearRecords();
  });

  it('failWith answers a canned JSON error on the token endpoint (and records it)', async () => {
    zone.setFault('token', { failWith: { status: 500, body: { error: 'server_error', error_description: 'boom' } } });
    const res = await exchange(API);
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ error: 'server_error', error_description: 'boom' });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(zone.exchangeRequests[0]).toMatchObject({ status: 500, error: 'server_error', resources: [API] });
  });

  it('failWith answers HTML with a 200 or 502 status', async () => {
    zone.setFault('discovery', { failWith: { status: 200, body: '<html>login</html>', contentType: 'text/html' } });
    zone.setFault('jwks', { failWith: { status: 502, body: '<h1>Bad Gateway</h1>', contentType: 'text/html' } });
    const discovery = await getJson(`${zone.zoneUrl}/.well-known/oauth-authorization-server`);
    expect(discovery).toMatchObject({ status: 200, text: '<html>login</html>', json: undefined });
    expect(discovery.headers.get('content-type')).toBe('text/html');
    const jwks = await getJson(zone.jwksUri);
    expect(jwks).toMatchObject({ status: 502, text: '<h1>Bad Gateway</h1>' });
  });

  it('down destroys the connection without a response', async () => {
    zone.setFault('jwks', { down: true });
    await expect(fetch(zone.jwksUri)).rejects.toThrow();
    expect(zone.requestCounts.jwks).toBe(1);
    zone.clearFaults('jwks');
    expect((await getJson(zone.jwksUri)).status).toBe(200);
  });

  it('hang holds the request until clearFaults(), which lets it proceed', async () => {
    zone.setFault('token', { hang: true });
    const pending = exchange(API);
    await vi.waitFor(() => expect(zone.exchangeCount).toBe(1), { timeout: 10_000 });
    expect(zone.exchangeRequests[0]?.status).toBeUndefined();
    zone.clearFaults();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(zone.exchangeRequests[0]?.status).toBe(200);
  });

  it('latencyMs delays the answer but keeps it correct', async () => {
    zone.setFault('discovery', { latencyMs: 25 });
    const res = await getJson(`${zone.zoneUrl}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.json?.issuer).toBe(zone.zoneUrl);
  });

  it('failResources refuses exchanges for those resources only (RFC 8693 error)', async () => {
    zone.setFault('token', { failResources: [DOWNSTREAM_DOWN] });
    const refused = await exchange(DOWNSTREAM_DOWN);
    expect(refused.status).toBe(400);
    expect(refused.json?.error).toBe('invalid_target');
    expect(refused.json?.error_description).toContain(DOWNSTREAM_DOWN);
    expect((await exchange(API)).status).toBe(200);

    zone.setFault('token', { failResources: [DOWNSTREAM_DOWN], failResourcesWith: { status: 403, error: 'access_denied' } });
    const custom = await exchange(DOWNSTREAM_DOWN);
    expect(custom.status).toBe(403);
    expect(custom.json?.error).toBe('access_denied');
    expect(zone.exchangeRequests.map((r) => r.status)).toEqual([400, 200, 403]);
  });

  it("'all' applies everywhere; an endpoint's own fault wins over it", async () => {
    zone.setFault('all', { failWith: { status: 503, body: { error: 'temporarily_unavailable' } } });
    zone.setFault('jwks', { failWith: { status: 500, body: 'jwks broke' } });
    expect((await getJson(`${zone.zoneUrl}/.well-known/oauth-authorization-server`)).status).toBe(503);
    expect((await exchange(API)).status).toBe(503);
    expect((await getJson(zone.jwksUri)).status).toBe(500);
    zone.clearFaults();
    expect((await getJson(zone.jwksUri)).status).toBe(200);
  });

  it('rejects an unknown fault target or a bad status', () => {
    expect(() => zone.setFault('nope' as 'token', { down: true })).toThrow(LocalZoneError);
    expect(() => zone.setFault('token', { failWith: { status: 42 } })).toThrow(LocalZoneError);
  });
});

describe('LocalZone stop() with requests in flight', () => {
  it('cuts hanging and delayed requests at once and frees the port', async () => {
    const zone = await LocalZone.start();
    try {
      zone.setFault('jwks', { hang: true });
      zone.setFault('discovery', { latencyMs: 600_000 });
      const outcome = (request: Promise<Response>) => request.then(() => 'answered', () => 'cut');
      const hanging = outcome(fetch(zone.jwksUri));
      const delayed = outcome(fetch(`${zone.zoneUrl}/.well-known/oauth-authorization-server`));
      await vi.waitFor(() => expect(zone.requestCounts).toMatchObject({ jwks: 1, discovery: 1 }), { timeout: 10_000 });
      await zone.stop();
      expect(await hanging).toBe('cut');
      expect(await delayed).toBe('cut');
    } finally {
      await zone.stop();
    }
    const again = await LocalZone.start({ port: zone.port });
    try {
      expect(again.port).toBe(zone.port);
      expect((await getJson(again.jwksUri)).status).toBe(200);
    } finally {
      await again.stop();
    }
  });
});
