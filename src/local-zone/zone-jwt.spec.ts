import { errors, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { describe, expect, it } from 'vitest';

import { decodeUnverified, rejectionReason, verifyWithKeySet } from './zone-jwt.js';

async function keyPair() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { privateKey, jwk: await exportJWK(publicKey) };
}

const sign = (key: CryptoKey, exp: number | string = '1m') =>
  new SignJWT({ sub: 'workload' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime(exp).sign(key);

describe('zone-jwt', () => {
  it('verifies a token without kid against every key that could have signed it', async () => {
    const [first, second] = await Promise.all([keyPair(), keyPair()]);
    const jwks = { keys: [first.jwk, second.jwk] };
    await expect(verifyWithKeySet(await sign(second.privateKey), jwks, { algorithms: ['RS256'] })).resolves.toMatchObject({ sub: 'workload' });
    await expect(verifyWithKeySet(await sign(first.privateKey), jwks, { algorithms: ['RS256'] })).resolves.toMatchObject({ sub: 'workload' });
  });

  it('rejects a token none of the keys signed, and an expired one with a short reason', async () => {
    const [first, second, stranger] = await Promise.all([keyPair(), keyPair(), keyPair()]);
    const jwks = { keys: [first.jwk, second.jwk] };
    await expect(verifyWithKeySet(await sign(stranger.privateKey), jwks, { algorithms: ['RS256'] })).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
    const expired = await sign(first.privateKey, Math.floor(Date.now() / 1000) - 60);
    const err = await verifyWithKeySet(expired, jwks, { algorithms: ['RS256'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errors.JWTExpired);
    expect(rejectionReason(err as errors.JWTExpired)).toBe('token is expired');
  });

  it('decodes without verifying, and answers undefined for what is not a JWT', async () => {
    const { privateKey } = await keyPair();
    expect(decodeUnverified(await sign(privateKey))).toMatchObject({ header: { alg: 'RS256' }, payload: { sub: 'workload' } });
    for (const junk of ['', 'a.b', 'not.a.jwt', '!!.??.##', `${Buffer.from('[]').toString('base64url')}.e30.sig`]) {
      expect(decodeUnverified(junk)).toBeUndefined();
    }
  });
});
