import { describe, expect, it } from 'vitest';
import { KeycardConfigurationError } from '../../src/errors/keycard.error.js';
import { ExchangeCache, MemoryExchangeCache, type ExchangeCacheEntry } from '../../src/grant/index.js';

function entry(accessToken: string): ExchangeCacheEntry {
  return { response: { accessToken, tokenType: 'Bearer' }, obtainedAtMs: 0 };
}

function token(cache: MemoryExchangeCache, key: string): string | undefined {
  return cache.get(key)?.response.accessToken;
}

describe('MemoryExchangeCache', () => {
  const FAR = Number.MAX_SAFE_INTEGER;

  it('is an ExchangeCache', () => {
    expect(new MemoryExchangeCache()).toBeInstanceOf(ExchangeCache);
  });

  it('stores, replaces, deletes and clears entries', () => {
    const cache = new MemoryExchangeCache();
    cache.set('k1', entry('one'), FAR);
    cache.set('k2', entry('two'), FAR);
    cache.set('k1', entry('one-again'), FAR);
    expect(token(cache, 'k1')).toBe('one-again');
    expect(cache.size).toBe(2);
    cache.delete('k1');
    expect(token(cache, 'k1')).toBeUndefined();
    expect(cache.size).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(token(cache, 'k2')).toBeUndefined();
  });

  it('evicts the least recently used entry first', () => {
    const cache = new MemoryExchangeCache({ maxEntries: 2 });
    cache.set('a', entry('a'), FAR);
    cache.set('b', entry('b'), FAR);
    cache.set('c', entry('c'), FAR);
    expect([token(cache, 'a'), token(cache, 'b'), token(cache, 'c')]).toEqual([undefined, 'b', 'c']);
  });

  it('counts a read as a use', () => {
    const cache = new MemoryExchangeCache({ maxEntries: 2 });
    cache.set('a', entry('a'), FAR);
    cache.set('b', entry('b'), FAR);
    expect(token(cache, 'a')).toBe('a');
    cache.set('c', entry('c'), FAR);
    expect([token(cache, 'a'), token(cache, 'b'), token(cache, 'c')]).toEqual(['a', undefined, 'c']);
    expect(cache.size).toBe(2);
  });

  it('expires entries at the given absolute time', () => {
    let now = 1_000_000;
    const cache = new MemoryExchangeCache({ now: () => now });
    cache.set('k', entry('tok'), now + 5000);
    now += 4999;
    expect(token(cache, 'k')).toBe('tok');
    expect(cache.size).toBe(1);
    now += 1;
    expect(token(cache, 'k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not store an entry that is already expired', () => {
    const now = 1_000_000;
    const cache = new MemoryExchangeCache({ now: () => now });
    cache.set('k', entry('live'), now + 1000);
    cache.set('k', entry('dead'), now);
    expect(token(cache, 'k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('leaves expired entries out of size', () => {
    let now = 0;
    const cache = new MemoryExchangeCache({ now: () => now });
    cache.set('short', entry('s'), 10);
    cache.set('long', entry('l'), 100);
    now = 50;
    expect(cache.size).toBe(1);
  });

  it('caches nothing with maxEntries 0', () => {
    const cache = new MemoryExchangeCache({ maxEntries: 0 });
    cache.set('k', entry('tok'), FAR);
    expect(token(cache, 'k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it.each([-1, 1.5, Number.NaN])('rejects maxEntries %s', (maxEntries) => {
    expect(() => new MemoryExchangeCache({ maxEntries })).toThrow(KeycardConfigurationError);
  });
});
