import { describe, expect, it } from 'vitest';
import type { KeycardResourceConfig } from '../config/keycard-options.interface.js';
import { checkClaims, checkTimes, matchAudience, missingScopes, readScopes, type ClaimCheckConfig } from './token-claims.js';
import { TokenRejectedError } from './token-verification.errors.js';

const resources: KeycardResourceConfig[] = [
  {
    path: 'mcp',
    resourceUrl: 'http://localhost:8000/mcp',
    metadataUrl: 'http://localhost:8000/.well-known/oauth-protected-resource/mcp',
    metadataPath: '/.well-known/oauth-protected-resource/mcp',
  },
  {
    path: 'admin/mcp',
    resourceUrl: 'http://localhost:8000/admin/mcp',
    metadataUrl: 'http://localhost:8000/.well-known/oauth-protected-resource/admin/mcp',
    metadataPath: '/.well-known/oauth-protected-resource/admin/mcp',
  },
];
const config: ClaimCheckConfig = {
  zoneUrl: 'https://zone.example',
  issuer: 'https://zone.example',
  mcpBaseUrl: 'http://localhost:8000/',
  extraAudiences: ['urn:extra'],
  clockToleranceSeconds: 5,
};
const [mcp, admin] = resources as [KeycardResourceConfig, KeycardResourceConfig];
/** Test names print the endpoint's path, not the whole resource. */
const endpointsByPath: Record<string, KeycardResourceConfig> = { mcp, 'admin/mcp': admin };
const now = 1_800_000_000;
const valid = { iss: 'https://zone.example', sub: 'user-1', exp: now + 60, aud: 'http://localhost:8000/mcp' };

function rejection(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenRejectedError);
    return (error as Error).message;
  }
  throw new Error('expected a TokenRejectedError');
}

