import { ClientSecret } from 'nestjs-keycard';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone, type LocalZoneFault } from 'nestjs-keycard/local-zone';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGrantApp, type GrantApp } from './fixtures/grant-fixture.module.js';
import { API, MCP_RESOURCE } from './fixtures/resources.js';

/** Small, so that a hanging zone is given up on quickly. */
const ZONE_TIMEOUT_MS = 300;

const credential = () => new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);

describe('zone failures during @Grant (Express)', () => {
  let zone: LocalZone;
  let app: GrantApp | undefined;

  const mint = (sub = 'kim') => zone.mintAccessToken({ sub, resource: MCP_RESOURCE });

  beforeAll(async () => {
    zone = await LocalZone.start();
  });

  afterEach(async () => {
    // Faults first: a hanging request proceeds, then the app closes.
    zone.clearFaults();
    await app?.close();
    app = undefined;
    zone.clearRecords();
  });

  afterAll(async () => {
    await zone?.stop();
  });

  describe('token endpoint failing: a resource error, the handler runs, 200', () => {
    const cases: { name: string; fault: LocalZoneFault; code: string; description: RegExp }[] = [
      { name: 'connection cut (down)', fault: { down: true }, code: 'network_error', description: /./ },
      {
        name: 'HTTP 500 with an OAuth error',
        fault: { failWith: { status: 500, body: { error: 'server_error', error_description: 'database on fire' } } },
        code: 'server_error',
        description: /^database on fire$/,
      },
      {
        name: 'HTTP 502 without an OAuth error',
        fault: { failWith: { status: 502, body: {} } },
        code: 'server_error',
        description: /HTTP 502/,
      },
      {
        name: 'HTTP 200 with an HTML page',
        fault: { failWith: { status: 200, body: '<html><body>Sign in</body></html>', contentType: 'text/html; charset=utf-8' } },
        code: 'invalid_response',
        description: /HTTP 200 with content type "text\/html/,
      },
      { name: `no answer within zoneTimeoutMs (${ZONE_TIMEOUT_MS} ms, hang)`, fault: { hang: true }, code: 'timeout', description: /300 ms/ },
    ];

    it.each(cases)('$name → $code, not cached: the next call exchanges again', async ({ fault, code, description }) => {
      app = await startGrantApp({ zoneUrl: zone.zoneUrl, applicationCredential: credential(), zoneTimeoutMs: ZONE_TIMEOUT_MS });
      const subject = await mint();
      expect((await app.get('/grant/whoami', subject)).status).toBe(200);
      zone.setFault('token', fault);

      const failed = await app.get('/grant/one', subject);

      expect(failed.status).toBe(200);
      expect(failed.body).toMatchObject({ status: 'error', hasErrors: true, hasError: false, successful: [], failed: [API] });
      const error = failed.body.resources[API]?.resourceError;
      expect(error).toMatchObject({ message: `Token exchange failed for ${API}`, code });
      expect(error?.description).toMatch(description);
      expect(failed.body.resources[API]?.accessError).toMatchObject({ errorType: 'resource_error', error });
      expect(JSON.stringify(failed.body)).not.toContain(subject);
      expect(zone.exchangeRequests).toHaveLength(1);

      zone.clearFaults();
      const recovered = await app.get('/grant/one', subject);

      expect(recovered.body.status).toBe('success');
      expect(recovered.body.resources[API]?.token).toMatchObject({ aud: API, sub: 'kim' });
      expect(zone.exchangeRequests).toHaveLength(2);
    });
  });

  it('keeps the caller’s token and the client secret out of the error, even when the zone echoes them', async () => {
    app = await startGrantApp({ zoneUrl: zone.zoneUrl, applicationCredential: credential(), zoneTimeoutMs: ZONE_TIMEOUT_MS });
    const subject = await mint();
    expect((await app.get('/grant/whoami', subject)).status).toBe(200);
    zone.setFault('token', {
      failWith: { status: 400, body: { error: 'invalid_grant', error_description: `subject ${subject} refused for ${DEMO_CLIENT_SECRET}` } },
    });

    const { status, body } = await app.get('/grant/one', subject);

    expect(status).toBe(200);
    expect(body.resources[API]?.resourceError).toEqual({
      message: `Token exchange failed for ${API}`,
      code: 'invalid_grant',
      description: 'subject [redacted] refused for [redacted]',
      retryable: false,
    });
    expect(body.resources[API]?.accessError?.message).toContain('subject [redacted] refused for [redacted]');
    const text = JSON.stringify(body);
    expect(text).not.toContain(subject);
    expect(text).not.toContain(DEMO_CLIENT_SECRET);
  });

  describe('metadata unreachable: a global error, the handler runs, 200', () => {
    const faults: LocalZoneFault[] = [
      { down: true },
      { failWith: { status: 500, body: { error: 'server_error' } } },
      { failWith: { status: 200, body: '<html>maintenance</html>', contentType: 'text/html' } },
      { hang: true },
    ];

    it('when the interceptor is the first to need the metadata (an app authenticating callers itself)', async () => {
      app = await startGrantApp({ zoneUrl: zone.zoneUrl, applicationCredential: credential(), zoneTimeoutMs: ZONE_TIMEOUT_MS });
      const subject = await mint();

      for (const fault of faults) {
        zone.setFault('discovery', fault);
        const { status, body } = await app.get('/upstream/one', subject);

        expect(status).toBe(200);
        expect(body).toMatchObject({
          status: 'error',
          hasError: true,
          error: { message: 'the authorization server is unreachable', code: 'temporarily_unavailable' },
          successful: [],
          failed: [],
        });
        expect(body.error?.description).toContain(zone.zoneUrl);
        expect(body.resources[API]?.accessError).toMatchObject({ errorType: 'global_error', error: body.error });
        expect(JSON.stringify(body)).not.toContain(subject);
        zone.clearFaults();
      }
      expect(zone.requestCounts.discovery).toBeGreaterThanOrEqual(faults.length);
      expect(zone.requestCounts.token).toBe(0);

      // The zone is back: the next call discovers it and exchanges.
      const recovered = await app.get('/upstream/one', subject);
      expect(recovered.body.status).toBe('success');
      expect(recovered.body.resources[API]?.token).toMatchObject({ aud: API, sub: 'kim', isInboundToken: false });
    });

    it('behind KeycardAuthGuard: the guard answers 503 before any exchange; once it has the metadata, a discovery outage does not stop exchanges', async () => {
      app = await startGrantApp({ zoneUrl: zone.zoneUrl, applicationCredential: credential(), zoneTimeoutMs: ZONE_TIMEOUT_MS });
      zone.setFault('discovery', { down: true });
      expect((await app.get('/grant/one', await mint())).status).toBe(503);
      expect(zone.requestCounts.token).toBe(0);

      zone.clearFaults();
      expect((await app.get('/grant/whoami', await mint())).status).toBe(200);
      zone.setFault('discovery', { down: true });
      const { status, body } = await app.get('/grant/one', await mint());
      expect(status).toBe(200);
      expect(body.status).toBe('success');
    });
  });
});
