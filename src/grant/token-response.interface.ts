/**
 * A delegated access token obtained by RFC 8693 token exchange, as a tool handler reads
 * it from `AccessContext.access(resource)`.
 */
export interface TokenResponse {
  /** The exchanged token; send it as `Authorization: <tokenType> <accessToken>` to the resource. */
  readonly accessToken: string;
  /** The token type the authorization server reported (`Bearer` when it sent none). */
  readonly tokenType: string;
  /** Seconds until the token expires, when the authorization server said so. */
  readonly expiresIn?: number;
  /** The scope granted (space separated), when the authorization server said so. */
  readonly scope?: string;
  /** RFC 8693 `issued_token_type`, when the authorization server sent it. */
  readonly issuedTokenType?: string;
}
