/** Parameters of a `Bearer` challenge (RFC 6750 §3, RFC 9728 §5.1). */
export interface BearerChallenge {
  /** Absolute URL of the protected-resource metadata of the endpoint. */
  readonly resourceMetadata?: string;
  /** `invalid_token`, `insufficient_scope`, `invalid_request`. */
  readonly error?: string;
  readonly errorDescription?: string;
  /** Scopes needed, joined with spaces. */
  readonly scopes?: readonly string[];
}

/**
 * A quoted-string value: `\` and `"` escaped, and characters that may not appear in a
 * header (controls, non-ASCII) replaced by `?`, so a value can never break the header.
 */
export function quoteHeaderValue(value: string): string {
  const safe = value.replace(/[^\x20-\x7e]/g, '?').replace(/[\\"]/g, (c) => `\\${c}`);
  return `"${safe}"`;
}

/** `Bearer resource_metadata="...", error="...", error_description="...", scope="..."`. */
export function formatBearerChallenge(challenge: BearerChallenge): string {
  const params: string[] = [];
  if (challenge.resourceMetadata) params.push(`resource_metadata=${quoteHeaderValue(challenge.resourceMetadata)}`);
  if (challenge.error) params.push(`error=${quoteHeaderValue(challenge.error)}`);
  if (challenge.errorDescription) params.push(`error_description=${quoteHeaderValue(challenge.errorDescription)}`);
  if (challenge.scopes && challenge.scopes.length > 0) params.push(`scope=${quoteHeaderValue(challenge.scopes.join(' '))}`);
  return params.length > 0 ? `Bearer ${params.join(', ')}` : 'Bearer';
}
