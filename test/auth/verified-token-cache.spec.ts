import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KeycardUser } from '../../src/auth/keycard-user.interface.js';
import { VerifiedTokenCache, verifiedTokenKid, type SigningKeySource } from '../../src/auth/verified-token-cache.js';
import { KeycardConfigurationError } from '../../src/errors/keycard.error.js';

const START_MS = 1_800_000_000_000;
const EXP = START_MS / 1000 + 60;

function clock(): { now: () => number; advance: (ms: number) => void } {
  let now = START_MS;
  return { now: () => now, advance: (ms) => (now += ms) };
}

/** A key set with one key per kid; `publish`/`drop` change it. */
function keySet(initial: Record<string, string> = { k1: 'PEM-1', k2: 'PEM-2' }): SigningKeySource & { drop(kid: string): void; publish(kid: string, pem: string): void } {
  const keys = new Map(Object.entries(initial));
  return {
    peekKey: (kid) => (kid === undefined ? undefined : keys.has(kid) ? { pem: keys.get(kid)! } : undefined),
    drop: (kid) => keys.delete(kid),
    publish: (kid, pem) => keys.set(kid, pem),
  };
}

function userOf(token: string, exp: unknown = EXP, sub = `sub-of-${token}`): KeycardUser {
  return { sub, clientId: 'client', scopes: ['a', 'b'], claims: { iss: 'https://zone', sub, exp: exp as number }, token, expiresAt: exp as number, resource: 'https://mcp.example/mcp' };
}

const K1 = { kid: 'k1', keyPem: 'PEM-1' };

