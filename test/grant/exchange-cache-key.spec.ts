import { describe, expect, it } from 'vitest';
import { exchangeCacheKey, normalizeScope } from '../../src/grant/index.js';

describe('exchangeCacheKey', () => {
  it('is a SHA-256 hex digest that does not contain the token', () => {
    const key = exchangeCacheKey('subject-token-abc', 'https://api', 'read');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain('subject-token-abc');
    expect(exchangeCacheKey('subject-token-abc', 'https://api', 'read')).toBe(key);
  });

  it('differs by subject token, resource and scope', () => {
    const base = exchangeCacheKey('alice', 'https://api', 'read');
    expect(exchangeCacheKey('bob', 'https://api', 'read')).not.toBe(base);
    expect(exchangeCacheKey('alice', 'https://other', 'read')).not.toBe(base);
    expect(exchangeCacheKey('alice', 'https://api', 'write')).not.toBe(base);
    expect(exchangeCacheKey('alice', 'https://api', undefined)).not.toBe(base);
  });

  it('cannot be confused by moving characters between the parts', () => {
    expect(exchangeCacheKey('ab', 'c', '')).not.toBe(exchangeCacheKey('a', 'bc', ''));
    expect(exchangeCacheKey('a', 'b', 'c')).not.toBe(exchangeCacheKey('a', 'b c', ''));
    expect(exchangeCacheKey('a\u0000b', 'c', '')).not.toBe(exchangeCacheKey('a', 'b\u0000c', ''));
    expect(exchangeCacheKey('1:a', 'b', '')).not.toBe(exchangeCacheKey('1', 'a1:b', ''));
    expect(exchangeCacheKey('ab', '3:cde', '')).not.toBe(exchangeCacheKey('ab3:cde', '', ''));
  });

  it('keeps tokens with different lone surrogates apart (UTF-8 alone would not)', () => {
    expect(exchangeCacheKey('a\uD800', 'c', '')).not.toBe(exchangeCacheKey('a\uDFFF', 'c', ''));
    expect(exchangeCacheKey('a\uD800', 'c', '')).not.toBe(exchangeCacheKey('a\uFFFD', 'c', ''));
    expect(exchangeCacheKey('t', 'https://api/\uD800', '')).not.toBe(exchangeCacheKey('t', 'https://api/\uDBFF', ''));
    expect(exchangeCacheKey('t', 'r', '\uD800')).not.toBe(exchangeCacheKey('t', 'r', '\uDC00'));
    expect(exchangeCacheKey('a\uD800', 'c', '')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores scope order, duplicates and extra spaces', () => {
    const key = exchangeCacheKey('alice', 'https://api', 'read write');
    expect(exchangeCacheKey('alice', 'https://api', ['write', 'read', 'write'])).toBe(key);
    expect(exchangeCacheKey('alice', 'https://api', '  write   read ')).toBe(key);
  });
});

describe('normalizeScope', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    ['b a', 'a b'],
    [['c', 'a b', 'a'], 'a b c'],
  ])('normalizes %j to %j', (scope, expected) => {
    expect(normalizeScope(scope)).toBe(expected);
  });
});
