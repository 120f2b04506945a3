/**
 * One error recorded in an `AccessContext`: the global error (e.g. no bearer token) or the
 * failure of one resource's token exchange. Never contains a token.
 */
export interface AccessErrorEntry {
  /** Human-readable summary, e.g. `Token exchange failed for https://api.example.com`. */
  readonly message: string;
  /** Machine-readable code: the OAuth `error` (e.g. `invalid_grant`) or ours (`timeout`, `network_error`, ...). */
  readonly code?: string;
  /** Details: the OAuth `error_description`, or what went wrong on the way. */
  readonly description?: string;
  /**
   * Whether the same call may succeed later: `true` for timeouts, network errors, 5xx answers
   * and `temporarily_unavailable` ("try again"); `false` for refusals such as `access_denied`,
   * `invalid_grant` or `invalid_target`, which need someone to change a policy or a setting
   * ("ask an administrator").
   */
  readonly retryable: boolean;
}

/**
 * What `AccessContext.setError()` / `setResourceError()` take: an error entry whose
 * `retryable` may be left out, in which case it is derived from `code` (known transient codes
 * such as `timeout` or `temporarily_unavailable` are retryable; anything else is not).
 */
export type AccessErrorInit = Omit<AccessErrorEntry, 'retryable'> & { readonly retryable?: boolean };

/** Every error of an `AccessContext`, as `getErrors()` returns them. */
export interface AccessErrors {
  /** Errors per resource identifier. */
  readonly resources: Readonly<Record<string, AccessErrorEntry>>;
  /** The global error, when there is one. */
  readonly error: AccessErrorEntry | undefined;
}

/**
 * Outcome of the token exchanges of one call: `success` (no error), `partial_error` (some
 * resources failed, others have tokens) or `error` (a global error, or every resource failed).
 */
export type AccessStatus = 'success' | 'partial_error' | 'error';
