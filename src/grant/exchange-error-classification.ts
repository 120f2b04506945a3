/**
 * Which token-exchange failures are worth retrying. A caller (a tool, an agent) reads
 * `retryable` on every `AccessContext` error to choose between "try again later" and
 * "ask an administrator": the same request cannot succeed after a permanent failure.
 *
 * The rule, in order:
 * 1. a known permanent OAuth code → permanent, whatever the HTTP status (the authorization
 *    server said what is wrong, and it is not the weather);
 * 2. a known transient code (`temporarily_unavailable`, `server_error`, `slow_down`, and ours
 *    `timeout`, `network_error`) → retryable;
 * 3. otherwise by status: 5xx and 429 → retryable; any other status, or none → permanent
 *    (an unknown code on a 4xx is a refusal; an unknown code without a status is a local failure).
 */

/** OAuth and library codes that no retry can fix: the grant, the client or the request is wrong. */
const PERMANENT_CODES: ReadonlySet<string> = new Set([
  // Named by Keycard's SDKs.
  'access_denied',
  'insufficient_authorization',
  'invalid_client',
  'invalid_grant',
  'invalid_target',
  // RFC 6749 / RFC 8693 refusals of the same kind.
  'invalid_scope',
  'invalid_request',
  'invalid_token',
  'unauthorized_client',
  'unsupported_grant_type',
  'unsupported_token_type',
  // Ours: a credential that cannot sign, a request without a caller, a handler without @Grant,
  // an impersonation whose user could not be named, a zone with no credential.
  'credential_error',
  'missing_subject_token',
  'no_grant',
  'user_identifier_error',
  'unknown_zone',
]);

/** Codes that say "not now": the same request may succeed later. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['temporarily_unavailable', 'server_error', 'slow_down', 'timeout', 'network_error']);

/**
 * Whether a failure with this code (OAuth `error` or one of ours) and HTTP status is worth
 * retrying later. See the file comment for the rule.
 */
export function isRetryableExchangeError(code: string | undefined, status?: number): boolean {
  if (code !== undefined && PERMANENT_CODES.has(code)) return false;
  if (code !== undefined && RETRYABLE_CODES.has(code)) return true;
  return status !== undefined && (status >= 500 || status === 429);
}
