import { Controller, Post, Req, UseGuards } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeycardAuthGuard } from '../../src/auth/keycard-auth.guard.js';
import type { KeycardAuthInfo, KeycardUser } from '../../src/auth/keycard-user.interface.js';
import { JWKS_MAX_AGE_MS } from '../../src/auth/jwks-key-store.js';
import { KeycardJwtStrategy } from '../../src/auth/keycard-jwt.strategy.js';
import { KeycardTokenVerifier } from '../../src/auth/keycard-token.verifier.js';
import { VerifiedTokenCache } from '../../src/auth/verified-token-cache.js';
import { LocalZone } from '../../src/local-zone/index.js';
import { AuthFixtureModule, RESOURCE } from './fixtures/auth-fixture.module.js';
import { bearer } from './fixtures/rejections.js';
import { ADAPTERS, startApp, type RunningApp } from './fixtures/start-app.js';

/** The guard remembers verified signatures (VerifiedTokenCache); everything else is checked on every request. */
describe.each(ADAPTERS)('verified-token cache of KeycardAuthGuard (%s)', (adapter) => {
  let zone: LocalZone;
  let running: RunningApp;
  let signatureChecks: ReturnType<typeof vi.spyOn>;

  beforeEach(async () => {
    zone = await LocalZone.start();
    running = await startApp(adapter, AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl }));
    // passport-jwt calls validate() only after jsonwebtoken accepted the signature.
    signatureChecks = vi.spyOn(KeycardJwtStrategy.prototype, 'validate');
  });

  afterEach(async () => {
    vi.useRealTimers();
    signatureChecks.mockRestore();
    await running?.app.close();
    await zone?.stop();
  });

  async function post(token: string, path = '/mcp'): Promise<Response> {
    const response = await fetch(`${running.url}${path}`, { method: 'POST', headers: { authorization: bearer(token) } });
    await response.arrayBuffer();
    return response;
  }

  function cache(): VerifiedTokenCache {
    return running.app.get(VerifiedTokenCache, { strict: false });
  }

  it('checks a token signature once and admits the token again without checking it', async () => {
    const token = await zone.mintAccessToken({ resource: RESOURCE });
    expect((await post(token)).status).toBe(201);
    expect(cache().get(token)?.keyPem).toContain('BEGIN PUBLIC KEY');
    expect((await post(token)).status).toBe(201);
    expect((await post(token)).status).toBe(201);
    expect(signatureChecks).toHaveBeenCalledTimes(1);
    expect(cache().size).toBe(1);
  });

  it('admits a remembered token without any key lookup while its key set is fresh, and verifies it in full again once the set is too old', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const keyLookups = vi.spyOn(KeycardTokenVerifier.prototype, 'getSigningKey');
    try {
      const token = await zone.mintAccessToken({ resource: RESOURCE });
      expect((await post(token)).status).toBe(201);
      expect(keyLookups).toHaveBeenCalledTimes(1);
      expect((await post(token)).status).toBe(201);
      expect((await post(token)).status).toBe(201);
      expect(keyLookups).toHaveBeenCalledTimes(1);
      expect(signatureChecks).toHaveBeenCalledTimes(1);

      vi.setSystemTime(Date.now() + JWKS_MAX_AGE_MS + 1000);
      expect((await post(token)).status).toBe(201);
      expect(keyLookups).toHaveBeenCalledTimes(2);
      expect(signatureChecks).toHaveBeenCalledTimes(2);
      expect((await post(token)).status).toBe(201);
      expect(signatureChecks).toHaveBeenCalledTimes(2);
    } finally {
      keyLookups.mockRestore();
    }
  });

  it('still enforces the route scopes for a remembered token', async () => {
    const token = await zone.mintAccessToken({ resource: RESOURCE, scope: 'mcp:tools' });
    expect((await post(token)).status).toBe(201);
    const refused = await post(token, '/mcp/notes');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(signatureChecks).toHaveBeenCalledTimes(1);
  });

  it('never admits a remembered token from the cache at or past its exp, and refuses it once expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const token = await zone.mintAccessToken({ resource: RESOURCE, expiresIn: 60 });
    expect((await post(token)).status).toBe(201);
    expect(signatureChecks).toHaveBeenCalledTimes(1);

    // 2 s past exp, inside the 5 s clock tolerance: admitted, but by a full verification.
    vi.setSystemTime(Date.now() + 62_000);
    expect((await post(token)).status).toBe(201);
    expect(signatureChecks).toHaveBeenCalledTimes(2);

    // Past the tolerance too: refused.
    vi.setSystemTime(Date.now() + 10_000);
    const expired = await post(token);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('error_description="the token has expired"');
  });

  it('stops admitting a remembered token once the zone drops its signing key and the key set is refetched', async () => {
    const old = await zone.mintAccessToken({ resource: RESOURCE });
    expect((await post(old)).status).toBe(201);
    expect(cache().get(old)).toBeDefined();

    await zone.rotateKeys({ keepOld: false });
    const fresh = await zone.mintAccessToken({ resource: RESOURCE });
    expect((await post(fresh)).status).toBe(201); // unknown kid: the key set is refetched
    const refused = await post(old);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('the token is signed with a key the authorization server does not publish');
    expect(cache().get(old)).toBeUndefined();
  });

  it('notices a dropped key without any new token once its key set reaches the maximum age (no longer than without the cache)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const old = await zone.mintAccessToken({ resource: RESOURCE });
    expect((await post(old)).status).toBe(201);
    await zone.rotateKeys({ keepOld: false });

    // Within the key set's maximum age the key store (with or without this cache) still trusts it.
    vi.setSystemTime(Date.now() + JWKS_MAX_AGE_MS - 60_000);
    expect((await post(old)).status).toBe(201);

    const jwksFetches = zone.requestCounts.jwks;
    vi.setSystemTime(Date.now() + 120_000);
    expect((await post(old)).status).toBe(401);
    expect(zone.requestCounts.jwks).toBeGreaterThan(jwksFetches);
  });
});

