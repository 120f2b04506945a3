import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWKS_REQUESTS_PER_MINUTE } from '../../src/auth/jwks-key-store.js';
import { LocalZone } from '../../src/local-zone/index.js';
import { ecTokenWithZoneKid, foreignKeyWithZoneKid, hmacWithZonePublicKey, unsignedToken } from '../auth/fixtures/tokens.js';
import { ADAPTERS, startApp, type RunningApp } from '../auth/fixtures/start-app.js';
import { hostileAuthorization, rawHeaderBytes, type HostileContext } from './fixtures/hostile-authorization.js';
import { KeepAliveClient, rawAuthorizationRequest, type Outcome } from './fixtures/keep-alive-client.js';
import { leakedSecrets, LogTap, verboseLogger } from './fixtures/log-tap.js';
import { RESOURCE, ReliabilityAppModule } from './fixtures/reliability-app.js';

/** `startApp` lets request headers grow to 64 KB (Node's default is 16 KB). */
const SERVER_MAX_HEADER_BYTES = 64 * 1024;
/** Values per fast-check run, sent concurrently over the keep-alive agent. */
const BATCH = 16;
/** 320 runs × 16 values = 5,120 hostile values per adapter, plus the raw-byte and signed ones. */
const RUNS = 320;

/** Whether the request's headers pass the server's limit (Authorization lines plus the rest, roughly). */
function isOverLimit(value: string | string[]): boolean {
  const headerBytes = [value].flat().reduce((sum, line) => sum + Buffer.byteLength(line, 'latin1') + 17, 0);
  return headerBytes > SERVER_MAX_HEADER_BYTES - 512;
}

/**
 * The guard's answer to a value that is not a valid token: 401 (with a Bearer challenge),
 * 400 for what the HTTP server itself cannot parse, 403 never expected but allowed; for a
 * header over the server's limit, 431 from Node (400 from Fastify's client-error handler) or
 * the connection reset that comes with it. Never 2xx, never 5xx.
 */
