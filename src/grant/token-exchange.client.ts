import { Logger } from '@nestjs/common';
import type { ApplicationCredential } from '../credentials/application-credential.js';
import { KeycardConfigurationError, KeycardError } from '../errors/keycard.error.js';
import type { ZoneMetadata } from '../zone/zone-metadata.interface.js';
import { TokenExchangeError } from './token-exchange.error.js';
import type { TokenResponse } from './token-response.interface.js';
import { readLimitedBody, ResponseTooLargeError } from '../zone/read-limited-body.js';
import { secretsOf, sanitize } from './redact-secrets.js';
import { SUBSTITUTE_USER_TOKEN_TYPE } from './substitute-user-token.js';

/** RFC 8693 grant type. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 token type of the inbound bearer token. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** Default cap on the size of a token endpoint answer: 1 MiB. */
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Options of `TokenExchangeClient`. */
export interface TokenExchangeClientOptions {
  /** Time allowed for one exchange, request and answer together, in milliseconds (a positive integer). */
  readonly timeoutMs: number;
  /** Client authentication added to every request. Default: none (the zone decides). */
  readonly credential?: ApplicationCredential;
  /** The `fetch` to use. Default: Node's global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Largest answer accepted from the token endpoint, in bytes. Default: 1 MiB. */
  readonly maxResponseBytes?: number;
}

/** One RFC 8693 exchange. */
export interface TokenExchangeRequest {
  /** The zone's metadata: `token_endpoint` receives the request, `issuer` goes to the credential. */
  readonly metadata: Pick<ZoneMetadata, 'token_endpoint' | 'issuer'>;
  /** The inbound bearer token (the user's token for this MCP server), or a substitute-user token. */
  readonly subjectToken: string;
  /**
   * RFC 8693 `subject_token_type`. Default: `urn:ietf:params:oauth:token-type:access_token`.
   * The substitute-user type (impersonation) is only sent with an application credential.
   */
  readonly subjectTokenType?: string;
  /** The downstream resource the new token is for. */
  readonly resource: string;
  /** Scopes to ask for: a space-separated string or a list. */
  readonly scope?: string | readonly string[];
}

/**
 * Sends RFC 8693 token exchange requests to a zone's token endpoint and parses the answer.
 * Every failure becomes a `TokenExchangeError`; tokens and client secrets never appear in
 * its message.
 */
export class TokenExchangeClient {
  private readonly logger = new Logger(TokenExchangeClient.name);
  private readonly timeoutMs: number;
  private readonly credential: ApplicationCredential | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly maxResponseBytes: number;

  constructor(options: TokenExchangeClientOptions) {
    this.timeoutMs = positiveInteger(options.timeoutMs, 'timeoutMs', 'milliseconds');
    this.maxResponseBytes = positiveInteger(options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, 'maxResponseBytes', 'bytes');
    this.credential = options.credential;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  /** Exchanges `subjectToken` for a token for `resource`. */
  async exchange(request: TokenExchangeRequest): Promise<TokenResponse> {
    const { metadata, subjectToken, resource } = request;
    if (!subjectToken) {
      throw new TokenExchangeError(`Token exchange for ${resource} needs a subject token; none was given`, {
        code: 'missing_subject_token',
        resource,
      });
    }
    const subjectTokenType = request.subjectTokenType ?? ACCESS_TOKEN_TYPE;
    if (subjectTokenType === SUBSTITUTE_USER_TOKEN_TYPE && !this.credential) {
      // Fail closed: an impersonation request must carry the application's own authentication.
      throw new TokenExchangeError(
        `Token exchange for ${resource} refused: impersonation (userIdentifier) needs an application credential, and none is configured`,
        { code: 'credential_error', description: 'impersonation needs an application credential', resource },
      );
    }
    const tokenEndpoint = metadata.token_endpoint;
    const body = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT_TYPE,
      subject_token: subjectToken,
      subject_token_type: subjectTokenType,
      resource,
    });
    const scope = joinScope(request.scope);
    if (scope) {
      body.set('scope', scope);
    }
    const headers = new Headers({
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    });
    if (this.credential) {
      await this.authenticate(this.credential, { tokenEndpoint, issuer: metadata.issuer, headers, body }, resource);
    }
    const secrets = secretsOf(subjectToken, headers, body);

