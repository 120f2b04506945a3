import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

import { SignJWT, type JWTPayload } from 'jose';

import { SIGNING_ALG } from './local-zone.constants.js';
import type { LocalZoneJwk, LocalZoneJwks } from './local-zone-options.interface.js';
import { verifyWithKeySet } from './zone-jwt.js';

const generateRsaKeyPair = promisify(generateKeyPair);

/** One RSA signing key of the zone. */
export interface ZoneSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly privateJwk: LocalZoneJwk;
  readonly publicJwk: LocalZoneJwk;
}

async function createSigningKey(): Promise<ZoneSigningKey> {
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  const kid = `lz-${randomBytes(9).toString('base64url')}`;
  const common = { kid, alg: SIGNING_ALG, use: 'sig' };
  return {
    kid,
    privateKey,
    privateJwk: { ...(privateKey.export({ format: 'jwk' }) as LocalZoneJwk), ...common },
    publicJwk: { ...(publicKey.export({ format: 'jwk' }) as LocalZoneJwk), ...common },
  };
}

/**
 * The zone's signing keys. The first key is the current one (it signs everything);
 * older keys stay published in the JWKS after a rotation with `keepOld`.
 */
export class ZoneKeys {
  private keys: ZoneSigningKey[];

  private constructor(initial: ZoneSigningKey) {
    this.keys = [initial];
  }

  static async create(): Promise<ZoneKeys> {
    return new ZoneKeys(await createSigningKey());
  }

  get current(): ZoneSigningKey {
    return this.keys[0] as ZoneSigningKey;
  }

  /** Private JWKs, current first, as oidc-provider's `jwks` configuration wants them. */
  get privateJwks(): LocalZoneJwks {
    return { keys: this.keys.map((k) => ({ ...k.privateJwk })) };
  }

  /** The published key set (what `/jwks` serves). */
  get publicJwks(): LocalZoneJwks {
    return { keys: this.keys.map((k) => ({ ...k.publicJwk })) };
  }

  /** Makes a new key current; keeps the previous ones published when `keepOld`. Returns the new kid. */
  async rotate(keepOld: boolean): Promise<string> {
    const next = await createSigningKey();
    this.keys = keepOld ? [next, ...this.keys] : [next];
    return next.kid;
  }

  /** Signs with the current key (RS256, `kid` header). */
  async sign(payload: JWTPayload): Promise<string> {
    const { kid, privateKey } = this.current;
    return new SignJWT(payload).setProtectedHeader({ alg: SIGNING_ALG, typ: 'at+jwt', kid }).sign(privateKey);
  }

  /** Verifies a token signed by one of the published keys; `iss` and the listed claims are required. */
  async verify(token: string, options: { issuer: string; requiredClaims: string[] }): Promise<JWTPayload> {
    return verifyWithKeySet(token, this.publicJwks, { ...options, algorithms: [SIGNING_ALG] });
  }
}
