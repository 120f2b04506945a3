import { ClientSecret } from 'nestjs-keycard';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone, type LocalZoneFault } from 'nestjs-keycard/local-zone';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGrantApp, type AdapterKind, type GrantApp } from '../grant-e2e/fixtures/grant-fixture.module.js';
import { API, MCP_RESOURCE } from '../grant-e2e/fixtures/resources.js';

/** Small, so that a hanging zone is given up on quickly; not so small that a loaded machine's first discovery times out. */
const ZONE_TIMEOUT_MS = 1000;

interface Case {
  readonly name: string;
  readonly fault: LocalZoneFault;
  readonly code: string;
  readonly retryable: boolean;
}

/** A refusal of API by the zone's exchange grant, with this status and OAuth error. */
const refusal = (status: number, error: string): LocalZoneFault => ({
  failResources: [API],
  failResourcesWith: { status, error, errorDescription: `refused with ${error}` },
});

const cases: readonly Case[] = [
  // Permanent: the zone said no; only an administrator (policy, client, grant) can change that.
  { name: '403 access_denied', fault: refusal(403, 'access_denied'), code: 'access_denied', retryable: false },
  { name: '403 insufficient_authorization', fault: refusal(403, 'insufficient_authorization'), code: 'insufficient_authorization', retryable: false },
  { name: '401 invalid_client', fault: refusal(401, 'invalid_client'), code: 'invalid_client', retryable: false },
  { name: '400 invalid_grant', fault: refusal(400, 'invalid_grant'), code: 'invalid_grant', retryable: false },
  { name: '400 invalid_target', fault: refusal(400, 'invalid_target'), code: 'invalid_target', retryable: false },
  { name: '400 invalid_scope', fault: refusal(400, 'invalid_scope'), code: 'invalid_scope', retryable: false },
  { name: '400 with an unknown code', fault: refusal(400, 'policy_says_no'), code: 'policy_says_no', retryable: false },
  { name: 'a permanent code wins over a 5xx status', fault: refusal(500, 'invalid_grant'), code: 'invalid_grant', retryable: false },
  {
    name: '200 with an HTML page',
    fault: { failWith: { status: 200, body: '<html>Sign in</html>', contentType: 'text/html' } },
    code: 'invalid_response',
    retryable: false,
  },
  // Retryable: the zone or the path to it is unwell; the same call may work later.
  { name: '503 temporarily_unavailable', fault: refusal(503, 'temporarily_unavailable'), code: 'temporarily_unavailable', retryable: true },
  { name: '400 temporarily_unavailable', fault: refusal(400, 'temporarily_unavailable'), code: 'temporarily_unavailable', retryable: true },
  { name: '500 server_error', fault: { failWith: { status: 500, body: { error: 'server_error' } } }, code: 'server_error', retryable: true },
  { name: '503 with an unknown code', fault: refusal(503, 'overloaded'), code: 'overloaded', retryable: true },
  { name: '502 without an OAuth error', fault: { failWith: { status: 502, body: {} } }, code: 'server_error', retryable: true },
  {
    name: '502 with a proxy’s HTML page',
    fault: { failWith: { status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' } },
    code: 'invalid_response',
    retryable: true,
  },
  { name: '429 without an OAuth error', fault: { failWith: { status: 429, body: {} } }, code: 'invalid_response', retryable: true },
  { name: 'connection cut', fault: { down: true }, code: 'network_error', retryable: true },
  { name: `no answer within ${ZONE_TIMEOUT_MS} ms`, fault: { hang: true }, code: 'timeout', retryable: true },
];

describe.each<AdapterKind>(['express', 'fastify'])('every AccessContext error says whether it is retryable (%s)', (adapter) => {
  let zone: LocalZone;
  let app: GrantApp;

  const mint = (sub = 'rita') => zone.mintAccessToken({ sub, resource: MCP_RESOURCE });

  beforeAll(async () => {
    zone = await LocalZone.start();
    app = await startGrantApp(
      { zoneUrl: zone.zoneUrl, applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), zoneTimeoutMs: ZONE_TIMEOUT_MS },
      adapter,
    );
  });

  afterEach(() => {
    zone.clearFaults();
    zone.clearRecords();
  });

  afterAll(async () => {
    zone?.clearFaults();
    await app?.close();
    await zone?.stop();
  });

  it.each(cases)('$name → $code, retryable $retryable', async ({ fault, code, retryable }) => {
    // A new subject per case: nothing cached from an earlier case can answer.
    const subject = await mint(`user-${code}-${String(retryable)}`);
    expect((await app.get('/grant/whoami', subject)).status).toBe(200);
    zone.setFault('token', fault);

    const { status, body } = await app.get('/grant/one', subject);

    expect(status).toBe(200);
    expect(body.status).toBe('error');
    expect(body.resources[API]?.resourceError).toMatchObject({ message: `Token exchange failed for ${API}`, code, retryable });
    expect(body.errors.resources[API]?.retryable).toBe(retryable);
    // The error access() throws carries the same entry.
    expect(body.resources[API]?.accessError?.error).toMatchObject({ code, retryable });
  });

  it('a real refusal by the zone: an unknown client secret → invalid_client, permanent', async () => {
    const wrong = await startGrantApp({ zoneUrl: zone.zoneUrl, applicationCredential: new ClientSecret(DEMO_CLIENT_ID, 'not-the-secret') }, adapter);
    try {
      const { body } = await wrong.get('/grant/one', await mint());
      expect(body.resources[API]?.resourceError).toMatchObject({ code: 'invalid_client', retryable: false });
    } finally {
      await wrong.close();
    }
  });

  it('a real refusal by the zone: a subject token it did not sign → invalid_grant, permanent', async () => {
    // The upstream route admits any bearer token, so the zone is the one to judge it.
    const forged = `${(await mint()).split('.').slice(0, 2).join('.')}.c2lnbmF0dXJl`;
    const { body } = await app.get('/upstream/one', forged);
    expect(body.resources[API]?.resourceError).toMatchObject({ code: 'invalid_grant', retryable: false });
  });

  it('global errors: zone metadata unreachable is retryable; no bearer token is not', async () => {
    // A fresh app: its interceptor is the first to need the zone's metadata.
    const fresh = await startGrantApp(
      { zoneUrl: zone.zoneUrl, applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), zoneTimeoutMs: ZONE_TIMEOUT_MS },
      adapter,
    );
    try {
      zone.setFault('discovery', { down: true });
      const unreachable = await fresh.get('/upstream/one', await mint());
      expect(unreachable.body.error).toMatchObject({ code: 'temporarily_unavailable', retryable: true });

      const anonymous = await fresh.get('/upstream/one');
      expect(anonymous.body.error).toMatchObject({ message: 'no authentication token available', retryable: false });
    } finally {
      zone.clearFaults();
      await fresh.close();
    }
  });
});
