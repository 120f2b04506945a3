import { HttpException, Injectable, Logger, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { AuthGuard, type AuthGuardAuthenticateOptions } from '@nestjs/passport';
import { KEYCARD_JWT_STRATEGY, KEYCARD_PUBLIC_KEY, KEYCARD_REQUIRED_SCOPES_KEY } from './auth.constants.js';
import { parseAuthorizationHeader } from './bearer-token.js';
import { getHeader, getHttpRequest, getHttpResponse, type KeycardHttpRequest } from './http-request.util.js';
import {
  KeycardAuthServerUnavailableException,
  KeycardInsufficientScopeException,
  KeycardUnauthorizedException,
  type KeycardChallengeContext,
  type KeycardHttpHeaders,
} from './keycard-auth.exceptions.js';
import { beginTokenVerification, endTokenVerification } from './keycard-jwt.strategy.js';
import { KeycardTokenVerifier } from './keycard-token.verifier.js';
import type { KeycardAuthInfo, KeycardUser } from './keycard-user.interface.js';
import { missingScopes } from './token-claims.js';
import { AuthorizationServerUnavailableError, TokenRejectedError } from './token-verification.errors.js';
import { RejectionLogLimiter } from './rejection-log-limiter.js';
import { RouteSettingsCache } from './route-settings-cache.js';
import { attachVerifiedUser, findVerifiedUser } from './verified-request.js';
import { VerifiedTokenCache, verifiedTokenKid } from './verified-token-cache.js';

/** The decorators' say on a route: `@Public()`, and the scopes it requires (module's and `@RequireScopes()`). */
interface RouteSettings {
  readonly isPublic: boolean;
  readonly requiredScopes: readonly string[];
}

/** jsonwebtoken's messages, mapped to fixed descriptions (its own texts are never passed on). */
const JWT_ERROR_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'invalid signature': 'the token signature is invalid',
  'jwt malformed': 'the token is malformed',
  'invalid token': 'the token is malformed',
  'jwt signature is required': 'the token is signed with an algorithm that is not allowed',
  'invalid algorithm': 'the token is signed with an algorithm that is not allowed',
};

function isKeycardUser(value: unknown): value is KeycardUser {
  return typeof value === 'object' && value !== null && typeof (value as KeycardUser).sub === 'string' && typeof (value as KeycardUser).token === 'string';
}

/**
 * Verifies the bearer token of a request against the Keycard zone and answers MCP-style
 * challenges when it cannot: 401 (no or bad token), 403 (missing scope), 503 (zone
 * unreachable). Built on `@nestjs/passport` (`AuthGuard('keycard-jwt')`).
 *
 * On success `req.user` is a `KeycardUser` and `req.auth` the MCP SDK `AuthInfo`
 * (also on `req.raw` under Fastify). Works on HTTP routes and on MCP-Nest tool calls
 * (`rpc` context, the HTTP request of the MCP message). `@Public()` skips it; nothing else
 * does (CORS preflights of the MCP endpoints never reach it: `KeycardCorsMiddleware` answers
 * them).
 *
 * Two paths: a token seen for the first time is verified in full (passport-jwt, jsonwebtoken,
 * the claim checks) and remembered (`VerifiedTokenCache`, until its `exp`); a remembered
 * token takes the cached path (`fromCache`), which decodes nothing but still checks, on every
 * request, its expiry, that its key is still published, the endpoint's audience rule, the
 * route's scopes and `handleRequest`.
 *
 * Extend it and override the `protected` methods to change a step (as with
 * `@nestjs/passport`): `getRequest`, `getResponse`, `isPublic`, `getRequiredScopes`,
 * `handleRequest`, `reject`.
 */
@Injectable()
export class KeycardAuthGuard extends AuthGuard(KEYCARD_JWT_STRATEGY) implements CanActivate {
  protected readonly logger = new Logger(KeycardAuthGuard.name);
  private readonly routes = new RouteSettingsCache<RouteSettings>();
  /** One warn line per distinct rejection reason per minute; the rest at debug. */
  private readonly rejectionLog = new RejectionLogLimiter();
  /** Whether the HTTP adapter is Fastify (then `req.raw` gets the user too); read on the first request. */
  private fastify: boolean | undefined;

  constructor(
    protected readonly verifier: KeycardTokenVerifier,
    protected readonly reflector: Reflector,
    @Optional() protected readonly adapterHost?: HttpAdapterHost,
    @Optional() protected readonly verifiedTokens?: VerifiedTokenCache,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublic(context)) return true;
    const request = this.getRequest(context);
    if (!request) {
      // An RPC call without HTTP (stdio) or an unsupported context: nothing to verify.
      const reason = 'no HTTP request to read a bearer token from';
      throw this.reject(context, KeycardUnauthorizedException.missingToken(this.getChallengeContext(context, undefined)), reason);
    }
    // No exception for CORS preflights: KeycardCorsMiddleware answers those of the MCP
    // endpoints and discovery documents before any guard; anything else reaching a guarded
    // handler (an `OPTIONS` included) needs a valid token.

