import { createPublicKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { JwksClient } from 'jwks-rsa';
import { InjectKeycardConfig } from '../config/inject-keycard-config.decorator.js';
import type { KeycardConfig } from '../config/keycard-options.interface.js';
import { fetchJson } from '../zone/fetch-json.js';
import { ZoneMetadataService } from '../zone/zone-metadata.service.js';
import { KEYCARD_CLOCK, type KeycardClock } from './auth.constants.js';
import { AuthorizationServerUnavailableError, TokenRejectedError } from './token-verification.errors.js';

/** A public signing key of the zone. */
export interface ZoneSigningKey {
  readonly kid: string | undefined;
  /** The JWK's `alg`, when it declares one. */
  readonly alg: string | undefined;
  /** SPKI PEM, what jsonwebtoken verifies with. */
  readonly pem: string;
  readonly key: KeyObject;
}

interface KeySet {
  readonly jwksUri: string;
  readonly keys: readonly ZoneSigningKey[];
  readonly fetchedAt: number;
}

/** How long a fetched key set is used before it is fetched again. */
export const JWKS_MAX_AGE_MS = 10 * 60 * 1000;
/**
 * Refetches for unknown `kid`s (and re-keyed ones) draw on a budget: a burst of
 * `JWKS_REFETCH_BURST`, refilled by one every `JWKS_REFETCH_INTERVAL_MS`. Each refetch
 * replaces the whole set, whoever caused it, so a key the zone rotates in is found within one
 * interval whatever callers send, and the zone sees at most `JWKS_REQUESTS_PER_MINUTE` of them
 * a minute.
 */
export const JWKS_REFETCH_INTERVAL_MS = 7_500;
/** Refetches that can be made at once when the budget is full. */
export const JWKS_REFETCH_BURST = 4;
/** At most this many JWKS refetches for unknown `kid`s in any minute (burst + refills). */
export const JWKS_REQUESTS_PER_MINUTE = JWKS_REFETCH_BURST + 60_000 / JWKS_REFETCH_INTERVAL_MS;
/** A known `kid` whose signature fails causes a refetch only when the key set is at least this old. */
export const JWKS_STALE_AFTER_MS = 5_000;
/**
 * Back-off after failed fetches: the first failure may be retried at once (by the next
 * request); after the second, no fetch for this long, doubled per further consecutive
 * failure up to `JWKS_RETRY_MAX_MS`.
 */
export const JWKS_RETRY_MIN_MS = 250;
/** Longest wait between fetch attempts while the zone fails: a zone that is back is used within this long. */
export const JWKS_RETRY_MAX_MS = 2_000;

/**
 * The zone's signing keys, fetched with a jwks-rsa `JwksClient` from the `jwks_uri` of the
 * zone's metadata (created lazily, on the first token).
 *
 * - The whole key set is cached for `JWKS_MAX_AGE_MS`; each fetch replaces it, so keys the
 *   zone dropped stop being accepted.
 * - A `kid` that is not in the set triggers a refetch, from a budget of `JWKS_REFETCH_BURST`
 *   refilled by one every `JWKS_REFETCH_INTERVAL_MS` (so a rotated-in key is found within one
 *   interval whatever callers send, and unknown-`kid` floods cause at most
 *   `JWKS_REQUESTS_PER_MINUTE` fetches a minute); with the budget spent it is refused (401).
 *   A known `kid` whose signature fails does the same once the set is `JWKS_STALE_AFTER_MS`
 *   old (`refetchAfterBadSignature`: the zone may have re-keyed it).
 * - Failed fetches (metadata or keys) back off: the first is retried by the next request,
 *   then no sooner than `JWKS_RETRY_MIN_MS` later, doubling per consecutive failure up to
 *   `JWKS_RETRY_MAX_MS`; they do not spend the refetch budget, so once the zone is back,
 *   keys are fetched within 2 s.
 * - While fetches fail, the previous set keeps verifying its keys; what needs the zone (no set
 *   yet, an unknown `kid`) fails with `AuthorizationServerUnavailableError` (503): the guard
 *   cannot tell whether such a token is good.
 *
 * One fetch at a time; concurrent callers share it. Timed by `KEYCARD_CLOCK` (default `Date.now`).
 */
@Injectable()
export class JwksKeyStore {
  private readonly logger = new Logger(JwksKeyStore.name);
  private readonly now: KeycardClock;
  private client: { readonly jwksUri: string; readonly client: JwksClient } | undefined;
  private keySet: KeySet | undefined;
  private inFlight: Promise<KeySet> | undefined;
  /** Consecutive failed fetches, and when the next attempt may start. */
  private failures = 0;
  private retryAt = 0;
  private lastFailure: string | undefined;
  /** Refetch budget (token bucket): tokens left, and when it was last refilled. */
  private refetchTokens = JWKS_REFETCH_BURST;
  private refilledAt: number;

  constructor(
    @InjectKeycardConfig() private readonly config: KeycardConfig,
    private readonly zoneMetadata: ZoneMetadataService,
    @Optional() @Inject(KEYCARD_CLOCK) clock?: KeycardClock,
  ) {
    this.now = clock ?? (() => Date.now());
    this.refilledAt = this.now();
  }

  /**
   * The key with this `kid` (or the only key, for a token without `kid`).
   * Rejects with `TokenRejectedError` when the zone has no such key, and with
   * `AuthorizationServerUnavailableError` when that cannot be known (zone unreachable).
   */
  async getKey(kid: string | undefined): Promise<ZoneSigningKey> {
    let keySet = this.keySet;
    if (!keySet || this.ageOf(keySet) > JWKS_MAX_AGE_MS) keySet = await this.refreshOrKeep(keySet);
    const key = findKey(keySet.keys, kid);
    if (key) return key;
    // Not in the set: the zone may have rotated its keys since. While the zone cannot be
    // reached this rejects with 503, not 401 (the key may well exist).
    const refreshed = await this.refetch();
    if (refreshed) {
      const key = findKey(refreshed.keys, kid);
      if (key) return key;
    }
    throw new TokenRejectedError(
      kid === undefined
        ? 'the token has no key id (kid) and the authorization server publishes several keys'
        : 'the token is signed with a key the authorization server does not publish',
    );
  }

  /**
   * After a signature failed with `usedPem` (the key of `kid` in the cached set): the zone
   * may have re-keyed that `kid`. When the set is at least `JWKS_STALE_AFTER_MS` old, refetches
   * once (from the same budget as unknown `kid`s) and returns whether `kid` now has another key
   * (then verify again). Rejects with `AuthorizationServerUnavailableError` when that refetch
   * is due but the zone cannot be reached.
   */
  async refetchAfterBadSignature(kid: string | undefined, usedPem: string): Promise<boolean> {
    const known = this.keySet;
    if (!known || (this.failures === 0 && !this.inFlight && this.ageOf(known) < JWKS_STALE_AFTER_MS)) return false;
    const refreshed = await this.refetch();
    const key = refreshed === undefined ? undefined : findKey(refreshed.keys, kid);
    return key !== undefined && key.pem !== usedPem;
  }

  /**
   * The key with this `kid` from the cached key set while it is within its maximum age,
   * without fetching; `undefined` whenever `getKey` would fetch (no set yet, set too old,
   * `kid` not in it) — then call `getKey`.
   */
  peekKey(kid: string | undefined): ZoneSigningKey | undefined {
    const known = this.keySet;
    if (!known || this.ageOf(known) > JWKS_MAX_AGE_MS) return undefined;
    return findKey(known.keys, kid);
  }

  /**
   * A refetch of a set that is not expired: joins a fetch in flight; retries the zone while it
   * is failing (bounded by the back-off, not the budget); else takes one from the refetch
   * budget. `undefined` when the budget is spent (the current set is the answer).
   */
  private async refetch(): Promise<KeySet | undefined> {
    if (this.inFlight || this.failures > 0) return this.refresh();
    if (!this.takeRefetchToken()) {
      this.logger.debug('JWKS refetch budget spent; answering from the current key set.');
      return undefined;
    }
    return this.refresh();
  }

  private takeRefetchToken(): boolean {
    const now = this.now();
    const refills = Math.floor((now - this.refilledAt) / JWKS_REFETCH_INTERVAL_MS);
    if (refills > 0) {
      this.refetchTokens = Math.min(JWKS_REFETCH_BURST, this.refetchTokens + refills);
      this.refilledAt = this.refetchTokens === JWKS_REFETCH_BURST ? now : this.refilledAt + refills * JWKS_REFETCH_INTERVAL_MS;
    }
    if (this.refetchTokens === 0) return false;
    this.refetchTokens--;
    return true;
  }

  private ageOf(keySet: KeySet): number {
    return this.now() - keySet.fetchedAt;
  }

  /** `refresh()`, falling back to the previous set (expired but still the zone's last word) when the fetch fails. */
  private async refreshOrKeep(previous: KeySet | undefined): Promise<KeySet> {
    try {
      return await this.refresh();
    } catch (error) {
      if (!previous) throw error;
      return previous;
    }
  }

  /**
   * Fetches the key set (one fetch at a time). Rejects with `AuthorizationServerUnavailableError`
   * when it fails, or without trying while the back-off after a failure runs.
   */
  private refresh(): Promise<KeySet> {
    if (this.inFlight) return this.inFlight;
    if (this.failures > 0 && this.now() < this.retryAt) {
      return Promise.reject(
        new AuthorizationServerUnavailableError(`the zone's signing keys cannot be fetched: ${this.lastFailure ?? 'unknown error'}`),
      );
    }
    this.inFlight = this.fetchKeySet().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchKeySet(): Promise<KeySet> {
    try {
      const metadata = await this.zoneMetadata.getMetadata();
      const client = this.clientFor(metadata.jwks_uri);
      const signingKeys = await client.getSigningKeys();
      const keys = signingKeys.map((signingKey): ZoneSigningKey => {
        const pem = signingKey.getPublicKey();
        return { kid: signingKey.kid, alg: signingKey.alg, pem, key: createPublicKey(pem) };
      });
      const keySet: KeySet = { jwksUri: metadata.jwks_uri, keys, fetchedAt: this.now() };
      this.keySet = keySet;
      if (this.failures > 0) this.logger.log(`Fetched the zone's signing keys again after ${this.failures} failed attempt(s).`);
      this.failures = 0;
      this.lastFailure = undefined;
      this.logger.debug(`Fetched ${keys.length} signing key(s) from ${metadata.jwks_uri}.`);
      return keySet;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.failures++;
      const delay = this.failures === 1 ? 0 : Math.min(JWKS_RETRY_MIN_MS * 2 ** (this.failures - 2), JWKS_RETRY_MAX_MS);
      this.retryAt = this.now() + delay;
      this.lastFailure = reason;
      // First failure at warn (known keys keep working meanwhile); the retries at debug.
      const line = `Could not fetch the zone's signing keys (${reason}); next attempt in ${delay} ms at the earliest${this.keySet ? ', known keys keep working' : ''}.`;
      if (this.failures === 1) this.logger.warn(line);
      else this.logger.debug(line);
      throw new AuthorizationServerUnavailableError(`the zone's signing keys cannot be fetched: ${reason}`, { cause: error });
    }
  }

  private clientFor(jwksUri: string): JwksClient {
    if (this.client?.jwksUri !== jwksUri) {
      const timeoutMs = this.config.zoneTimeoutMs;
      this.client = {
        jwksUri,
        // Caching and rate limiting are done above, for the whole set; the client fetches
        // (through fetchJson: timeout, size cap) and turns JWKs into PEM public keys.
        client: new JwksClient({
          jwksUri,
          cache: false,
          rateLimit: false,
          timeout: timeoutMs,
          fetcher: async (uri: string) => {
            const response = await fetchJson(uri, { timeoutMs });
            const body = response.json as { keys?: unknown } | undefined;
            if (response.status !== 200 || !body || !Array.isArray(body.keys)) {
              throw new Error(`${uri} answered HTTP ${response.status}${response.status === 200 ? ' without a key set' : ''}`);
            }
            return { keys: body.keys };
          },
        }),
      };
      if (this.keySet && this.keySet.jwksUri !== jwksUri) this.keySet = undefined;
    }
    return this.client.client;
  }
}

function findKey(keys: readonly ZoneSigningKey[], kid: string | undefined): ZoneSigningKey | undefined {
  if (kid === undefined) return keys.length === 1 ? keys[0] : undefined;
  return keys.find((key) => key.kid === kid);
}
