import { createHmac, KeyObject, randomUUID, sign } from 'node:crypto';

import { SignJWT, type JWTHeaderParameters } from 'jose';

import { DEMO_PUBLIC_CLIENT_ID, SIGNING_ALG } from './local-zone.constants.js';
import type { LocalZoneTokenStyle } from './local-zone-options.interface.js';
import type { MintAccessTokenOptions } from './mint-access-token-options.interface.js';
import type { ZoneKeys } from './zone-keys.js';

export interface MintContext {
  readonly zoneUrl: string;
  readonly keys: ZoneKeys;
  readonly tokenStyle: LocalZoneTokenStyle;
  readonly userSub: string;
  readonly ttlSeconds: number;
}

function withoutUndefined(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

/** Builds and signs an access token as `zone.mintAccessToken()` documents it. */
export async function mintAccessToken(zone: MintContext, options: MintAccessTokenOptions = {}): Promise<string> {
  const style = options.tokenStyle ?? zone.tokenStyle;
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);

  let aud: string | string[] = zone.zoneUrl;
  let resourceClaim: string | undefined;
  if (options.aud !== undefined) {
    aud = options.aud;
    resourceClaim = style === 'keycard' ? options.resource : undefined;
  } else if (options.resource !== undefined) {
    if (style === 'keycard') resourceClaim = options.resource;
    else aud = options.resource;
  }

  const scope = Array.isArray(options.scope) ? options.scope.join(' ') : options.scope;
  const payload = withoutUndefined({
    iss: options.issuer ?? zone.zoneUrl,
    sub: options.sub ?? zone.userSub,
    aud,
    iat,
    nbf: options.notBefore,
    exp: iat + (options.expiresIn ?? zone.ttlSeconds),
    jti: randomUUID(),
    scope: scope || undefined,
    client_id: options.clientId ?? DEMO_PUBLIC_CLIENT_ID,
    resource: resourceClaim,
    ...options.claims,
  });

  const signer = options.signingKey;
  const header = withoutUndefined({
    typ: 'at+jwt',
    kid: signer ? signer.kid : zone.keys.current.kid,
    ...options.header,
  });
  const alg = signer ? signer.alg : SIGNING_ALG;
  const key = signer ? signer.key : zone.keys.current.privateKey;
  // jose refuses to sign a `crit` it does not understand; a test hook that mints hostile
  // tokens must be able to, so such a header is signed here with node:crypto.
  if ('crit' in header) return signRaw({ ...header, alg }, payload, key);
  return new SignJWT(payload)
    .setProtectedHeader({ ...header, alg } as JWTHeaderParameters)
    .sign(key);
}

const HASHES: Readonly<Record<string, string>> = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

function signRaw(header: Record<string, unknown>, payload: Record<string, unknown>, key: unknown): string {
  const alg = String(header['alg']);
  const hash = HASHES[alg.slice(2)];
  if (!hash) throw new Error(`mintAccessToken cannot sign alg ${alg} with a custom crit header`);
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  let signature: Buffer;
  if (alg.startsWith('HS') && key instanceof Uint8Array) signature = createHmac(hash, key).update(input).digest();
  else if (key instanceof KeyObject && alg.startsWith('RS')) signature = sign(hash, Buffer.from(input), key);
  else if (key instanceof KeyObject && alg.startsWith('ES')) signature = sign(hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  else throw new Error(`mintAccessToken cannot sign alg ${alg} with this key and a custom crit header`);
  return `${input}.${signature.toString('base64url')}`;
}