describe('claim checks', () => {
  it('accepts a valid token and names the resource it is for', () => {
    expect(checkClaims(valid, config, now, mcp).audience).toEqual({ resourceUrl: 'http://localhost:8000/mcp' });
    expect(checkClaims({ ...valid, iss: 'https://zone.example/' }, config, now, mcp).claims.sub).toBe('user-1');
  });

  it.each([
    [{ aud: 'http://localhost:8000/mcp/' }, 'mcp'],
    [{ aud: ['https://other.example', 'http://localhost:8000/admin/mcp'] }, 'admin/mcp'],
    [{ aud: 'http://localhost:8000' }, 'mcp'],
    [{ aud: 'http://localhost:8000' }, 'admin/mcp'],
    [{ aud: 'urn:extra' }, 'admin/mcp'],
    [{ aud: 'https://zone.example', resource: 'http://localhost:8000/mcp/' }, 'mcp'],
    [{ aud: 'https://zone.example', resource: 'http://localhost:8000/' }, 'admin/mcp'],
    [{ aud: ['https://zone.example/'], resource: ['https://x.example', 'http://localhost:8000/admin/mcp'] }, 'admin/mcp'],
  ])('audience %j is accepted at /%s', (claims, path) => {
    const endpoint = endpointsByPath[path]!;
    expect(matchAudience({ ...valid, ...claims }, config, endpoint)).toEqual({ resourceUrl: endpoint.resourceUrl });
  });

  it.each([
    [{ aud: 'http://localhost:8000/admin/mcp' }, 'mcp', 'the token was issued for another audience'],
    [{ aud: ['http://localhost:8000/mcp/'] }, 'admin/mcp', 'the token was issued for another audience'],
    [{ aud: 'https://zone.example', resource: 'http://localhost:8000/admin/mcp' }, 'mcp', 'the token was issued for another resource'],
    [{ aud: 'https://zone.example', resource: 'http://localhost:8000/mcp' }, 'admin/mcp', 'the token was issued for another resource'],
  ])('a token for one MCP endpoint is refused at another: %j at /%s', (claims, path, message) => {
    const endpoint = endpointsByPath[path]!;
    expect(rejection(() => matchAudience({ ...valid, ...claims }, config, endpoint))).toBe(message);
    expect(rejection(() => checkClaims({ ...valid, ...claims }, config, now, endpoint))).toBe(message);
  });

  it.each([
    [{ aud: 'http://localhost:8000/mcp//' }, 'the token was issued for another audience'],
    [{ aud: 'https://zone.example//', resource: 'http://localhost:8000/mcp' }, 'the token was issued for another audience'],
    [{ aud: 'https://zone.example', resource: 'http://localhost:8000/mcp//' }, 'the token was issued for another resource'],
  ])('URLs match exactly up to one trailing slash: %j is rejected', (claims, message) => {
    expect(rejection(() => matchAudience({ ...valid, ...claims }, config, mcp))).toBe(message);
  });

  it.each([
    [{ aud: 'https://other.example/mcp' }, 'the token was issued for another audience'],
    [{ aud: undefined }, 'the token was issued for another audience'],
    [{ aud: 'http://localhost:8000/mcp/extra' }, 'the token was issued for another audience'],
    [{ aud: 'https://zone.example' }, 'the token was issued for another resource'],
    [{ aud: 'https://zone.example', resource: 'https://other.example/mcp' }, 'the token was issued for another resource'],
    [{ aud: 'https://other.example', resource: 'http://localhost:8000/mcp' }, 'the token was issued for another audience'],
  ])('audience %j is rejected', (claims, message) => {
    expect(rejection(() => matchAudience({ ...valid, ...claims }, config, mcp))).toBe(message);
  });

  it.each([
    [{ iss: 'https://evil.example' }, 'the token was not issued by the configured authorization server'],
    [{ iss: undefined }, 'the token was not issued by the configured authorization server'],
    [{ iss: 'https://zone.example//' }, 'the token was not issued by the configured authorization server'],
    [{ iss: 'https://zone.example///' }, 'the token was not issued by the configured authorization server'],
    [{ exp: undefined }, 'the token has no expiry (exp)'],
    [{ exp: String(now + 60) }, 'the token has no expiry (exp)'],
    [{ exp: now - 6 }, 'the token has expired'],
    [{ nbf: now + 6 }, 'the token is not valid yet (nbf)'],
    [{ nbf: 'soon' }, 'the token has an invalid nbf claim'],
    [{ iat: now + 6 }, 'the token is issued in the future (iat)'],
    [{ sub: undefined }, 'the token has no subject (sub)'],
    [{ sub: '' }, 'the token has no subject (sub)'],
  ])('%j is rejected', (claims, message) => {
    expect(rejection(() => checkClaims({ ...valid, ...claims }, config, now, mcp))).toBe(message);
  });

  it('tolerates clock skew up to clockToleranceSeconds', () => {
    expect(() => checkTimes({ ...valid, exp: now - 4, nbf: now + 5, iat: now + 5 }, config, now)).not.toThrow();
  });

  it('rejects payloads that are not objects', () => {
    expect(rejection(() => checkClaims('a string', config, now, mcp))).toBe('the token payload is not a JSON object');
  });
});

describe('scopes', () => {
  it('reads scope (space separated) and scp (array or string), without duplicates', () => {
    expect(readScopes({ scope: 'a  b', scp: ['b', 'c'] })).toEqual(['a', 'b', 'c']);
    expect(readScopes({ scp: 'd e' })).toEqual(['d', 'e']);
    expect(readScopes({ scope: 42 })).toEqual([]);
  });

  it.each(['\u00a0', '\u3000', '\ufeff', '\t', '\n', '\u2003'])('splits scope on the space character only, not on %j', (separator) => {
    const scopes = readScopes({ scope: `readonly${separator}admin` });
    expect(scopes).toEqual([`readonly${separator}admin`]);
    expect(missingScopes(scopes, ['admin'])).toEqual(['admin']);
    expect(readScopes({ scp: [`readonly${separator}admin`] })).toEqual([`readonly${separator}admin`]);
  });

  it('lists the required scopes that are missing', () => {
    expect(missingScopes(['a', 'b'], ['b', 'c', 'c'])).toEqual(['c']);
    expect(missingScopes([], [])).toEqual([]);
  });
});
