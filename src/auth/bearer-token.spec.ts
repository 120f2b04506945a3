import { describe, expect, it } from 'vitest';
import { MAX_BEARER_TOKEN_LENGTH } from './auth.constants.js';
import { parseAuthorizationHeader } from './bearer-token.js';

describe('parseAuthorizationHeader', () => {
  it.each([
    [undefined, { kind: 'missing' }],
    ['', { kind: 'missing' }],
    ['   ', { kind: 'missing' }],
    ['Basic dXNlcjpwYXNz', { kind: 'other-scheme' }],
    ['Bearerabc.def.ghi', { kind: 'other-scheme' }],
    ['Bearer', { kind: 'malformed', reason: 'the bearer token is empty' }],
    ['Bearer    ', { kind: 'malformed', reason: 'the bearer token is empty' }],
    ['Bearer not-a-jwt', { kind: 'malformed', reason: 'the bearer token is not a JWT' }],
    ['Bearer a.b', { kind: 'malformed', reason: 'the bearer token is not a JWT' }],
    ['Bearer a.b.c.d', { kind: 'malformed', reason: 'the bearer token is not a JWT' }],
    ['Bearer a b.c.d', { kind: 'malformed', reason: 'the bearer token is not a JWT' }],
    ['Bearer a.b.c', { kind: 'bearer', token: 'a.b.c' }],
    ['bearer a.b.', { kind: 'bearer', token: 'a.b.' }],
    ['BEARER  a-_.b.c  ', { kind: 'bearer', token: 'a-_.b.c' }],
  ])('%j → %j', (header, expected) => {
    expect(parseAuthorizationHeader(header)).toEqual(expected);
  });

  it('refuses tokens over the length limit before looking at them', () => {
    const token = `${'a'.repeat(MAX_BEARER_TOKEN_LENGTH)}.b.c`;
    expect(parseAuthorizationHeader(`Bearer ${token}`)).toEqual({
      kind: 'malformed',
      reason: `the bearer token is longer than ${MAX_BEARER_TOKEN_LENGTH} characters`,
    });
  });
});
