import { KeycardError } from '../errors/keycard.error.js';
import type { AccessErrorEntry } from './access-context.types.js';

/**
 * Why `AccessContext.access(resource)` could not return a token:
 * - `global_error`: the whole context failed (e.g. no bearer token on the request);
 * - `resource_error`: the token exchange for that resource failed;
 * - `missing_token`: the resource was never requested (not listed in `@Grant(...)`).
 */
export type ResourceAccessErrorType = 'missing_token' | 'resource_error' | 'global_error';

/** Thrown by `AccessContext.access(resource)` when no token is available for the resource. */
export class ResourceAccessError extends KeycardError {
  /** Which of the three cases happened. */
  readonly errorType: ResourceAccessErrorType;
  /** The resource that was asked for. */
  readonly resource: string;
  /** Resources that do have a token in the same context. */
  readonly availableResources: readonly string[];
  /** The recorded error behind a `global_error` or `resource_error`. */
  readonly error: AccessErrorEntry | undefined;

  constructor(
    message: string,
    details: {
      errorType: ResourceAccessErrorType;
      resource: string;
      availableResources: readonly string[];
      error?: AccessErrorEntry;
    },
  ) {
    super(message);
    this.errorType = details.errorType;
    this.resource = details.resource;
    this.availableResources = Object.freeze([...details.availableResources]);
    this.error = details.error;
  }

  /** The context has a global error, so no resource can be accessed. */
  static globalError(resource: string, error: AccessErrorEntry, availableResources: readonly string[]): ResourceAccessError {
    return new ResourceAccessError(
      `Cannot access ${resource}: ${describe(error)}. Check AccessContext.getError() before calling access().`,
      { errorType: 'global_error', resource, availableResources, error },
    );
  }

  /** The token exchange for this resource failed. */
  static resourceError(resource: string, error: AccessErrorEntry, availableResources: readonly string[]): ResourceAccessError {
    return new ResourceAccessError(
      `${describe(error)}. Check AccessContext.hasResourceError(resource) before calling access().`,
      { errorType: 'resource_error', resource, availableResources, error },
    );
  }

  /** No token was requested for this resource. */
  static missingToken(resource: string, availableResources: readonly string[]): ResourceAccessError {
    const available = availableResources.length > 0 ? availableResources.join(', ') : 'none';
    return new ResourceAccessError(
      `No token for ${resource}; available: ${available}. Add the resource to @Grant(...) to have it exchanged.`,
      { errorType: 'missing_token', resource, availableResources },
    );
  }
}

function describe(error: AccessErrorEntry): string {
  const details = [error.code, error.description].filter((part): part is string => !!part);
  return details.length > 0 ? `${error.message} (${details.join(': ')})` : error.message;
}
