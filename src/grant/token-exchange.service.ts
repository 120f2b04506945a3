import { Logger } from '@nestjs/common';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import type { ZoneMetadata } from '../zone/zone-metadata.interface.js';
import { AccessContext } from './access-context.js';
import type { AccessErrorEntry } from './access-context.types.js';
import type { ExchangeCache, ExchangeCacheEntry } from './exchange-cache.js';
import { exchangeCacheKey, normalizeScope } from './exchange-cache-key.js';
import { MemoryExchangeCache } from './memory-exchange-cache.js';
import { ACCESS_TOKEN_TYPE, type TokenExchangeClient } from './token-exchange.client.js';
import { TokenExchangeError } from './token-exchange.error.js';
import type { TokenResponse } from './token-response.interface.js';

/** Default margin before expiry at which a cached token is no longer served: 30 s. */
const DEFAULT_REFRESH_SKEW_SECONDS = 30;

/** The global error of a context whose request carried no bearer token. */
export const NO_AUTHENTICATION_TOKEN_MESSAGE = 'no authentication token available';

/** Scopes of a grant: one string or list for every resource, or a map resource → scopes. */
export type GrantScopes = string | readonly string[] | Readonly<Record<string, string | readonly string[]>>;

/** Options of `TokenExchangeService`. */
export interface TokenExchangeServiceOptions {
  /** Sends the exchange requests. */
  readonly client: TokenExchangeClient;
  /** Keeps exchanged tokens. */
  readonly cache: ExchangeCache;
  /** Clock in ms since the epoch. Default: `Date.now`. */
  readonly now?: () => number;
  /** A cached token is dropped this many seconds before it (or the subject token) expires. Default: 30. */
  readonly refreshSkewSeconds?: number;
}

/** One exchange through the cache. */
export interface ExchangeParams {
  readonly metadata: Pick<ZoneMetadata, 'token_endpoint' | 'issuer'>;
  /** The inbound bearer token, or a substitute-user token (impersonation). */
  readonly subjectToken: string;
  /** RFC 8693 `subject_token_type`. Default: access token. */
  readonly subjectTokenType?: string;
  /** The inbound token's `exp` (seconds since the epoch): no exchanged token is cached past it. */
  readonly subjectExpiresAt?: number;
  readonly resource: string;
  readonly scope?: string | readonly string[];
}

/** The exchanges of one `@Grant(...)` call. */
export interface ExchangeAllParams {
  readonly metadata: Pick<ZoneMetadata, 'token_endpoint' | 'issuer'>;
  /** The inbound bearer token (empty when the request had none), or a substitute-user token. */
  readonly subjectToken: string;
  /** RFC 8693 `subject_token_type`. Default: access token. */
  readonly subjectTokenType?: string;
  /** The inbound token's `exp` (seconds since the epoch). */
  readonly subjectExpiresAt?: number;
  readonly resources: readonly string[];
  readonly scopes?: GrantScopes;
}

/**
 * RFC 8693 exchanges with caching and single-flight: a cached token is served until shortly
 * before the earlier of its own and the subject token's expiry; concurrent identical
 * exchanges share one request; failures are never cached.
 */
export class TokenExchangeService {
  private readonly logger = new Logger(TokenExchangeService.name);
  private readonly client: TokenExchangeClient;
  private readonly cache: ExchangeCache;
  /** The cache when it answers synchronously (the in-memory default): enables `exchangeAllFromCache`. */
  private readonly syncCache: MemoryExchangeCache | undefined;
  private readonly now: () => number;
  private readonly refreshSkewMs: number;
  private readonly inFlight = new Map<string, Promise<TokenResponse>>();

  constructor(options: TokenExchangeServiceOptions) {
    const skew = options.refreshSkewSeconds ?? DEFAULT_REFRESH_SKEW_SECONDS;
    if (!Number.isFinite(skew) || skew < 0) {
      throw new KeycardConfigurationError(`token exchange refreshSkewSeconds must be a number >= 0, got ${String(skew)}`);
    }
    this.client = options.client;
    this.cache = options.cache;
    this.syncCache = options.cache instanceof MemoryExchangeCache ? options.cache : undefined;
    this.now = options.now ?? Date.now;
    this.refreshSkewMs = skew * 1000;
  }