function expectRefused(value: string | string[], outcome: Outcome): void {
  const described = `${JSON.stringify(value).slice(0, 200)} → ${JSON.stringify({ status: outcome.status, error: outcome.error })}`;
  expect(outcome.refused, `the client could not send ${described}`).toBeFalsy();
  const overLimit = isOverLimit(value);
  if (outcome.error !== undefined) {
    expect(overLimit && ['ECONNRESET', 'EPIPE'].includes(outcome.error), described).toBe(true);
    return;
  }
  if (outcome.status === 431) {
    expect(overLimit, described).toBe(true);
    return;
  }
  expect([400, 401, 403], described).toContain(outcome.status);
  if (outcome.status === 401) expect(String(outcome.headers?.['www-authenticate']), described).toMatch(/^Bearer resource_metadata="/);
}

describe.each(ADAPTERS)('hostile Authorization headers (%s)', (adapter) => {
  const tap = new LogTap();
  /** Everything sent, for the log check at the end. */
  const sent = new Set<string>();
  const statuses = new Map<string, number>();
  let zone: LocalZone;
  let running: RunningApp;
  let client: KeepAliveClient;
  let context: HostileContext;

  beforeAll(async () => {
    zone = await LocalZone.start();
    tap.install();
    running = await startApp(adapter, ReliabilityAppModule.forRoot({ zoneUrl: zone.zoneUrl }), { logger: verboseLogger() });
    client = new KeepAliveClient(running.url, BATCH);
    context = {
      validToken: await zone.mintAccessToken({ resource: RESOURCE }),
      zoneKids: [zone.currentKid],
      forged: await Promise.all([
        unsignedToken(zone, RESOURCE),
        hmacWithZonePublicKey(zone, RESOURCE),
        foreignKeyWithZoneKid(zone, RESOURCE),
        ecTokenWithZoneKid(zone, RESOURCE),
      ]),
    };
    for (const token of [context.validToken, ...context.forged]) sent.add(token);
  });

  afterAll(async () => {
    client?.close();
    await running?.app.close();
    await zone?.stop();
    tap.uninstall();
  });

  async function send(authorization: string | string[]): Promise<Outcome> {
    for (const line of [authorization].flat()) sent.add(line);
    const outcome = await client.get('/mcp', { authorization }, { fresh: isOverLimit(authorization) });
    const key = outcome.status === 401 ? `401 ${/error="/.test(String(outcome.headers?.['www-authenticate'])) ? 'invalid_token' : 'no error code'}` : String(outcome.status ?? outcome.error);
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    return outcome;
  }

  /** The app still admits a valid token (it is up and its state is sound). */
  async function expectStillServing(): Promise<void> {
    const outcome = await client.get('/mcp', { authorization: `Bearer ${context.validToken}` });
    expect(outcome.status).toBe(200);
    expect(JSON.parse(outcome.body ?? '{}')).toEqual({ sub: zone.user.sub });
  }

  it(`refuses ${BATCH * RUNS} generated values (random bytes, huge, Unicode, nested base64, fuzzed JOSE header and claims, mutated tokens) without 2xx or 5xx`, async () => {
    await expectStillServing();
    await fc.assert(
      fc.asyncProperty(fc.array(hostileAuthorization(context), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const outcomes = await Promise.all(batch.map(send));
        outcomes.forEach((outcome, index) => expectRefused(batch[index]!, outcome));
      }),
      { numRuns: RUNS },
    );
    await expectStillServing();
    // The run reached the guard's token checks, not only its header parsing.
    expect(statuses.get('401 invalid_token') ?? 0).toBeGreaterThan((BATCH * RUNS) / 3);
    expect(statuses.get('401 no error code') ?? 0).toBeGreaterThan(0);
  }, 180_000);

  it('refuses raw header bytes (control characters, CR/LF, NUL) that no HTTP client library writes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rawHeaderBytes, { minLength: 10, maxLength: 10 }), async (batch) => {
        const outcomes = await Promise.all(batch.map((bytes) => rawAuthorizationRequest(running.url, '/mcp', bytes)));
        outcomes.forEach((outcome, index) => {
          const described = `${batch[index]!.toString('hex')} → ${JSON.stringify(outcome)}`;
          expect(outcome.error, described).toBeUndefined();
          expect([400, 401, 403], described).toContain(outcome.status);
        });
      }),
      { numRuns: 30 },
    );
    await expectStillServing();
  }, 120_000);

  it('refuses zone-signed tokens whose claims or header are fuzzed and broken', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Each breaker alone makes a token invalid; it is applied after the fuzz, so it always holds.
    const breakers: { claims?: Record<string, unknown>; header?: Record<string, unknown> }[] = [
      { claims: { iss: 'https://evil.example' } },
      { claims: { iss: undefined } },
      { claims: { aud: 'https://other.example/mcp' } },
      { claims: { aud: undefined } },
      { claims: { aud: zone.zoneUrl, resource: 'https://other.example/mcp' } },
      { claims: { exp: now - 3600 } },
      { claims: { exp: String(now + 3600) } },
      { claims: { exp: undefined } },
      { claims: { exp: null } },
      { claims: { sub: '' } },
      { claims: { sub: 42 } },
      { claims: { sub: undefined } },
      { claims: { nbf: now + 3600 } },
      { claims: { nbf: 'soon' } },
      { claims: { iat: now + 3600 } },
      { header: { kid: `unknown-${randomBytes(4).toString('hex')}` } },
      { header: { kid: 42 } },
      { header: { crit: ['exp'] } },
    ];
    const fuzzedClaims = fc.dictionary(
      fc.constantFrom('iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'scope', 'scp', 'resource', 'client_id', 'azp', 'jti', 'act', 'may_act'),
      fc.jsonValue(),
      { maxKeys: 5 },
    );
    const fuzzedHeader = fc.record({ typ: fc.jsonValue(), cty: fc.jsonValue(), jku: fc.webUrl(), x5u: fc.webUrl() }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fuzzedClaims, fuzzedHeader, fc.constantFrom(...breakers)), { minLength: 10, maxLength: 10 }),
        async (batch) => {
          const tokens = await Promise.all(
            batch.map(([claims, header, breaker]) =>
              zone.mintAccessToken({ resource: RESOURCE, claims: { ...claims, ...breaker.claims }, header: { ...header, ...breaker.header } }),
            ),
          );
          const outcomes = await Promise.all(tokens.map((token) => send(`Bearer ${token}`)));
          outcomes.forEach((outcome, index) => {
            expect(outcome.status, JSON.stringify(batch[index])).toBe(401);
            expect(String(outcome.headers?.['www-authenticate'])).toContain('error="invalid_token"');
          });
        },
      ),
      { numRuns: 30 },
    );
    await expectStillServing();
  }, 120_000);

  it(`answers a flood of unknown kids with 401 and at most ${JWKS_REQUESTS_PER_MINUTE} JWKS fetches a minute`, async () => {
    const header = (kid: string): string => Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid })).toString('base64url');
    const claims = Buffer.from(JSON.stringify({ iss: zone.zoneUrl, sub: 'x', aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    const flood = Array.from({ length: 1000 }, () => `Bearer ${header(randomBytes(8).toString('hex'))}.${claims}.${randomBytes(256).toString('base64url')}`);
    const fetchesBefore = zone.requestCounts.jwks;
    const startedAt = Date.now();
    const outcomes = await client.all(flood, send);
    const minutes = Math.ceil((Date.now() - startedAt) / 60_000);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe(401);
      expect(String(outcome.headers?.['www-authenticate'])).toContain('the token is signed with a key the authorization server does not publish');
    }
    expect(zone.requestCounts.jwks - fetchesBefore).toBeLessThanOrEqual(JWKS_REQUESTS_PER_MINUTE * minutes);
    await expectStillServing();
  }, 120_000);

  it('wrote no token or Authorization value to any log line', () => {
    // The rejections were logged (warn, with reasons)...
    expect(tap.linesWith('Rejected a bearer token').length).toBeGreaterThan(1000);
    // ...and nothing sent, nor any segment of a token, appears in the output.
    expect(leakedSecrets(tap.text, sent, 16)).toEqual([]);
  }, 60_000);
});
