import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';

import type { LocalZoneJwks } from './local-zone-options.interface.js';

/** Why a JWT was not accepted (jose's error); its message never contains the token. */
export const JwtRejectedError = errors.JOSEError;

/** A JWT's header and claims, read without verifying it; `undefined` when it is not a well-formed JWT. */
export function decodeUnverified(token: string): { header: Record<string, unknown>; payload: JWTPayload } | undefined {
  try {
    return { payload: decodeJwt(token), header: decodeProtectedHeader(token) };
  } catch (err) {
    // jose throws JWTInvalid for a malformed token and TypeError for a malformed header.
    if (err instanceof errors.JOSEError || err instanceof TypeError) return undefined;
    throw err;
  }
}

/**
 * Verifies a JWT against a key set. A token without `kid` that several keys could have
 * signed is tried against each of them (jose leaves that loop to the caller).
 */
export async function verifyWithKeySet(token: string, jwks: LocalZoneJwks, options: JWTVerifyOptions): Promise<JWTPayload> {
  const keySet = createLocalJWKSet(jwks as JSONWebKeySet);
  try {
    return (await jwtVerify(token, keySet, options)).payload;
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
    for await (const key of err as errors.JWKSMultipleMatchingKeys & AsyncIterable<CryptoKey>) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/** A short reason for a rejected JWT, for `error_description`s. */
export function rejectionReason(err: InstanceType<typeof errors.JOSEError>): string {
  return err instanceof errors.JWTExpired ? 'token is expired' : err.message;
}
