import { describe, expect, it } from 'vitest';
import { KeycardConfigurationError } from '../../src/errors/keycard.error.js';
import { ExchangeCache, MemoryExchangeCache, type ExchangeCacheEntry } from '../../src/grant/index.js';

function entry(accessToken: string): ExchangeCacheEntry {
  return { response: { accessToken, tokenType: 'Bearer' }, obtainedAtMs: 0 };
}

function token(cache: MemoryExchangeCache, key: string): string | undefined {
  return cache.peek(key)?.response.accessToken;
}

describe('MemoryExchangeCache', () => {
  const FAR = Number.MAX_SAFE_INTEGER;

  it('is an ExchangeCache', () => {
    expect(new MemoryExchangeCache()).toBeInstanceOf(ExchangeCache);
  });

  it('stores, replaces, deletes and clears entries', async () => {
    const cache = new MemoryExchangeCache();
    cache.put('k1', entry('one'), FAR);
    cache.put('k2', entry('two'), FAR);
    cache.put('k1', entry('one-again'), FAR);
    expect(token(cache, 'k1')).toBe('one-again');
    expect(cache.size).toBe(2);
    cache.remove('k1');
    expect(token(cache, 'k1')).toBeUndefined();
    expect(cache.size).toBe(1);
    await cache.clear();
    expect(cache.size).toBe(0);
    expect(token(cache, 'k2')).toBeUndefined();
  });

  it('evicts the least recently used entry first', () => {
    const cache = new MemoryExchangeCache({ maxEntries: 2 });
    cache.put('a', entry('a'), FAR);
    cache.put('b', entry('b'), FAR);
    cache.put('c', entry('c'), FAR);
    expect([token(cache, 'a'), token(cache, 'b'), token(cache, 'c')]).toEqual([undefined, 'b', 'c']);
  });

  it('counts a read as a use', () => {
    const cache = new MemoryExchangeCache({ maxEntries: 2 });
    cache.put('a', entry('a'), FAR);
    cache.put('b', entry('b'), FAR);
    expect(token(cache, 'a')).toBe('a');
    cache.put('c', entry('c'), FAR);
    expect([token(cache, 'a'), token(cache, 'b'), token(cache, 'c')]).toEqual(['a', undefined, 'c']);
    expect(cache.size).toBe(2);
  });

  it('expires entries at the given absolute time', () => {
    let now = 1_000_000;
    const cache = new MemoryExchangeCache({ now: () => now });
    cache.put('k', entry('tok'), now + 5000);
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
    cache.put('k', entry('live'), now + 1000);
    cache.put('k', entry('dead'), now);
    expect(token(cache, 'k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('leaves expired entries out of size', () => {
    let now = 1_000_000;
    const cache = new MemoryExchangeCache({ now: () => now });
    cache.put('short', entry('s'), now + 10);
    cache.put('long', entry('l'), now + 100);
    now += 50;
    expect(cache.size).toBe(1);
  });

  it('caches nothing with maxEntries 0', () => {
    const cache = new MemoryExchangeCache({ maxEntries: 0 });
    cache.put('k', entry('tok'), FAR);
    expect(token(cache, 'k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('answers the asynchronous ExchangeCache contract by key id', async () => {
    const cache = new MemoryExchangeCache();
    const key = { id: 'k', secret: new Uint8Array(32) };
    await cache.set(key, entry('tok'), FAR);
    expect((await cache.get(key))?.response.accessToken).toBe('tok');
    expect(cache.peek('k')?.response.accessToken).toBe('tok');
    await cache.delete(key);
    expect(await cache.get(key)).toBeUndefined();
  });

  it.each([-1, 1.5, Number.NaN])('rejects maxEntries %s', (maxEntries) => {
    expect(() => new MemoryExchangeCache({ maxEntries })).toThrow(KeycardConfigurationError);
  });
});
