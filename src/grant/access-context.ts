import type { AccessErrorEntry, AccessErrorInit, AccessErrors, AccessStatus } from './access-context.types.js';
import { isRetryableExchangeError } from './exchange-error-classification.js';
import { ResourceAccessError } from './resource-access.error.js';
import type { TokenResponse } from './token-response.interface.js';

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * The delegated tokens (and errors) of one call to a `@Grant(...)` handler.
 *
 * Exchanges never throw into the handler: failures are recorded here and the handler
 * decides. Check `hasErrors()` / `getStatus()` first, then read tokens with `access(resource)`.
 *
 * Tokens are kept in private fields: `util.inspect()` and `JSON.stringify()` show only the
 * status and which resources succeeded or failed.
 */
export class AccessContext {
  readonly #tokens = new Map<string, TokenResponse>();
  readonly #resourceErrors = new Map<string, AccessErrorEntry>();
  #error: AccessErrorEntry | undefined;

  /**
   * The token for `resource`.
   * @throws ResourceAccessError `global_error` when the context has a global error,
   *   `resource_error` when that resource's exchange failed, `missing_token` when it was never requested.
   */
  access(resource: string): TokenResponse {
    const available = this.getSuccessfulResources();
    if (this.#error) {
      throw ResourceAccessError.globalError(resource, this.#error, available);
    }
    const resourceError = this.#resourceErrors.get(resource);
    if (resourceError) {
      throw ResourceAccessError.resourceError(resource, resourceError, available);
    }
    const token = this.#tokens.get(resource);
    if (!token) {
      throw ResourceAccessError.missingToken(resource, available);
    }
    return token;
  }

  /** True when there is a global error or any resource failed. */
  hasErrors(): boolean {
    return this.hasError() || this.#resourceErrors.size > 0;
  }

  /** True when there is a global error (e.g. no bearer token). */
  hasError(): boolean {
    return this.#error !== undefined;
  }

  /** The global error, if any. */
  getError(): AccessErrorEntry | undefined {
    return this.#error;
  }

  /** True when the exchange for `resource` failed. */
  hasResourceError(resource: string): boolean {
    return this.#resourceErrors.has(resource);
  }

  /** The error recorded for `resource`, if any. */
  getResourceErrors(resource: string): AccessErrorEntry | undefined {
    return this.#resourceErrors.get(resource);
  }

  /** Every error: per resource, and the global one. */
  getErrors(): AccessErrors {
    return Object.freeze({
      resources: Object.freeze(Object.fromEntries(this.#resourceErrors)),
      error: this.#error,
    });
  }

  /**
   * `error` when there is a global error or every requested resource failed,
   * `partial_error` when some failed, `success` otherwise (also when nothing was requested).
   */
  getStatus(): AccessStatus {
    if (this.#error) {
      return 'error';
    }
    if (this.#resourceErrors.size === 0) {
      return 'success';
    }
    return this.#tokens.size === 0 ? 'error' : 'partial_error';
  }

  /** Resources that have a token, in the order they were set. */
  getSuccessfulResources(): string[] {
    return [...this.#tokens.keys()];
  }

  /** Resources whose exchange failed, in the order they were recorded. */
  getFailedResources(): string[] {
    return [...this.#resourceErrors.keys()];
  }

  /** Records the token for `resource` and clears that resource's error. */
  setToken(resource: string, token: TokenResponse): void {
    this.#resourceErrors.delete(resource);
    this.#tokens.set(resource, Object.freeze({ ...token }));
  }

  /**
   * Records the failure of `resource` and removes its token. `retryable`, when left out, is
   * derived from `code`.
   */
  setResourceError(resource: string, error: AccessErrorInit): void {
    this.#tokens.delete(resource);
    this.#resourceErrors.set(resource, entryOf(error));
  }

  /**
   * Records the global error (no resource can be accessed while it is set). `retryable`, when
   * left out, is derived from `code`.
   */
  setError(error: AccessErrorInit): void {
    this.#error = entryOf(error);
  }

  /**
   * A new context holding both this one's and `other`'s tokens and errors (neither is changed):
   * for a handler that combines the outcome of several grants (e.g. its own `withGrant` call
   * next to the `@Grant` context). For a resource both name, `other`'s entry wins, as a later
   * `setToken` / `setResourceError` would. The global error is this one's, else `other`'s.
   */
  merge(other: AccessContext): AccessContext {
    const merged = new AccessContext();
    for (const source of [this, other]) {
      for (const [resource, token] of source.#tokens) merged.setToken(resource, token);
      for (const [resource, error] of source.#resourceErrors) merged.setResourceError(resource, error);
    }
    const error = this.#error ?? other.#error;
    if (error) merged.setError(error);
    return merged;
  }

  /** A token-free summary for logs: status and resource lists. */
  toJSON(): { status: AccessStatus; successfulResources: string[]; failedResources: string[] } {
    return {
      status: this.getStatus(),
      successfulResources: this.getSuccessfulResources(),
      failedResources: this.getFailedResources(),
    };
  }

  [inspectSymbol](): string {
    const { status, successfulResources, failedResources } = this.toJSON();
    return `AccessContext { status: '${status}', successfulResources: ${JSON.stringify(successfulResources)}, failedResources: ${JSON.stringify(failedResources)} }`;
  }
}

function entryOf(error: AccessErrorInit): AccessErrorEntry {
  return Object.freeze({ ...error, retryable: error.retryable ?? isRetryableExchangeError(error.code) });
}
