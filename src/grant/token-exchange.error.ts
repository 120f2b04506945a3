import { KeycardError } from '../errors/keycard.error.js';
import { isRetryableExchangeError } from './exchange-error-classification.js';

/**
 * A token exchange (RFC 8693) failed. `code` is the authorization server's OAuth `error`
 * (`invalid_grant`, `invalid_target`, ...) when it sent one, otherwise one of ours:
 * `invalid_response`, `server_error`, `timeout`, `network_error`, `credential_error`,
 * `missing_subject_token`. Never carries a token or a client secret.
 */
export class TokenExchangeError extends KeycardError {
  /** OAuth `error` or one of the codes listed on the class. */
  readonly code: string;
  /** OAuth `error_description`, or what went wrong. */
  readonly description: string | undefined;
  /** HTTP status of the token endpoint's answer, when there was one. */
  readonly status: number | undefined;
  /** The resource the exchange was for. */
  readonly resource: string | undefined;

  constructor(
    message: string,
    details: { code: string; description?: string; status?: number; resource?: string; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.description = details.description;
    this.status = details.status;
    this.resource = details.resource;
  }

  /**
   * Whether the same exchange may succeed later (timeouts, network errors, 5xx,
   * `temporarily_unavailable`) or not (`access_denied`, `invalid_grant`, `invalid_target`, ...).
   */
  get retryable(): boolean {
    return isRetryableExchangeError(this.code, this.status);
  }
}