    const user = findVerifiedUser(request, this.verifier) ?? this.fromCache(context, request) ?? (await this.authenticate(context, request));

    const required = this.getRequiredScopes(context);
    if (required.length > 0) {
      const missing = missingScopes(user.scopes, required);
      if (missing.length > 0) {
        const exception = new KeycardInsufficientScopeException(this.getChallengeContext(context, request), missing);
        throw this.reject(context, exception, `missing scope(s): ${missing.join(' ')}`);
      }
    }
    return true;
  }

  /**
   * The cached path: a token whose full verification is remembered. The cache serves it only
   * before its `exp` and while its key is still published in a fresh key set; here the
   * request's endpoint must be the one it was admitted at (else that endpoint's audience rule,
   * `createUser`, decides on the remembered claims) and `handleRequest` must accept it.
   * `undefined` — the full path decides — whenever anything is not so.
   */
  private fromCache(context: ExecutionContext, request: KeycardHttpRequest): KeycardUser | undefined {
    const header = request.headers.authorization;
    if (this.verifiedTokens === undefined || typeof header !== 'string' || !header.startsWith('Bearer ')) return undefined;
    const token = header.slice(7);
    const remembered = this.verifiedTokens.get(token);
    if (remembered === undefined) return undefined;
    const resource = this.verifier.resourceForRequest(request);
    const { sub, clientId, scopes, claims, expiresAt, resource: admittedAt } = remembered.user;
    let user: KeycardUser = { sub, clientId, scopes, claims, token, expiresAt, resource: admittedAt };
    try {
      if (admittedAt !== resource.resourceUrl) user = this.verifier.createUser(claims, token, request);
      user = this.handleRequest(null, user, undefined, context);
    } catch (error) {
      this.logger.debug(`A remembered token is verified again: ${errorName(error)}`);
      return undefined;
    }
    this.attach(context, request, user, user.claims === claims ? remembered.extra : undefined);
    return user;
  }

  /** The HTTP request of any context (see `getHttpRequest`); `undefined` when there is none. */
  override getRequest(context: ExecutionContext): KeycardHttpRequest | undefined {
    return getHttpRequest(context);
  }

  /** The HTTP response of an `http` context; `undefined` for tool calls. */
  getResponse(context: ExecutionContext): object | undefined {
    return getHttpResponse(context);
  }

  /** Always a stateless check that stores the user in `req.user`, whatever `PassportModule` says. */
  override getAuthenticateOptions(): AuthGuardAuthenticateOptions {
    return { session: false, property: 'user' };
  }

  /** `@Public()` on the handler or its class. */
  protected isPublic(context: ExecutionContext): boolean {
    return this.routeSettings(context).isPublic;
  }

  /** The module's `requiredScopes` and every `@RequireScopes()` on the handler and its class (frozen). */
  protected getRequiredScopes(context: ExecutionContext): readonly string[] {
    return this.routeSettings(context).requiredScopes;
  }

  /** What the decorators of this handler and class say, read once per (handler, class). */
  private routeSettings(context: ExecutionContext): RouteSettings {
    const handler = context.getHandler();
    const target = context.getClass();
    return this.routes.get(handler, target) ?? this.routes.set(handler, target, this.readRouteSettings(handler, target));
  }

  private readRouteSettings(handler: object, target: object): RouteSettings {
    const targets = [handler, target] as Parameters<Reflector['getAllAndMerge']>[1];
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(KEYCARD_PUBLIC_KEY, targets) === true;
    const fromDecorators = this.reflector.getAllAndMerge<string[]>(KEYCARD_REQUIRED_SCOPES_KEY, targets);
    const requiredScopes = Object.freeze([...new Set([...this.verifier.config.requiredScopes, ...(fromDecorators ?? [])])]);
    return { isPublic, requiredScopes };
  }

  /**
   * Passport's result → the user, or the exception to answer with. `err`/`info` are the
   * failures of the strategy (`TokenRejectedError`, `AuthorizationServerUnavailableError`,
   * jsonwebtoken errors).
   */
  override handleRequest<TUser = KeycardUser>(err: unknown, user: unknown, info: unknown, context: ExecutionContext): TUser {
    if (!err && isKeycardUser(user)) return user as TUser;
    throw this.toException(err ?? info, context);
  }

  /**
   * Sets the exception's headers (`WWW-Authenticate`) on the HTTP response, logs the
   * reason (never the token) and returns the exception for the caller to throw. Rejections
   * are logged at warn once per distinct line per minute (with the count of those sent to
   * debug meanwhile), every other one at debug, so a flood of bad tokens cannot flood the logs.
   */
  protected reject(context: ExecutionContext, exception: HttpException & KeycardHttpHeaders, reason: string): HttpException {
    const status = exception.getStatus();
    if (status === 503) this.logRejection(`Cannot verify bearer tokens: ${reason}`);
    else if (exception instanceof KeycardUnauthorizedException && exception.wwwAuthenticate.includes('error=')) {
      this.logRejection(`Rejected a bearer token: ${reason}`);
    } else if (status === 403) this.logRejection(`Refused a bearer token: ${reason}`);
    else this.logger.debug(`Unauthenticated request: ${reason}`);
    this.setResponseHeaders(context, exception.headers);
    return exception;
  }

  private logRejection(line: string): void {
    const decision = this.rejectionLog.decide(line);
    if (decision.level === 'debug') this.logger.debug(line);
    else if (decision.suppressed === 0) this.logger.warn(line);
    else this.logger.warn(`${line} (and ${decision.suppressed} more like it since the last warning, logged at debug)`);
  }

  /** The full path: passport-jwt checks the signature, the verifier the claims; the user is remembered. */
  private async authenticate(context: ExecutionContext, request: KeycardHttpRequest): Promise<KeycardUser> {
    const credentials = parseAuthorizationHeader(getHeader(request, 'authorization'));
    switch (credentials.kind) {
      case 'missing':
        throw this.reject(context, KeycardUnauthorizedException.missingToken(this.getChallengeContext(context, request)), 'no bearer token');
      case 'other-scheme': {
        const exception = KeycardUnauthorizedException.unsupportedScheme(this.getChallengeContext(context, request));
        throw this.reject(context, exception, 'the Authorization header is not a Bearer one');
      }
      case 'malformed': {
        const exception = KeycardUnauthorizedException.invalidToken(this.getChallengeContext(context, request), credentials.reason);
        throw this.reject(context, exception, credentials.reason);
      }
      case 'bearer':
        break;
    }

    beginTokenVerification(request, this.verifier, credentials.token);
    let verifiedWith: string | undefined;
    try {
      await super.canActivate(context);
    } catch (error) {
      if (error instanceof HttpException) throw error;
      // Fail closed, never 500: whatever broke, this token is not accepted.
      const reason = 'the token could not be verified';
      const exception = KeycardUnauthorizedException.invalidToken(this.getChallengeContext(context, request), reason, { cause: error });
      throw this.reject(context, exception, `${reason} (${errorName(error)})`);
    } finally {
      verifiedWith = endTokenVerification(request);
    }

    const user = (request as { user?: unknown }).user;
    if (!isKeycardUser(user)) {
      const reason = 'the token could not be verified';
      throw this.reject(context, KeycardUnauthorizedException.invalidToken(this.getChallengeContext(context, request), reason), `${reason} (no user)`);
    }
    if (verifiedWith !== undefined && user.token === credentials.token) {
      this.verifiedTokens?.set(credentials.token, user, { kid: verifiedTokenKid(credentials.token), keyPem: verifiedWith });
    }
    this.attach(context, request, user, undefined);
    return user;
  }

  /** Writes the user on the request (and on `req.raw` under Fastify) for the endpoint it was admitted at. */
  private attach(context: ExecutionContext, request: KeycardHttpRequest, user: KeycardUser, extra: KeycardAuthInfo['extra']): void {
    this.fastify ??= this.adapterHost?.httpAdapter?.getType() === 'fastify';
    const raw = this.fastify && context.getType<string>() === 'http' ? request.raw : undefined;
    const resource = this.verifier.resourceByUrl(user.resource) ?? this.verifier.resourceForRequest(request);
    attachVerifiedUser(request, raw, user, extra ?? { sub: user.sub, claims: user.claims }, resource, this.verifier);
  }

  private getChallengeContext(context: ExecutionContext, request: KeycardHttpRequest | undefined): KeycardChallengeContext {
    const resource = request ? this.verifier.resourceForRequest(request) : this.verifier.config.resources[0]!;
    return { resourceMetadataUrl: resource.metadataUrl, requiredScopes: this.getRequiredScopes(context) };
  }

  private toException(failure: unknown, context: ExecutionContext): HttpException {
    if (failure instanceof HttpException) return failure;
    const challenge = this.getChallengeContext(context, this.getRequest(context));
    if (failure instanceof AuthorizationServerUnavailableError) {
      return this.reject(context, new KeycardAuthServerUnavailableException({ cause: failure }), failure.message);
    }
    let description = 'the token could not be verified';
    if (failure instanceof TokenRejectedError) description = failure.message;
    else if (failure instanceof Error && failure.name === 'JsonWebTokenError') description = JWT_ERROR_DESCRIPTIONS[failure.message] ?? description;
    return this.reject(context, KeycardUnauthorizedException.invalidToken(challenge, description, { cause: failure }), description);
  }

  private setResponseHeaders(context: ExecutionContext, headers: Readonly<Record<string, string>>): void {
    const response = this.getResponse(context);
    if (!response) return;
    for (const [name, value] of Object.entries(headers)) {
      if (this.adapterHost?.httpAdapter) this.adapterHost.httpAdapter.setHeader(response, name, value);
      else if (typeof (response as { setHeader?: unknown }).setHeader === 'function') (response as { setHeader(n: string, v: string): void }).setHeader(name, value);
    }
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
