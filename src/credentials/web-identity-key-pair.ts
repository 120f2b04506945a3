import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { WebIdentityKeyPair, WebIdentityPublicJwk } from './web-identity-key-storage.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Size of the RSA keys WebIdentity generates, in bits. */
const WEB_IDENTITY_RSA_BITS = 2048;

/** Generates a new RSA-2048 key pair for `kid`. */
export async function generateWebIdentityKeyPair(kid: string): Promise<WebIdentityKeyPair> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: WEB_IDENTITY_RSA_BITS });
  return Object.freeze({
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicJwk: publicJwkOf(privateKey, kid),
  });
}

/**
 * Parses a PKCS#8 PEM RSA private key. Returns `undefined` when it is not one (or is
 * smaller than 2048 bits); the caller writes the error, naming where the key came from.
 */
export function parseRsaPrivateKey(pem: string): KeyObject | undefined {
  if (!pem.includes('-----BEGIN PRIVATE KEY-----')) return undefined;
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error: unknown) {
    // Malformed PEM: reported by the caller without the parser's message.
    if (error instanceof Error) return undefined;
    throw error;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return key.asymmetricKeyType === 'rsa' && bits >= WEB_IDENTITY_RSA_BITS ? key : undefined;
}

/** The public JWK (`kty`, `n`, `e`, `kid`, `alg: RS256`, `use: sig`) of an RSA private (or public) key. */
export function publicJwkOf(privateKey: KeyObject, kid: string): WebIdentityPublicJwk {
  const jwk = (privateKey.type === 'public' ? privateKey : createPublicKey(privateKey)).export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
    throw new TypeError('publicJwkOf expects an RSA key');
  }
  return Object.freeze({ kty: 'RSA', n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' });
}

/** Whether two public JWKs name the same RSA key. */
export function sameRsaKey(a: Pick<WebIdentityPublicJwk, 'n' | 'e'>, b: Pick<WebIdentityPublicJwk, 'n' | 'e'>): boolean {
  return a.n === b.n && a.e === b.e;
}

/**
 * `<kid>-<first 16 characters of the RFC 7638 thumbprint>`: the key id of a key in a rotating
 * storage, so that every key a replica may sign with has its own `kid` in the JWKS.
 */
export function rotatingKeyId(kid: string, privateKey: KeyObject): string {
  const { n, e } = publicJwkOf(privateKey, kid);
  const thumbprint = createHash('sha256').update(JSON.stringify({ e, kty: 'RSA', n })).digest('base64url');
  return `${kid}-${thumbprint.slice(0, 16)}`;
}

/** The pair of a parsed private key under `kid`. */
export function keyPairOf(privateKey: KeyObject, kid: string): WebIdentityKeyPair {
  return Object.freeze({
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicJwk: publicJwkOf(privateKey, kid),
  });
}
