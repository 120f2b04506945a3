/** Reads one environment variable; empty strings are reported as `undefined`. */
export type EnvReader = (name: string) => string | undefined;

/** `client_assertion_type` of RFC 7523 JWT-bearer client assertions (WebIdentity, EKSWorkloadIdentity). */
export const JWT_BEARER_CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The three credential kinds a Keycard zone accepts for token exchange. */
export type ApplicationCredentialKind = 'client_secret' | 'web_identity' | 'eks_workload_identity';

/**
 * A request about to be sent to the zone's token endpoint. A credential adds its client
 * authentication to it: an `Authorization` header and/or form fields.
 */
export interface TokenEndpointRequest {
  /** Absolute URL of the token endpoint; the `aud` of a client assertion. */
  readonly tokenEndpoint: string;
  /** The zone's issuer (used to pick a client when one credential serves several zones). */
  readonly issuer: string;
  /** Request headers. */
  readonly headers: Headers;
  /** The `application/x-www-form-urlencoded` body. */
  readonly body: URLSearchParams;
}

/** A public JSON Web Key Set, as served at `/.well-known/jwks.json`. */
export interface PublicJwks {
  readonly keys: readonly Record<string, unknown>[];
}

/**
 * How this MCP server authenticates itself to the zone when it exchanges tokens.
 * Also the DI token: inject `ApplicationCredential` to get the configured one
 * (absent when none is configured; use `@Optional()`).
 *
 * Implementations: `ClientSecret`, `WebIdentity`, `EKSWorkloadIdentity`.
 */
export abstract class ApplicationCredential {
  abstract readonly kind: ApplicationCredentialKind;

  /**
   * Checks and prepares the credential once, at bootstrap (create or load keys, check a
   * token file). Throws `KeycardCredentialError` with a message saying how to fix it.
   * `env` fills in settings the constructor left out.
   */
  async initialize(_env: EnvReader): Promise<void> {}

  /** Adds client authentication to a token-endpoint request. */
  abstract authenticate(request: TokenEndpointRequest): Promise<void>;

  /** The public keys to publish at `/.well-known/jwks.json`, when the credential has any. */
  getPublicJwks(): PublicJwks | undefined {
    return undefined;
  }
}
