import { createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { decodeJwt, JwtRejectedError, signJwt, toPublicJwk, verifyJwt } from './compact-jwt.js';
import type { LocalZoneJwk } from './local-zone-options.interface.js';

function keyPair(alg: string): { privateKey: KeyObject; jwk: LocalZoneJwk } {
  const pair =
    alg.startsWith('ES')
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: pair.privateKey, jwk: { ...(pair.publicKey.export({ format: 'jwk' }) as LocalZoneJwk), kid: `k-${alg}` } };
}

const now = () => Math.floor(Date.now() / 1000);

describe('compact-jwt', () => {
  it.each(['RS256', 'PS256', 'ES256', 'EdDSA'])('signs and verifies %s against a JWKS', (alg) => {
    const { privateKey, jwk } = keyPair(alg);
    const token = signJwt({ sub: 'x', exp: now() + 60, iss: 'i', aud: ['a', 'b'] }, privateKey, alg, { kid: jwk.kid });
    expect(verifyJwt(token, { keys: [jwk] }, { algorithms: [alg], issuer: 'i', audience: 'b', requiredClaims: ['sub'] })).toMatchObject({ sub: 'x' });
  });

  it('rejects a wrong key, a disallowed algorithm, an expired or not-yet-valid token', () => {
    const { privateKey, jwk } = keyPair('RS256');
    const other = keyPair('RS256');
    const sign = (payload: Record<string, unknown>, key = privateKey) => signJwt(payload, key, 'RS256', { kid: jwk.kid });
    const verify = (token: string, algorithms = ['RS256']) => () => verifyJwt(token, { keys: [jwk] }, { algorithms });

    expect(verify(sign({ exp: now() + 60 }, other.privateKey))).toThrow(/signature/);
    expect(verify(sign({ exp: now() + 60 }), ['ES256'])).toThrow(/not accepted/);
    expect(verify(sign({ exp: now() - 1 }))).toThrow(/expired/);
    expect(verify(sign({ nbf: now() + 600 }))).toThrow(/nbf/);
    const hmac = signJwt({ exp: now() + 60 }, createSecretKey(Buffer.alloc(32)), 'HS256');
    expect(verify(hmac, ['RS256'])).toThrow(JwtRejectedError);
    expect(() => verifyJwt(hmac, { keys: [jwk] }, { algorithms: ['HS256'] })).toThrow(/no matching key/);
    expect(() => decodeJwt('a.b')).toThrow(JwtRejectedError);
  });

  it('strips private members from a JWK', () => {
    const { privateKey } = keyPair('RS256');
    const full = privateKey.export({ format: 'jwk' }) as LocalZoneJwk;
    expect(Object.keys(toPublicJwk(full)).sort()).toEqual(['e', 'kty', 'n']);
  });
});
