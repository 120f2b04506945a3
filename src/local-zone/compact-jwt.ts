import {
  constants,
  createPublicKey,
  createSecretKey,
  createHmac,
  sign as cryptoSign,
  verify as cryptoVerify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

import type { LocalZoneJwk } from './local-zone-options.interface.js';

/**
 * Compact JWS (RFC 7515) signing and verification on `node:crypto`, enough for
 * LocalZone's own tokens and for the client assertions it verifies. Kept dependency-free
 * so that `nestjs-keycard/testing` needs nothing beyond its declared packages.
 */

export interface DecodedJwt {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  readonly signingInput: string;
  readonly signature: Buffer;
}

/** Why a JWT was not accepted; `message` is safe to show (it never contains the token). */
export class JwtRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwtRejectedError';
  }
}

type Family = 'RS' | 'PS' | 'ES' | 'HS' | 'EdDSA';

interface AlgSpec {
  readonly family: Family;
  readonly hash?: string;
}

function algSpec(alg: string): AlgSpec {
  if (alg === 'EdDSA' || alg === 'Ed25519') return { family: 'EdDSA' };
  const match = /^(RS|PS|ES|HS)(256|384|512)$/.exec(alg);
  if (!match) throw new JwtRejectedError(`unsupported JWS algorithm ${alg}`);
  return { family: match[1] as Family, hash: `sha${match[2]}` };
}

const PSS = (key: KeyObject) => ({
  key,
  padding: constants.RSA_PKCS1_PSS_PADDING,
  saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
});

const b64url = (input: string | Buffer): string => Buffer.from(input).toString('base64url');

/** Signs `payload` as a compact JWS. `key` is a private (or, for HS*, secret) key. */
export function signJwt(
  payload: Record<string, unknown>,
  key: KeyObject,
  alg: string,
  header: Record<string, unknown> = {},
): string {
  const spec = algSpec(alg);
  const input = `${b64url(JSON.stringify({ ...header, alg }))}.${b64url(JSON.stringify(payload))}`;
  const data = Buffer.from(input);
  let signature: Buffer;
  switch (spec.family) {
    case 'HS':
      signature = createHmac(spec.hash as string, key).update(data).digest();
      break;
    case 'PS':
      signature = cryptoSign(spec.hash as string, data, PSS(key));
      break;
    case 'ES':
      signature = cryptoSign(spec.hash as string, data, { key, dsaEncoding: 'ieee-p1363' });
      break;
    case 'EdDSA':
      signature = cryptoSign(null, data, key);
      break;
    default:
      signature = cryptoSign(spec.hash as string, data, key);
  }
  return `${input}.${b64url(signature)}`;
}

