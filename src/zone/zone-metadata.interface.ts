/**
 * The parts of a zone's RFC 8414 authorization server metadata this library uses.
 * Other members of the document are kept as they are (`[key: string]: unknown`).
 */
export interface ZoneMetadata {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly token_endpoint: string;
  readonly authorization_endpoint?: string;
  readonly registration_endpoint?: string;
  readonly grant_types_supported?: readonly string[];
  readonly scopes_supported?: readonly string[];
  readonly [key: string]: unknown;
}