  /** A token for one resource, from the cache or a new exchange. Throws `TokenExchangeError`. */
  exchange(params: ExchangeParams): Promise<TokenResponse> {
    const scope = normalizeScope(params.scope);
    const key = exchangeCacheKey(cacheSubject(params), params.resource, scope);
    const pending = this.inFlight.get(key);
    if (pending) {
      return pending;
    }
    const promise = this.lookupOrExchange(key, params, scope).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  /**
   * Exchanges every resource concurrently and records the outcome in an `AccessContext`.
   * Never rejects because of a failed exchange: failures become resource errors, a missing
   * subject token becomes the global error (and nothing is sent).
   */
  async exchangeAll(params: ExchangeAllParams): Promise<AccessContext> {
    const context = new AccessContext();
    if (!params.subjectToken) {
      context.setError({ message: NO_AUTHENTICATION_TOKEN_MESSAGE, retryable: false });
      return context;
    }
    const resources = [...new Set(params.resources)];
    const results = await Promise.allSettled(
      resources.map(async (resource) =>
        this.exchange({
          metadata: params.metadata,
          subjectToken: params.subjectToken,
          subjectTokenType: params.subjectTokenType,
          subjectExpiresAt: params.subjectExpiresAt,
          resource,
          scope: scopeFor(params.scopes, resource),
        }),
      ),
    );
    results.forEach((result, index) => {
      const resource = resources[index] as string;
      if (result.status === 'fulfilled') {
        context.setToken(resource, result.value);
      } else {
        context.setResourceError(resource, this.toErrorEntry(resource, result.reason));
      }
    });
    return context;
  }

  /**
   * The synchronous fast path of `exchangeAll` for a grant whose every token is in the cache:
   * the same `AccessContext` `exchangeAll` would build, without promises. `undefined` — call
   * `exchangeAll` — when any resource is not cached or is being exchanged, when there is no
   * subject token, or when the cache is not a synchronous one (`MemoryExchangeCache`): a
   * custom cache is read once, on the async path.
   */
  exchangeAllFromCache(params: ExchangeAllParams): AccessContext | undefined {
    const cache = this.syncCache;
    if (cache === undefined || !params.subjectToken) {
      return undefined;
    }
    const resources = params.resources.length === 1 ? params.resources : [...new Set(params.resources)];
    const entries: ExchangeCacheEntry[] = [];
    try {
      for (const resource of resources) {
        const key = exchangeCacheKey(cacheSubject(params), resource, scopeFor(params.scopes, resource));
        const entry = this.inFlight.has(key) ? undefined : cache.get(key);
        if (entry === undefined) {
          return undefined;
        }
        entries.push(entry);
      }
    } catch (error) {
      this.logger.warn(`Exchange cache lookup failed; taking the async path: ${reasonOf(error)}`);
      return undefined;
    }
    const context = new AccessContext();
    entries.forEach((entry, index) => {
      context.setToken(resources[index] as string, withRemainingLifetime(entry, this.now()));
    });
    return context;
  }

  private async lookupOrExchange(key: string, params: ExchangeParams, scope: string): Promise<TokenResponse> {
    const cached = await this.readCache(key);
    if (cached) {
      return withRemainingLifetime(cached, this.now());
    }
    const obtainedAtMs = this.now();
    let response: TokenResponse;
    try {
      response = await this.client.exchange({
        metadata: params.metadata,
        subjectToken: params.subjectToken,
        subjectTokenType: params.subjectTokenType,
        resource: params.resource,
        scope: scope || undefined,
      });
    } catch (error) {
      this.logger.warn(`Token exchange failed for ${params.resource}: ${reasonOf(error)}`);
      throw error;
    }
    const expiresAtMs = this.cacheUntil(response, obtainedAtMs, params.subjectExpiresAt);
    if (expiresAtMs !== undefined) {
      await this.writeCache(key, { response, obtainedAtMs }, expiresAtMs);
    }
    return response;
  }

  /** When to stop serving a cached token, or `undefined` to not cache it. */
  private cacheUntil(response: TokenResponse, obtainedAtMs: number, subjectExpiresAt: number | undefined): number | undefined {
    const limits: number[] = [];
    if (response.expiresIn !== undefined) {
      limits.push(obtainedAtMs + response.expiresIn * 1000);
    }
    if (subjectExpiresAt !== undefined && Number.isFinite(subjectExpiresAt)) {
      limits.push(subjectExpiresAt * 1000);
    }
    if (limits.length === 0) {
      return undefined;
    }
    const until = Math.min(...limits) - this.refreshSkewMs;
    return until > this.now() ? until : undefined;
  }

  private async readCache(key: string): Promise<ExchangeCacheEntry | undefined> {
    try {
      return await this.cache.get(key);
    } catch (error) {
      this.logger.warn(`Exchange cache lookup failed; exchanging without it: ${reasonOf(error)}`);
      return undefined;
    }
  }

  private async writeCache(key: string, entry: ExchangeCacheEntry, expiresAtMs: number): Promise<void> {
    try {
      await this.cache.set(key, entry, expiresAtMs);
    } catch (error) {
      this.logger.warn(`Exchange cache write failed; the token is used but not cached: ${reasonOf(error)}`);
    }
  }

  private toErrorEntry(resource: string, error: unknown): AccessErrorEntry {
    const message = `Token exchange failed for ${resource}`;
    if (error instanceof TokenExchangeError) {
      return { message, code: error.code, description: error.description ?? error.message, retryable: error.retryable };
    }
    return { message, code: 'internal_error', description: 'unexpected error during the token exchange', retryable: false };
  }
}

/**
 * The subject part of the cache key: the token itself for the caller's own token, and the
 * type plus the token otherwise. A substitute-user token names its user, so impersonated
 * tokens are cached per user; the type (and a space, which no bearer token holds) keeps
 * them apart from any inbound token spelled the same.
 */
function cacheSubject(params: { readonly subjectToken: string; readonly subjectTokenType?: string }): string {
  const type = params.subjectTokenType;
  return type === undefined || type === ACCESS_TOKEN_TYPE ? params.subjectToken : `${type} ${params.subjectToken}`;
}

function scopeFor(scopes: GrantScopes | undefined, resource: string): string | readonly string[] | undefined {
  if (scopes === undefined || typeof scopes === 'string' || isList(scopes)) {
    return scopes;
  }
  return Object.hasOwn(scopes, resource) ? scopes[resource] : undefined;
}

function isList(value: GrantScopes): value is readonly string[] {
  return Array.isArray(value);
}

function withRemainingLifetime(entry: ExchangeCacheEntry, nowMs: number): TokenResponse {
  const { response, obtainedAtMs } = entry;
  if (response.expiresIn === undefined) {
    return response;
  }
  const elapsedSeconds = Math.max(0, Math.floor((nowMs - obtainedAtMs) / 1000));
  return Object.freeze({ ...response, expiresIn: Math.max(0, response.expiresIn - elapsedSeconds) });
}

function reasonOf(error: unknown): string {
  if (error instanceof TokenExchangeError) {
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
