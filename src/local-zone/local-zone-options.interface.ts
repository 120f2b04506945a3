/**
 * Shape of the access tokens LocalZone issues from its own grants (authorization code,
 * client credentials, refresh) and, by default, from `mintAccessToken`:
 * - `'resource'`: `aud` is the requested resource (RFC 8707 `resource` parameter);
 * - `'keycard'`: Keycard-style login tokens, `aud` is the zone URL and a `resource`
 *   claim names the requested resource.
 * Token-exchange results always carry `aud` = the requested resource.
 */
export type LocalZoneTokenStyle = 'resource' | 'keycard';

/** The development user the automatic login signs in. */
export interface LocalZoneUser {
  /** Subject (`sub`) of the user. */
  sub: string;
  /** Extra claims returned for the user (ID token claims such as `name`, `email`). */
  claims?: Record<string, unknown>;
}

/** Options of `LocalZone.start()`. Every member is optional. */
export interface LocalZoneOptions {
  /** TCP port on 127.0.0.1. Default `0` (a free port; several zones can run at once). */
  port?: number;
  /** Shape of issued login tokens. Default `'resource'`. */
  tokenStyle?: LocalZoneTokenStyle;
  /**
   * The user the automatic development login signs in. Default `{ sub: 'local-user' }`.
   * An authorization request may pick another subject with `login_hint`.
   */
  user?: LocalZoneUser;
  /** Lifetime of issued access tokens (all grants and `mintAccessToken`). Default `3600`. */
  accessTokenTtlSeconds?: number;
  /**
   * Scopes the zone knows. When given, requests for other scopes are refused with
   * `invalid_scope` (authorization, token exchange) or dropped (client credentials).
   * Default: open — any scope a client asks for becomes known.
   */
  scopes?: string[];
  /** Register the documented demo clients (`demo-client`, `demo-public`). Default `true`. */
  demoClients?: boolean;
  /**
   * Accept token-exchange requests that carry no client authentication at all (RFC 8693
   * makes it optional). Default `false`: such requests get `400 invalid_request`.
   */
  allowAnonymousExchange?: boolean;
  /**
   * Impersonation policy: the confidential clients (by client id) allowed to exchange a
   * substitute-user token (`subject_token_type = urn:keycard:params:oauth:token-type:substitute-user`,
   * an unsigned `{"sub": <user>}` token) for a token acting for that user. Anyone else, and any
   * public or anonymous client, is refused with `unauthorized_client`. Can be changed later with
   * `LocalZone.setSubstituteUserClients()`.
   * Default: none (every substitute-user exchange is refused).
   */
  substituteUserClients?: string[];
  /**
   * How many token-exchange requests `exchangeRequests` keeps (the oldest are dropped;
   * `exchangeCount` still counts all). Bounds memory in long benchmarks. Default `10000`.
   */
  maxExchangeRecords?: number;
}

/** A JSON Web Key (RFC 7517), public or private. */
export interface LocalZoneJwk {
  kty?: string;
  kid?: string;
  alg?: string;
  use?: string;
  [member: string]: unknown;
}

/** A JSON Web Key Set. */
export interface LocalZoneJwks {
  keys: LocalZoneJwk[];
}