/** A second MCP endpoint, `/other`, next to `/mcp`. */
@Controller('other')
@UseGuards(KeycardAuthGuard)
class OtherEndpointController {
  @Post()
  post(@Req() req: { user: KeycardUser; auth: KeycardAuthInfo }): { resource: string; authResource: string } {
    return { resource: req.user.resource, authResource: req.auth.resource!.href };
  }
}

describe.each(ADAPTERS)('verified-token cache and per-endpoint audiences (%s)', (adapter) => {
  let zone: LocalZone;
  let running: RunningApp;

  beforeEach(async () => {
    zone = await LocalZone.start();
    running = await startApp(
      adapter,
      AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl, mcpPath: ['mcp', 'other'], controllers: [OtherEndpointController] }),
    );
  });

  afterEach(async () => {
    await running?.app.close();
    await zone?.stop();
  });

  async function post(token: string, path: string): Promise<{ status: number; challenge: string | null; body: string }> {
    const response = await fetch(`${running.url}${path}`, { method: 'POST', headers: { authorization: bearer(token) } });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() };
  }

  it('answers a token remembered at /mcp at /other exactly as a full verification at /other does (one audience rule for both paths)', async () => {
    const fullOnly = await zone.mintAccessToken({ sub: 'full', resource: RESOURCE });
    const remembered = await zone.mintAccessToken({ sub: 'remembered', resource: RESOURCE });
    const full = await post(fullOnly, '/other');
    expect((await post(remembered, '/mcp')).status).toBe(201);
    expect(running.app.get(VerifiedTokenCache, { strict: false }).get(remembered)).toBeDefined();
    const ruleChecks = vi.spyOn(KeycardTokenVerifier.prototype, 'createUser');
    const hit = await post(remembered, '/other');
    expect(ruleChecks).toHaveBeenCalled(); // the claim checks (the endpoint's audience rule) ran for /other
    ruleChecks.mockRestore();
    expect({ status: hit.status, challenge: hit.challenge, body: hit.body }).toEqual({ status: full.status, challenge: full.challenge, body: full.body });
  });
});
