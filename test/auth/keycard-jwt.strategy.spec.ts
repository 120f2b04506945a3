import 'reflect-metadata';
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { JwksKeyStore, ZoneSigningKey } from '../../src/auth/jwks-key-store.js';
import { beginTokenVerification, endTokenVerification, KeycardJwtStrategy } from '../../src/auth/keycard-jwt.strategy.js';
import { KeycardTokenVerifier } from '../../src/auth/keycard-token.verifier.js';
import type { KeycardConfig } from '../../src/config/keycard-options.interface.js';

type KeyProvider = (request: object, raw: unknown, done: (error: unknown, key?: unknown) => void) => void;

describe('KeycardJwtStrategy key hand-over', () => {
  it('gives jsonwebtoken the parsed KeyObject of the zone key (no PEM parsing per verification) and records its PEM', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signingKey: ZoneSigningKey = { kid: 'k1', alg: undefined, pem: 'PEM-OF-K1', key: publicKey };
    const keys = { getKey: async () => signingKey } as unknown as JwksKeyStore;
    const verifier = new KeycardTokenVerifier({ resources: [], algorithms: ['RS256'] } as unknown as KeycardConfig, keys);
    const token = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1' })).toString('base64url')}.e30.sig`;

    // passport-jwt keeps the provider it was given; call it as passport-jwt does.
    const provider = (new KeycardJwtStrategy() as unknown as { _secretOrKeyProvider: KeyProvider })._secretOrKeyProvider;
    const request = {};
    beginTokenVerification(request, verifier, token);
    const handed = await new Promise<unknown>((resolve, reject) => provider(request, token, (error, key) => (error ? reject(error) : resolve(key))));
    expect(handed).toBeInstanceOf(KeyObject);
    expect(handed).toBe(publicKey);
    expect(await verifier.getVerificationKey(token)).toBe('PEM-OF-K1');
    expect(endTokenVerification(request)).toBeUndefined(); // not verified: validate() never ran
  });
});
