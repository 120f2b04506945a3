import type { LocalZoneJwks } from './local-zone-options.interface.js';

/**
 * Client metadata for `registerClient()` (RFC 7591 names). Everything is optional;
 * any other RFC 7591 / OpenID member oidc-provider recognizes may be passed too.
 *
 * Defaults: a random `client_id`; `token_endpoint_auth_method: 'client_secret_basic'`
 * (a random `client_secret` is generated when the method needs one); `grant_types`:
 * token exchange, plus `client_credentials` for confidential clients, plus
 * `authorization_code` and `refresh_token` when `redirect_uris` are given;
 * `response_types: ['code']` with redirect URIs, else none. Registering an existing
 * `client_id` replaces that client.
 * A client registered with `client_secret_basic` may also send `client_secret_post`.
 */
export interface LocalZoneClientMetadata {
  client_id?: string;
  client_secret?: string;
  token_endpoint_auth_method?:
    | 'client_secret_basic'
    | 'client_secret_post'
    | 'client_secret_jwt'
    | 'private_key_jwt'
    | 'none';
  grant_types?: string[];
  response_types?: string[];
  redirect_uris?: string[];
  /**
   * Space-separated scopes the client may ask for (client credentials, token exchange).
   * Default: any. An authorization request (the user consents) may ask for any scope the
   * zone knows: the registered scope grows to include it, so MCP clients can step up.
   */
  scope?: string;
  /** For `private_key_jwt`: where the client's public keys are (e.g. an MCP server's `/.well-known/jwks.json`). */
  jwks_uri?: string;
  /** For `private_key_jwt`: the client's public keys inline. */
  jwks?: LocalZoneJwks;
  application_type?: 'web' | 'native';
  client_name?: string;
  [member: string]: unknown;
}

/** What `registerClient()` returns. */
export interface LocalZoneRegisteredClient {
  client_id: string;
  /** Present for clients that authenticate with a secret. */
  client_secret?: string;
}

/**
 * A workload identity (e.g. an AWS EKS service-account token): a client authenticates
 * with `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` and
 * a `client_assertion` JWT signed by a key in `jwks`, whose `iss`/`sub` need not be the
 * client id. The assertion is matched to this entry by the `client_id` form field, or
 * by `issuer`, or by the `kid` of its header being one of `jwks`.
 */
export interface LocalZoneWorkloadIdentity {
  /** The client the workload acts as. Registered (or re-registered) by the zone. */
  clientId: string;
  /** Public keys that sign the workload's tokens. */
  jwks: LocalZoneJwks;
  /** Required `iss` of the workload token, when set. */
  issuer?: string;
  /** Required `sub` of the workload token, when set. */
  subject?: string;
  /** One of these must be in the token's `aud`, when set. */
  audience?: string | string[];
  /** Extra client metadata (e.g. `scope`, `grant_types`) for the registered client. */
  metadata?: Omit<LocalZoneClientMetadata, 'client_id' | 'client_secret' | 'token_endpoint_auth_method'>;
}
