import type { KeyObject, webcrypto } from 'node:crypto';

import type { LocalZoneTokenStyle } from './local-zone-options.interface.js';

/**
 * Options of `zone.mintAccessToken()`. Without options the token looks like a login token
 * the zone would issue to `demo-public` for the development user, for the zone itself
 * (`aud` = the zone URL; pass `resource` or `aud` to target an MCP server). Everything can
 * be bent for negative tests.
 */
export interface MintAccessTokenOptions {
  /** `sub`. Default: the zone's development user. */
  sub?: string;
  /** `aud`, used as given (wins over `resource`). */
  aud?: string | string[];
  /**
   * The resource the token is for. `'resource'` style: `aud` = this resource;
   * `'keycard'` style: `aud` = the zone URL and a `resource` claim = this resource.
   */
  resource?: string;
  /** `scope`: a space-separated string or a list. Default: no `scope` claim. */
  scope?: string | string[];
  /** Lifetime in seconds from `iat` (negative for an already expired token). Default: the zone's access-token TTL. */
  expiresIn?: number;
  /** `iat`, epoch seconds. Default: now. */
  issuedAt?: number;
  /** `nbf`, epoch seconds. Default: none. */
  notBefore?: number;
  /** `iss`. Default: the zone URL. */
  issuer?: string;
  /** `client_id`. Default `demo-public`. */
  clientId?: string;
  /** Token style for this token. Default: the zone's `tokenStyle`. */
  tokenStyle?: LocalZoneTokenStyle;
  /** Extra claims, applied last: they override anything above; `undefined` removes a claim (e.g. `{ exp: undefined }`). */
  claims?: Record<string, unknown>;
  /** Protected-header members applied last (e.g. `{ kid: 'unknown' }`); `undefined` removes one. */
  header?: Record<string, unknown>;
  /**
   * Sign with another key instead of the zone's current key (e.g. a foreign RSA key,
   * or an HMAC secret to test that HS256 is refused): a Node `KeyObject`, a WebCrypto
   * `CryptoKey` (what `jose` returns), or raw secret bytes for HS*. `kid` defaults to none.
   */
  signingKey?: { key: KeyObject | webcrypto.CryptoKey | Uint8Array; alg: string; kid?: string };
}
