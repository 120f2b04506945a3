import { ForbiddenException, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { formatBearerChallenge } from './www-authenticate.js';

/** JSON body of every authentication failure (RFC 6750 error codes). */
export interface KeycardAuthErrorBody {
  readonly error: string;
  readonly error_description: string;
}

/** Where the client should look next; the same for every challenge of one request. */
export interface KeycardChallengeContext {
  /** Absolute URL of the protected-resource metadata of the requested MCP endpoint. */
  readonly resourceMetadataUrl: string;
  /** Every scope the route requires (module `requiredScopes` and `@RequireScopes`). */
  readonly requiredScopes: readonly string[];
}

// Each exception's `message` is its `error_description`, so what reaches an MCP client
// through an RPC exception filter (tool calls) is readable.

/**
 * Implemented by the exceptions of `KeycardAuthGuard`: the response headers they need
 * (`WWW-Authenticate`). The guard sets them on the response before throwing; an exception
 * filter of your own can read them from here too.
 */
export interface KeycardHttpHeaders {
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * 401: no bearer token, or one that is not valid for this server. Carries the
 * `WWW-Authenticate: Bearer resource_metadata="..."` challenge MCP clients start OAuth from.
 */
export class KeycardUnauthorizedException extends UnauthorizedException implements KeycardHttpHeaders {
  /** The `WWW-Authenticate` value. */
  readonly wwwAuthenticate: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(body: KeycardAuthErrorBody, wwwAuthenticate: string, options?: { cause?: unknown }) {
    super(body, { description: body.error_description, cause: options?.cause });
    this.message = body.error_description;
    this.wwwAuthenticate = wwwAuthenticate;
    this.headers = Object.freeze({ 'WWW-Authenticate': wwwAuthenticate });
  }

  /** No credentials at all: the challenge has no error code (RFC 6750 §3.1). */
  static missingToken(context: KeycardChallengeContext): KeycardUnauthorizedException {
    return new KeycardUnauthorizedException(
      { error: 'unauthorized', error_description: 'Authentication required: send an access token as "Authorization: Bearer <token>".' },
      formatBearerChallenge({ resourceMetadata: context.resourceMetadataUrl, scopes: context.requiredScopes }),
    );
  }

  /** An `Authorization` header with another scheme than `Bearer`. */
  static unsupportedScheme(context: KeycardChallengeContext): KeycardUnauthorizedException {
    return new KeycardUnauthorizedException(
      { error: 'invalid_request', error_description: 'The Authorization header must use the Bearer scheme.' },
      formatBearerChallenge({ resourceMetadata: context.resourceMetadataUrl, scopes: context.requiredScopes }),
    );
  }

  /** A bearer token was sent and rejected; `description` must not contain token text. */
  static invalidToken(context: KeycardChallengeContext, description: string, options?: { cause?: unknown }): KeycardUnauthorizedException {
    return new KeycardUnauthorizedException(
      { error: 'invalid_token', error_description: description },
      formatBearerChallenge({
        resourceMetadata: context.resourceMetadataUrl,
        error: 'invalid_token',
        errorDescription: description,
        scopes: context.requiredScopes,
      }),
      options,
    );
  }
}

/** 403: a valid token without every required scope. The challenge names all of them. */
export class KeycardInsufficientScopeException extends ForbiddenException implements KeycardHttpHeaders {
  readonly wwwAuthenticate: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Every scope the route requires. */
  readonly requiredScopes: readonly string[];
  /** The required scopes the token does not have. */
  readonly missingScopes: readonly string[];

  constructor(context: KeycardChallengeContext, missingScopes: readonly string[]) {
    const description = `The access token lacks the required scope(s): ${missingScopes.join(' ')}.`;
    super({ error: 'insufficient_scope', error_description: description } satisfies KeycardAuthErrorBody, { description });
    this.message = description;
    this.requiredScopes = Object.freeze([...context.requiredScopes]);
    this.missingScopes = Object.freeze([...missingScopes]);
    this.wwwAuthenticate = formatBearerChallenge({
      resourceMetadata: context.resourceMetadataUrl,
      error: 'insufficient_scope',
      errorDescription: description,
      scopes: context.requiredScopes,
    });
    this.headers = Object.freeze({ 'WWW-Authenticate': this.wwwAuthenticate });
  }
}

/**
 * 503: the zone's metadata or signing keys cannot be fetched, so no token can be checked.
 * The guard denies (fails closed); the next request tries again.
 */
export class KeycardAuthServerUnavailableException extends ServiceUnavailableException implements KeycardHttpHeaders {
  readonly headers: Readonly<Record<string, string>> = Object.freeze({});

  constructor(options?: { cause?: unknown }) {
    const description = 'The authorization server is unreachable, so the access token cannot be verified. Try again later.';
    super({ error: 'temporarily_unavailable', error_description: description } satisfies KeycardAuthErrorBody, {
      description,
      cause: options?.cause,
    });
    this.message = description;
  }
}
