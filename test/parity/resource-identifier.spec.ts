import { describe, expect, it } from 'vitest';
import { exchangeCacheKey } from '../../src/grant/exchange-cache-key.js';
import { resourceProblem } from '../../src/grant/grant-metadata.js';

describe('resource identifiers (RFC 8707: absolute URIs, URLs or not)', () => {
  it.each(['https://api.example.com', 'http://127.0.0.1:8080/v1', 'urn:vault:openai-api-key', 'urn:keycard:secret:db', 'spiffe://prod/payments'])(
    'accepts %s',
    (resource) => {
      expect(resourceProblem(resource)).toBeUndefined();
    },
  );

  it.each([
    ['', /non-empty/],
    ['api/items', /absolute URI/],
    ['urn:', /absolute URI/],
    ['urn:vault:a b', /whitespace/],
    ['urn:vault:a\nWARN forged', /whitespace or control/],
    ['https://a.example/#frag', /fragment/],
    ['https://', /not a valid URI/],
  ])('refuses %j', (resource, problem) => {
    expect(resourceProblem(resource)).toMatch(problem);
  });

  it('keys the exchange cache by the URN like a URL: per caller, per URN, per scope', () => {
    const key = exchangeCacheKey('alice', 'urn:vault:openai-api-key', 'read');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(exchangeCacheKey('bob', 'urn:vault:openai-api-key', 'read')).not.toBe(key);
    expect(exchangeCacheKey('alice', 'urn:vault:other-key', 'read')).not.toBe(key);
    expect(exchangeCacheKey('alice', 'urn:vault:openai-api-key', undefined)).not.toBe(key);
    expect(exchangeCacheKey('alice', 'urn:vault:openai-api-key', 'read')).toBe(key);
  });
});