function parseJson(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new JwtRejectedError(`${what} is not base64url-encoded JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwtRejectedError(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Decodes a compact JWS without verifying it. Throws `JwtRejectedError` when malformed. */
export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) {
    throw new JwtRejectedError('not a compact JWS (three base64url segments)');
  }
  const [h, p, s] = parts as [string, string, string];
  return {
    header: parseJson(h, 'JWT header'),
    payload: parseJson(p, 'JWT payload'),
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

function verifySignature(decoded: DecodedJwt, alg: string, key: KeyObject): boolean {
  const spec = algSpec(alg);
  const data = Buffer.from(decoded.signingInput);
  switch (spec.family) {
    case 'HS':
      // Verification is for asymmetric keys only (keyMatchesAlg never selects a key for HS*).
      return false;
    case 'PS':
      return cryptoVerify(spec.hash as string, data, PSS(key), decoded.signature);
    case 'ES':
      return cryptoVerify(spec.hash as string, data, { key, dsaEncoding: 'ieee-p1363' }, decoded.signature);
    case 'EdDSA':
      return cryptoVerify(null, data, key, decoded.signature);
    default:
      return cryptoVerify(spec.hash as string, data, key, decoded.signature);
  }
}

function keyMatchesAlg(jwk: LocalZoneJwk, alg: string): boolean {
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  const family = algSpec(alg).family;
  if (family === 'RS' || family === 'PS') return jwk.kty === 'RSA';
  if (family === 'ES') return jwk.kty === 'EC';
  if (family === 'EdDSA') return jwk.kty === 'OKP';
  return false;
}

export interface VerifyJwtOptions {
  /** Accepted `alg` header values (never `none`, never HMAC). */
  readonly algorithms: readonly string[];
  /** Expected `iss`, when set. */
  readonly issuer?: string;
  /** One of these must be in `aud`, when set. */
  readonly audience?: string | readonly string[];
  /** Claims that must be present. */
  readonly requiredClaims?: readonly string[];
  /** Leeway for `exp`/`nbf`, in seconds. Default 0. */
  readonly clockToleranceSeconds?: number;
}

/**
 * Verifies a compact JWS against the public keys of `jwks` and checks `exp`, `nbf`,
 * `iss` and `aud` as asked. Returns the payload; throws `JwtRejectedError` with the reason.
 */
export function verifyJwt(
  token: string,
  jwks: { readonly keys: readonly LocalZoneJwk[] },
  options: VerifyJwtOptions,
): Record<string, unknown> {
  const decoded = decodeJwt(token);
  const { header, payload } = decoded;
  const alg = header.alg;
  if (typeof alg !== 'string' || !options.algorithms.includes(alg)) {
    throw new JwtRejectedError(`JWS algorithm ${String(alg)} is not accepted`);
  }
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const candidates = jwks.keys.filter((k) => keyMatchesAlg(k, alg) && (kid === undefined || k.kid === kid));
  if (candidates.length === 0) {
    throw new JwtRejectedError(kid === undefined ? 'no matching key found' : `no key with kid "${kid}"`);
  }
  const verified = candidates.some((jwk) => {
    try {
      return verifySignature(decoded, alg, createPublicKey({ key: toPublicJwk(jwk) as JsonWebKey, format: 'jwk' }));
    } catch {
      // A key the runtime cannot import is not a match; the next candidate is tried.
      return false;
    }
  });
  if (!verified) throw new JwtRejectedError('signature verification failed');

  for (const claim of options.requiredClaims ?? []) {
    if (payload[claim] === undefined) throw new JwtRejectedError(`missing required "${claim}" claim`);
  }
  const now = Math.floor(Date.now() / 1000);
  const leeway = options.clockToleranceSeconds ?? 0;
  if (payload.exp !== undefined) {
    if (typeof payload.exp !== 'number') throw new JwtRejectedError('"exp" claim must be a number');
    if (now - leeway >= payload.exp) throw new JwtRejectedError('token is expired');
  }
  if (payload.nbf !== undefined) {
    if (typeof payload.nbf !== 'number') throw new JwtRejectedError('"nbf" claim must be a number');
    if (now + leeway < payload.nbf) throw new JwtRejectedError('token is not valid yet (nbf)');
  }
  if (options.issuer !== undefined && payload.iss !== options.issuer) {
    throw new JwtRejectedError('unexpected "iss" claim value');
  }
  if (options.audience !== undefined) {
    const wanted = typeof options.audience === 'string' ? [options.audience] : options.audience;
    const aud = payload.aud;
    const present = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!present.some((a) => wanted.includes(a as string))) {
      throw new JwtRejectedError('unexpected "aud" claim value');
    }
  }
  return payload;
}

const PRIVATE_JWK_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

/** Strips the private members of a JWK. */
export function toPublicJwk(jwk: LocalZoneJwk): LocalZoneJwk {
  return Object.fromEntries(
    Object.entries(jwk).filter(([member]) => !PRIVATE_JWK_MEMBERS.has(member)),
  ) as LocalZoneJwk;
}

/** A secret key for HS* signing from raw bytes or a string. */
export function secretKey(secret: Uint8Array | string): KeyObject {
  return createSecretKey(typeof secret === 'string' ? Buffer.from(secret) : secret);
}
