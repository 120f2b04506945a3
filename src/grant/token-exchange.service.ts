import { Logger } from '@nestjs/common';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import type { ZoneMetadata } from '../zone/zone-metadata.interface.js';
import { AccessContext } from './access-context.js';
import type { AccessErrorEntry } from './access-context.types.js';
import type { ExchangeCache, ExchangeCacheEntry, ExchangeCacheKey } from './exchange-cache.js';
import { exchangeCacheKey, normalizeScope } from './exchange-cache-key.js';
import { sharedExchangeCacheKey } from './exchange-seal.js';
import { MemoryExchangeCache } from './memory-exchange-cache.js';
import type { RedisExchangeLease } from './redis-exchange-lease.js';
import { SharedExchangeLevel } from './shared-exchange-level.js';
import { ACCESS_TOKEN_TYPE, type TokenExchangeClient } from './token-exchange.client.js';
import { TokenExchangeError } from './token-exchange.error.js';
import type { TokenResponse } from './token-response.interface.js';

/** Default margin before expiry at which a cached token is no longer served: 30 s. */
const DEFAULT_REFRESH_SKEW_SECONDS = 30;

/** Default lease time, also the longest wait for another replica's exchange: 5.5 s. */
const DEFAULT_LEASE_MS = 5500;

/** The global error of a context whose request carried no bearer token. */
export const NO_AUTHENTICATION_TOKEN_MESSAGE = 'no authentication token available';

/** Scopes of a grant: one string or list for every resource, or a map resource → scopes. */
export type GrantScopes = string | readonly string[] | Readonly<Record<string, string | readonly string[]>>;

/** Options of `TokenExchangeService`. */
export interface TokenExchangeServiceOptions {
  /** Sends the exchange requests. */
  readonly client: TokenExchangeClient;
  /**
   * Keeps exchanged tokens: a `MemoryExchangeCache`, or a shared cache (e.g. `RedisExchangeCache`),
   * which then gets an in-memory cache of `memoryMaxEntries` in front of it.
   */
  readonly cache: ExchangeCache;
  /** Entries of the in-memory cache put in front of a shared `cache`. Default: 1000. */
  readonly memoryMaxEntries?: number;
  /** Cross-replica single-flight (with a shared cache): one replica exchanges, the others read its result. */
  readonly lease?: RedisExchangeLease;
  /** Lease time in ms, also the longest wait for another replica's exchange. Default: 5500. */
  readonly leaseMs?: number;
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
 *
 * Two cache levels: this process's `MemoryExchangeCache` (synchronous, read first) and an
 * optional shared cache (Redis) read on a miss. With a lease, concurrent identical exchanges
 * on several replicas share one request too. The shared level is an optimisation: when it
 * fails or is slow (bounded by its timeouts) the process exchanges on its own.
 */
export class TokenExchangeService {
  private readonly logger = new Logger(TokenExchangeService.name);
  private readonly client: TokenExchangeClient;
  /** The in-process level, read synchronously (also by `exchangeAllFromCache`). */
  private readonly memory: MemoryExchangeCache;
  /** The shared level (and cross-replica single-flight), when there is one. */
  private readonly shared: SharedExchangeLevel | undefined;
  private readonly now: () => number;
  private readonly refreshSkewMs: number;
  private readonly inFlight = new Map<string, Promise<TokenResponse>>();

  constructor(options: TokenExchangeServiceOptions) {
    const skew = options.refreshSkewSeconds ?? DEFAULT_REFRESH_SKEW_SECONDS;
    if (!Number.isFinite(skew) || skew < 0) {
      throw new KeycardConfigurationError(`token exchange refreshSkewSeconds must be a number >= 0, got ${String(skew)}`);
    }
    this.client = options.client;
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!Number.isSafeInteger(leaseMs) || leaseMs < 1) {
      throw new KeycardConfigurationError(`token exchange leaseMs must be a whole number >= 1, got ${String(leaseMs)}`);
    }
    this.now = options.now ?? Date.now;
    if (options.cache instanceof MemoryExchangeCache) {
      this.memory = options.cache;
      this.shared = undefined;
    } else {
      this.memory = new MemoryExchangeCache({ maxEntries: options.memoryMaxEntries, now: this.now });
      this.shared = new SharedExchangeLevel(options.cache, options.lease, leaseMs, this.now, this.logger);
    }
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
   * `exchangeAll` — when any resource is not in this process's cache or is being exchanged,
   * or when there is no subject token. Reads only the in-memory level, never a shared cache.
   */
  exchangeAllFromCache(params: ExchangeAllParams): AccessContext | undefined {
    const cache = this.memory;
    if (!params.subjectToken) {
      return undefined;
    }
    const resources = params.resources.length === 1 ? params.resources : [...new Set(params.resources)];
    const entries: ExchangeCacheEntry[] = [];
    try {
      for (const resource of resources) {
        const key = exchangeCacheKey(cacheSubject(params), resource, scopeFor(params.scopes, resource));
        const entry = this.inFlight.has(key) ? undefined : cache.peek(key);
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
    const local = this.memory.peek(key);
    if (local) {
      return withRemainingLifetime(local, this.now());
    }
    // An impersonated exchange's subject (a substitute-user token) is derivable from the user id,
    // so a key derived from it protects nothing: such tokens stay in this process's memory.
    if (this.shared === undefined || !isCallerToken(params)) {
      return this.exchangeAndStore(key, undefined, params, scope);
    }
    const sharedKey = sharedExchangeCacheKey(params.subjectToken, params.resource, scope);
    const found = await this.shared.findOrLead(sharedKey);
    if (found.entry !== undefined) {
      return this.keepLocally(key, found.entry, params.subjectExpiresAt);
    }
    try {
      return await this.exchangeAndStore(key, sharedKey, params, scope);
    } finally {
      await found.release();
    }
  }

  /** Exchanges, then stores the token in memory and in the shared cache (when both rules allow). */
  private async exchangeAndStore(key: string, sharedKey: ExchangeCacheKey | undefined, params: ExchangeParams, scope: string): Promise<TokenResponse> {
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
      const entry = { response, obtainedAtMs };
      this.memory.put(key, entry, expiresAtMs);
      if (sharedKey !== undefined) await this.shared?.write(sharedKey, entry, expiresAtMs);
    }
    return response;
  }

  /** Puts an entry read from the shared cache in memory, under the same expiry rules, and serves it. */
  private keepLocally(key: string, entry: ExchangeCacheEntry, subjectExpiresAt: number | undefined): TokenResponse {
    const expiresAtMs = this.cacheUntil(entry.response, entry.obtainedAtMs, subjectExpiresAt);
    if (expiresAtMs !== undefined) this.memory.put(key, entry, expiresAtMs);
    return withRemainingLifetime(entry, this.now());
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
  return isCallerToken(params) ? params.subjectToken : `${params.subjectTokenType} ${params.subjectToken}`;
}

/** Whether the subject is the caller's own access token (not a substitute-user token). */
function isCallerToken(params: { readonly subjectTokenType?: string }): boolean {
  return params.subjectTokenType === undefined || params.subjectTokenType === ACCESS_TOKEN_TYPE;
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
