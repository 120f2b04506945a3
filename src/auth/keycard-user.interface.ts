/** The claims of a verified access token (registered claims typed, the rest as they came). */
export interface KeycardTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly exp: number;
  readonly aud?: string | readonly string[];
  readonly iat?: number;
  readonly nbf?: number;
  readonly jti?: string;
  readonly scope?: string;
  readonly scp?: readonly string[] | string;
  readonly client_id?: string;
  readonly azp?: string;
  readonly resource?: string | readonly string[];
  readonly [claim: string]: unknown;
}

/**
 * The caller, as `KeycardAuthGuard` writes it to `req.user` after verifying the bearer token.
 */
export interface KeycardUser {
  /** The token's subject (`sub`). */
  readonly sub: string;
  /** The OAuth client the token was issued to (`client_id`, else `azp`). */
  readonly clientId: string | undefined;
  /** Scopes of the token, from `scope` (space separated) and/or `scp` (array). */
  readonly scopes: readonly string[];
  /** Every claim of the token. */
  readonly claims: KeycardTokenClaims;
  /** The bearer token itself (needed for token exchange). Never log it. */
  readonly token: string;
  /** Expiry of the token, in seconds since the epoch (`exp`). */
  readonly expiresAt: number;
  /** The MCP resource URL this request was accepted for. */
  readonly resource: string;
}

/**
 * What the guard writes to `req.auth`: the shape of the MCP SDK's `AuthInfo`, so SDK
 * transports and handlers (`extra.authInfo`) see the verified token.
 */
export interface KeycardAuthInfo {
  token: string;
  /** `client_id` / `azp` of the token; empty when it has neither. */
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt?: number;
  /** The matched MCP resource. */
  resource?: URL;
  /** RFC 9728 metadata URL of that resource. */
  resourceMetadataUrl?: string;
  extra?: Record<string, unknown>;
}