    const signal = AbortSignal.timeout(this.timeoutMs);
    let status: number | undefined;
    try {
      const response = await this.fetchImpl(tokenEndpoint, {
        method: 'POST',
        headers,
        body: body.toString(),
        signal,
        // A redirected POST would carry the subject token to another URL: never follow.
        redirect: 'manual',
      });
      status = response.status;
      const text = await readLimitedBody(response, this.maxResponseBytes, (error) =>
        this.logger.debug(`Could not cancel an oversized token endpoint answer: ${describeCause(error)}`),
      );
      return parseAnswer(response, text, resource, secrets);
    } catch (error) {
      if (error instanceof TokenExchangeError) {
        throw error;
      }
      if (error instanceof ResponseTooLargeError) {
        throw new TokenExchangeError(
          `Token exchange for ${resource}: the token endpoint answered HTTP ${status} with more than ${this.maxResponseBytes} bytes; answer rejected`,
          { code: 'invalid_response', description: `answer larger than ${this.maxResponseBytes} bytes`, status, resource },
        );
      }
      if (signal.aborted) {
        throw new TokenExchangeError(
          `Token exchange for ${resource} timed out after ${this.timeoutMs} ms waiting for ${tokenEndpoint}`,
          { code: 'timeout', description: `no complete answer within ${this.timeoutMs} ms`, status, resource, cause: error },
        );
      }
      const reason = sanitize(describeCause(error), secrets);
      throw new TokenExchangeError(`Token exchange request for ${resource} to ${tokenEndpoint} failed: ${reason}`, {
        code: 'network_error',
        description: reason,
        status,
        resource,
        cause: error,
      });
    }
  }

  private async authenticate(
    credential: ApplicationCredential,
    request: Parameters<ApplicationCredential['authenticate']>[0],
    resource: string,
  ): Promise<void> {
    try {
      await credential.authenticate(request);
    } catch (error) {
      const reason = error instanceof KeycardError ? error.message : 'unexpected error in the credential';
      throw new TokenExchangeError(
        `Token exchange for ${resource}: the application credential (${credential.kind}) could not authenticate the request: ${reason}`,
        { code: 'credential_error', description: reason, resource, cause: error },
      );
    }
  }
}

function parseAnswer(response: Response, text: string, resource: string, secrets: readonly string[]): TokenResponse {
  const status = response.status;
  const contentType = response.headers.get('content-type') ?? '';
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (status >= 300 && status < 400) {
    throw new TokenExchangeError(
      `Token exchange for ${resource}: the token endpoint answered with a redirect (HTTP ${status}); redirects are not followed`,
      { code: 'invalid_response', description: `redirect (HTTP ${status})`, status, resource },
    );
  }
  if (mediaType !== 'application/json' && !mediaType.endsWith('+json')) {
    const shown = contentType ? `content type "${sanitize(contentType, secrets).slice(0, 100)}"` : 'no content type';
    throw new TokenExchangeError(
      `Token exchange for ${resource}: the token endpoint answered HTTP ${status} with ${shown} instead of JSON`,
      { code: 'invalid_response', description: `HTTP ${status} with ${shown}`, status, resource },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TokenExchangeError(
      `Token exchange for ${resource}: the token endpoint answered HTTP ${status} with a body that is not valid JSON`,
      { code: 'invalid_response', description: `HTTP ${status} with invalid JSON`, status, resource, cause: error },
    );
  }
  const answer: Record<string, unknown> = isRecord(json) ? json : {};

  if (status < 200 || status >= 300) {
    if (typeof answer['error'] === 'string' && answer['error']) {
      const code = sanitize(answer['error'], secrets).slice(0, 100);
      const raw = answer['error_description'];
      const description = typeof raw === 'string' && raw ? sanitize(raw, secrets) : undefined;
      throw new TokenExchangeError(
        `Token exchange for ${resource} was rejected by the authorization server: HTTP ${status} ${code}${description ? `: ${description}` : ''}`,
        { code, description, status, resource },
      );
    }
    const code = status >= 500 ? 'server_error' : 'invalid_response';
    throw new TokenExchangeError(
      `Token exchange for ${resource} failed: the token endpoint answered HTTP ${status} without an OAuth error code`,
      { code, description: `HTTP ${status}`, status, resource },
    );
  }

  const accessToken = answer['access_token'];
  if (typeof accessToken !== 'string' || !accessToken) {
    throw invalidSuccess(resource, status, 'has no access_token');
  }
  const tokenType = optionalString(answer, 'token_type', resource, status) ?? 'Bearer';
  const scope = optionalString(answer, 'scope', resource, status);
  const issuedTokenType = optionalString(answer, 'issued_token_type', resource, status);
  const expiresIn = parseExpiresIn(answer['expires_in'], resource, status);
  return Object.freeze({
    accessToken,
    tokenType,
    ...(expiresIn !== undefined && { expiresIn }),
    ...(scope !== undefined && { scope }),
    ...(issuedTokenType !== undefined && { issuedTokenType }),
  });
}

function optionalString(answer: Record<string, unknown>, name: string, resource: string, status: number): string | undefined {
  const value = answer[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw invalidSuccess(resource, status, `has a ${name} that is not a string`);
  }
  return value;
}

function parseExpiresIn(value: unknown, resource: string, status: number): number | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw invalidSuccess(resource, status, 'has an expires_in that is not a non-negative number');
  }
  return seconds;
}

function invalidSuccess(resource: string, status: number, problem: string): TokenExchangeError {
  return new TokenExchangeError(`Token exchange for ${resource}: the token endpoint's answer ${problem}`, {
    code: 'invalid_response',
    description: `answer ${problem}`,
    status,
    resource,
  });
}

function joinScope(scope: string | readonly string[] | undefined): string | undefined {
  if (scope === undefined) {
    return undefined;
  }
  const joined = (typeof scope === 'string' ? scope : scope.join(' ')).trim();
  return joined || undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const cause: unknown = error.cause;
    if (cause instanceof Error && cause.message) {
      return cause.message;
    }
    return error.message || error.name;
  }
  return 'unknown error';
}

function positiveInteger(value: number, name: string, unit: string): number {
  if (!Number.isSafeInteger(value) || value <= 0 || value > 0xffff_ffff) {
    throw new KeycardConfigurationError(
      `token exchange ${name} must be a positive whole number of ${unit}, got ${String(value)}`,
    );
  }
  return value;
}