describe('VerifiedTokenCache', () => {
  it('keys entries by the SHA-256 of the token, so the token itself is not kept', () => {
    const token = 'header.payload.signature';
    expect(VerifiedTokenCache.keyOf(token)).toBe(createHash('sha256').update(token).digest('base64url'));
    const cache = new VerifiedTokenCache({ keys: keySet() });
    cache.set(token, userOf(token, EXP, 'alice'), K1);
    const held = [...(cache as unknown as { entries: Map<string, unknown> }).entries.entries()];
    expect(held.map(([key]) => key)).toEqual([VerifiedTokenCache.keyOf(token)]);
    expect(JSON.stringify(held)).not.toContain(token);
  });

  it('remembers the user full verification built, per token, frozen and without its token', () => {
    const cache = new VerifiedTokenCache({ keys: keySet() });
    cache.set('a.b.c', userOf('a.b.c'), K1);
    cache.set('d.e.f', userOf('d.e.f'), { kid: 'k2', keyPem: 'PEM-2' });
    const hit = cache.get('a.b.c')!;
    expect(hit.user).toEqual({ sub: 'sub-of-a.b.c', clientId: 'client', scopes: ['a', 'b'], claims: { iss: 'https://zone', sub: 'sub-of-a.b.c', exp: EXP }, expiresAt: EXP, resource: 'https://mcp.example/mcp' });
    expect(hit.extra).toEqual({ sub: 'sub-of-a.b.c', claims: hit.user.claims });
    expect(Object.isFrozen(hit.user) && Object.isFrozen(hit.user.claims) && Object.isFrozen(hit.user.scopes) && Object.isFrozen(hit.extra)).toBe(true);
    expect(cache.get('d.e.f')?.user.sub).toBe('sub-of-d.e.f');
    expect(cache.get('a.b.x')).toBeUndefined();
    cache.delete('a.b.c');
    expect(cache.get('a.b.c')).toBeUndefined();
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('never serves an entry at or after the token exp', () => {
    const time = clock();
    const cache = new VerifiedTokenCache({ keys: keySet(), now: time.now });
    cache.set('a.b.c', userOf('a.b.c'), K1);
    time.advance(59_999);
    expect(cache.get('a.b.c')).toBeDefined();
    time.advance(1);
    expect(cache.get('a.b.c')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('serves an entry only while the key it verified with is still published with the same PEM', () => {
    const keys = keySet();
    const cache = new VerifiedTokenCache({ keys, now: clock().now });
    cache.set('a.b.c', userOf('a.b.c'), K1);
    cache.set('d.e.f', userOf('d.e.f'), K1);
    expect(cache.get('a.b.c')).toBeDefined();
    keys.publish('k1', 'ANOTHER-PEM');
    expect(cache.get('a.b.c')).toBeUndefined();
    keys.drop('k1');
    expect(cache.get('d.e.f')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it.each([
    ['no exp', undefined],
    ['a string exp', String(EXP)],
    ['a non-finite exp', Number.POSITIVE_INFINITY],
    ['an exp in the past', START_MS / 1000 - 1],
    ['an exp of now', START_MS / 1000],
  ])('stores nothing for a token with %s', (_name, exp) => {
    const cache = new VerifiedTokenCache({ keys: keySet(), now: clock().now });
    cache.set('a.b.c', { ...userOf('a.b.c'), expiresAt: exp as number }, K1);
    expect(cache.get('a.b.c')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('is bounded: the least recently used token goes first, a read counts as a use', () => {
    const cache = new VerifiedTokenCache({ keys: keySet(), maxEntries: 2, now: clock().now, random: () => 0 });
    cache.set('t1', userOf('t1'), K1);
    cache.set('t2', userOf('t2'), K1);
    expect(cache.get('t1')).toBeDefined();
    cache.set('t3', userOf('t3'), K1);
    expect(cache.size).toBe(2);
    expect([cache.get('t1'), cache.get('t2'), cache.get('t3')].map((hit) => hit?.user.sub)).toEqual(['sub-of-t1', undefined, 'sub-of-t3']);
    for (let i = 0; i < 1000; i++) cache.set(`many-${i}`, userOf(`many-${i}`), K1);
    expect(cache.size).toBe(2);
  });

  it('when full, admits one new token in eight: more distinct tokens than room do not replace every entry', () => {
    let draws = 0;
    const random = (): number => (draws++ % 8) / 8; // 0, 1/8, ..., 7/8: one draw in eight admits
    const cache = new VerifiedTokenCache({ keys: keySet(), maxEntries: 100, now: clock().now, random });
    for (let i = 0; i < 100; i++) cache.set(`first-${i}`, userOf(`first-${i}`), K1);
    expect(draws).toBe(0); // room left: always admitted
    for (let i = 0; i < 80; i++) cache.set(`second-${i}`, userOf(`second-${i}`), K1);
    expect(cache.size).toBe(100);
    const kept = Array.from({ length: 100 }, (_, i) => cache.get(`first-${i}`)).filter(Boolean).length;
    const admitted = Array.from({ length: 80 }, (_, i) => cache.get(`second-${i}`)).filter(Boolean).length;
    expect([kept, admitted]).toEqual([90, 10]);
    // A token already held is always refreshed.
    cache.set('first-99', userOf('first-99', EXP, 'renewed'), K1);
    expect(cache.get('first-99')?.user.sub).toBe('renewed');
  });

  it('remembers nothing with maxEntries 0', () => {
    const cache = new VerifiedTokenCache({ keys: keySet(), maxEntries: 0, now: clock().now });
    cache.set('a.b.c', userOf('a.b.c'), K1);
    expect(cache.get('a.b.c')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it.each([-1, 1.5, Number.NaN])('rejects maxEntries %s', (maxEntries) => {
    expect(() => new VerifiedTokenCache({ keys: keySet(), maxEntries })).toThrow(KeycardConfigurationError);
  });
});

describe('verifiedTokenKid', () => {
  it('reads the kid of a compact JWS header, undefined without one', () => {
    const header = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    expect(verifiedTokenKid(`${header({ alg: 'RS256', kid: 'k1' })}.e30.sig`)).toBe('k1');
    expect(verifiedTokenKid(`${header({ alg: 'RS256' })}.e30.sig`)).toBeUndefined();
    expect(verifiedTokenKid(`${header({ alg: 'RS256', kid: 7 })}.e30.sig`)).toBeUndefined();
  });
});
