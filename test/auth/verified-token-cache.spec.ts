import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeVerifiedPayload, VerifiedTokenCache } from '../../src/auth/verified-token-cache.js';
import { KeycardConfigurationError } from '../../src/errors/keycard.error.js';

const START_MS = 1_800_000_000_000;
const EXP = START_MS / 1000 + 60;

function clock(): { now: () => number; advance: (ms: number) => void } {
  let now = START_MS;
  return { now: () => now, advance: (ms) => (now += ms) };
}

describe('VerifiedTokenCache', () => {
  it('keys entries by the SHA-256 of the token, so the token itself is not kept', () => {
    const token = 'header.payload.signature';
    expect(VerifiedTokenCache.keyOf(token)).toBe(createHash('sha256').update(token).digest('base64url'));
    const cache = new VerifiedTokenCache();
    cache.set(token, 'PEM', EXP);
    const held = [...(cache as unknown as { entries: Map<string, unknown> }).entries.keys()];
    expect(held).toEqual([VerifiedTokenCache.keyOf(token)]);
    expect(JSON.stringify([...(cache as unknown as { entries: Map<string, unknown> }).entries])).not.toContain('payload');
  });

  it('remembers the key a token verified with, per token', () => {
    const cache = new VerifiedTokenCache();
    cache.set('a.b.c', 'PEM-1', Number.MAX_SAFE_INTEGER / 1000);
    cache.set('d.e.f', 'PEM-2', Number.MAX_SAFE_INTEGER / 1000);
    expect(cache.get('a.b.c')).toBe('PEM-1');
    expect(cache.get('d.e.f')).toBe('PEM-2');
    expect(cache.get('a.b.x')).toBeUndefined();
    cache.delete('a.b.c');
    expect(cache.get('a.b.c')).toBeUndefined();
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('never serves an entry at or after the token exp', () => {
    const time = clock();
    const cache = new VerifiedTokenCache({ now: time.now });
    cache.set('a.b.c', 'PEM', EXP);
    time.advance(59_999);
    expect(cache.get('a.b.c')).toBe('PEM');
    time.advance(1);
    expect(cache.get('a.b.c')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it.each([
    ['no exp', undefined],
    ['a string exp', String(EXP)],
    ['a non-finite exp', Number.POSITIVE_INFINITY],
    ['an exp in the past', START_MS / 1000 - 1],
    ['an exp of now', START_MS / 1000],
  ])('stores nothing for a token with %s', (_name, exp) => {
    const cache = new VerifiedTokenCache({ now: clock().now });
    cache.set('a.b.c', 'PEM', exp);
    expect(cache.get('a.b.c')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('is bounded: the least recently used token goes first, a read counts as a use', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 2, now: clock().now });
    cache.set('t1', 'P1', EXP);
    cache.set('t2', 'P2', EXP);
    expect(cache.get('t1')).toBe('P1');
    cache.set('t3', 'P3', EXP);
    expect(cache.size).toBe(2);
    expect([cache.get('t1'), cache.get('t2'), cache.get('t3')]).toEqual(['P1', undefined, 'P3']);
    for (let i = 0; i < 1000; i++) cache.set(`many-${i}`, 'P', EXP);
    expect(cache.size).toBe(2);
  });

  it('remembers nothing with maxEntries 0', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 0, now: clock().now });
    cache.set('a.b.c', 'PEM', EXP);
    expect(cache.get('a.b.c')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it.each([-1, 1.5, Number.NaN])('rejects maxEntries %s', (maxEntries) => {
    expect(() => new VerifiedTokenCache({ maxEntries })).toThrow(KeycardConfigurationError);
  });
});

describe('decodeVerifiedPayload', () => {
  it('decodes the JSON payload of a compact JWS and refuses anything else', () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'user-1', exp: EXP })).toString('base64url');
    expect(decodeVerifiedPayload(`e30.${payload}.sig`)).toEqual({ sub: 'user-1', exp: EXP });
    expect(() => decodeVerifiedPayload('e30.bm90IGpzb24.sig')).toThrow(SyntaxError);
    expect(() => decodeVerifiedPayload('no-dots')).toThrow(SyntaxError);
  });
});
