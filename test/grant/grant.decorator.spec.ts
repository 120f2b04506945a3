import { describe, expect, it } from 'vitest';
import { Grant, KeycardConfigurationError } from 'nestjs-keycard';

describe('@Grant() arguments', () => {
  it.each([
    ['no resource', () => Grant([])],
    ['a relative resource', () => Grant('api/items')],
    ['a resource with a fragment', () => Grant('https://a.example/#x')],
    ['a resource with whitespace', () => Grant('urn:vault:my key')],
    ['a scheme and nothing else', () => Grant('urn:')],
    ['a scope map key that is not a granted resource', () => Grant('https://a.example', { scopes: { 'https://b.example': 'read' } })],
  ])('rejects %s when the class is defined', (_name, decorate) => {
    expect(decorate).toThrow(KeycardConfigurationError);
  });

  it('names the unknown scope-map key and the granted resources', () => {
    expect(() => Grant(['https://a.example', 'https://c.example'], { scopes: { 'https://a.example/': 'read' } })).toThrow(
      /"https:\/\/a\.example\/".*https:\/\/a\.example, https:\/\/c\.example/,
    );
  });

  it.each([
    ['one resource', () => Grant('https://a.example')],
    ['a URN resource (a vaulted secret)', () => Grant('urn:vault:openai-api-key')],
    ['a scope map keyed by a URN', () => Grant(['urn:vault:a', 'https://b.example'], { scopes: { 'urn:vault:a': 'read' } })],
    ['a scope string', () => Grant('https://a.example', { scopes: 'read write' })],
    ['a scope list', () => Grant(['https://a.example', 'https://b.example'], { scopes: ['read'] })],
    ['a scope map over granted resources', () => Grant(['https://a.example', 'https://b.example'], { scopes: { 'https://b.example': ['read'] } })],
  ])('accepts %s', (_name, decorate) => {
    expect(decorate()).toBeTypeOf('function');
  });
});
