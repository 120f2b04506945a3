import { setTimeout as sleep } from 'node:timers/promises';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { KeycardCredentialError, KeycardModule, RedisKeyStorage, WebIdentity, type KeycardConfig } from 'nestjs-keycard';
import { WebIdentityKeyRefresher } from '../../src/well-known/web-identity-key-refresher.js';
import { unusedPort } from '../grant/fake-token-endpoint.js';
import { RedisTestServer } from './redis-server.js';

const TOKEN_ENDPOINT = 'https://zone.example.com/oauth/token';
const env = () => undefined;

function verifyWith(jwks: { keys: readonly Record<string, unknown>[] }, assertion: string) {
  return jwtVerify(assertion, createLocalJWKSet({ keys: [...jwks.keys] as never }), { audience: TOKEN_ENDPOINT, algorithms: ['RS256'] });
}

describe('RedisKeyStorage (one WebIdentity key for every replica)', () => {
  let redis: RedisTestServer;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  beforeEach(async () => {
    await redis.command(['FLUSHALL']);
  });

  async function replica(options: { refreshIntervalMs?: number } = {}): Promise<WebIdentity> {
    const credential = new WebIdentity({ serverName: 'Shared Server', keyStorage: new RedisKeyStorage({ url: redis.url, ...options }) });
    await credential.initialize(env);
    return credential;
  }

  it('five replicas booting at once end with one key: same kid, same JWKS, one record in Redis', async () => {
    const replicas = await Promise.all(Array.from({ length: 5 }, () => replica()));
    const kids = new Set(replicas.map((r) => r.signingKeyId));
    expect(kids.size).toBe(1);
    for (const r of replicas) expect(r.getPublicJwks()).toEqual(replicas[0]?.getPublicJwks());
    const assertion = (replicas[3] as WebIdentity).createClientAssertion(TOKEN_ENDPOINT);
    await expect(verifyWith((replicas[1] as WebIdentity).getPublicJwks(), assertion)).resolves.toBeDefined();
    const stored = (await redis.dumpAll()).filter((entry) => entry.key.startsWith('keycard:web-identity:'));
    expect(stored.map((entry) => entry.key)).toEqual(['keycard:web-identity:Shared_Server']);
    expect((JSON.parse(stored[0]?.value ?? '{}') as { keys: unknown[] }).keys).toHaveLength(1);
  });

  it('rotation: the new key is published first, signs after the propagation time, and the old one stays published for the grace period', async () => {
    const a = await replica();
    const b = await replica();
    const oldKid = a.signingKeyId;
    const newKid = await new RedisKeyStorage({ url: redis.url }).rotate(a.keyId, { propagationMs: 1500, graceMs: 2000 });
    await a.refreshKeys();
    expect(a.signingKeyId).toBe(oldKid);
    expect(a.getPublicJwks().keys.map((key) => key.kid)).toEqual([oldKid, newKid]);
    // b has not read the keys again yet: what a signs now still verifies against b's JWKS.
    await expect(verifyWith(b.getPublicJwks(), a.createClientAssertion(TOKEN_ENDPOINT))).resolves.toBeDefined();

    await sleep(1600);
    await a.refreshKeys();
    expect(a.signingKeyId).toBe(newKid);
    // b read the keys during the propagation time (as its refresh interval guarantees): it publishes the new key.
    await expect(verifyWith(b.getPublicJwks(), a.createClientAssertion(TOKEN_ENDPOINT))).rejects.toThrow();
    await b.refreshKeys();
    await expect(verifyWith(b.getPublicJwks(), a.createClientAssertion(TOKEN_ENDPOINT))).resolves.toBeDefined();
    expect(b.getPublicJwks().keys.map((key) => key.kid).sort()).toEqual([oldKid, newKid].sort());

    await sleep(2000);
    await b.refreshKeys();
    expect(b.getPublicJwks().keys.map((key) => key.kid)).toEqual([newKid]);
  });

  it('a KeycardModule app follows a rotation made elsewhere: it publishes the new key, then signs with it', async () => {
    const credential = new WebIdentity({ serverName: 'Shared Server', keyStorage: new RedisKeyStorage({ url: redis.url, refreshIntervalMs: 100 }) });
    const moduleRef = await Test.createTestingModule({
      imports: [KeycardModule.forRoot({ zoneId: 'abc', mcpBaseUrl: 'http://localhost:1', applicationCredential: credential })],
    }).compile();
    await moduleRef.init();
    try {
      const oldKid = credential.signingKeyId;
      const newKid = await new RedisKeyStorage({ url: redis.url }).rotate(credential.keyId, { propagationMs: 1000, graceMs: 60_000 });
      const published = () => credential.getPublicJwks().keys.map((key) => key.kid);
      await until(() => published().includes(newKid));
      expect(credential.signingKeyId).toBe(oldKid);
      await until(() => credential.signingKeyId === newKid);
      expect(published()).toContain(oldKid);
    } finally {
      await moduleRef.close();
    }
  });

  it('fails the boot, saying what to do, when Redis cannot be reached', async () => {
    const credential = new WebIdentity({
      serverName: 'Shared Server',
      keyStorage: new RedisKeyStorage({ url: `redis://127.0.0.1:${await unusedPort()}`, connectTimeoutMs: 200 }),
    });
    const failure = credential.initialize(env);
    await expect(failure).rejects.toThrow(KeycardCredentialError);
    await expect(failure).rejects.toThrow(/start Redis/u);
  });

  it('a failed re-read keeps the keys in use', async () => {
    const a = await replica();
    const kid = a.signingKeyId;
    const warnings = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const refresher = new WebIdentityKeyRefresher({ credential: a } as unknown as KeycardConfig);
    await redis.kill();
    try {
      await expect(a.refreshKeys()).rejects.toThrow(KeycardCredentialError);
      expect(a.signingKeyId).toBe(kid);
      expect(a.getPublicJwks().keys).toHaveLength(1);
      // The app's background refresh says so once per outage, not once per attempt.
      await refresher.refresh(a);
      await refresher.refresh(a);
      await refresher.refresh(a);
      expect(warnings.mock.calls.filter(([message]) => String(message).includes('Cannot read the WebIdentity keys'))).toHaveLength(1);
      expect(a.signingKeyId).toBe(kid);
    } finally {
      warnings.mockRestore();
      await redis.restart();
    }
  });
});

/** Waits (up to 10 s) until `condition` holds; the background refresh runs every 100 ms. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition did not hold within 10 s');
    await sleep(50);
  }
}
