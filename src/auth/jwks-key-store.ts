import { createPublicKey, type KeyObject } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { JwksClient } from 'jwks-rsa';
import { InjectKeycardConfig } from '../config/inject-keycard-config.decorator.js';
import type { KeycardConfig } from '../config/keycard-options.interface.js';
import { fetchJson } from '../zone/fetch-json.js';
import { ZoneMetadataService } from '../zone/zone-metadata.service.js';
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
/** At most this many JWKS fetches per minute (unknown `kid`s cannot make us hammer the zone). */
export const JWKS_REQUESTS_PER_MINUTE = 10;

/**
 * The zone's signing keys, fetched with a jwks-rsa `JwksClient` from the `jwks_uri` of the
 * zone's metadata (created lazily, on the first token).
 *
 * The whole key set is cached, for `JWKS_MAX_AGE_MS`. A `kid` that is not in it triggers a
 * refetch (rate-limited to `JWKS_REQUESTS_PER_MINUTE`), so keys the zone rotates in are
 * found at once, and each refetch replaces the set, so keys the zone dropped stop being
 * accepted. When a refetch fails, the previous set is kept; with no set at all, the call
 * fails with `AuthorizationServerUnavailableError` (503).
 */
@Injectable()
export class JwksKeyStore {
  private readonly logger = new Logger(JwksKeyStore.name);
  private client: { readonly jwksUri: string; readonly client: JwksClient } | undefined;
  private keySet: KeySet | undefined;
  private inFlight: Promise<KeySet> | undefined;
  private fetchTimes: number[] = [];

  constructor(
    @InjectKeycardConfig() private readonly config: KeycardConfig,
    private readonly zoneMetadata: ZoneMetadataService,
  ) {}

  /**
   * The key with this `kid` (or the only key, for a token without `kid`).
   * Rejects with `TokenRejectedError` when the zone has no such key.
   */
  async getKey(kid: string | undefined): Promise<ZoneSigningKey> {
    const known = this.keySet;
    const refreshed = !known || Date.now() - known.fetchedAt > JWKS_MAX_AGE_MS;
    const keySet = refreshed ? await this.refresh() : known;
    let key = findKey(keySet.keys, kid);
    if (!key && !refreshed) {
      // Not in a set fetched earlier: the zone may have rotated its keys since.
      key = findKey((await this.refresh({ optional: true })).keys, kid);
    }
    if (!key) {
      throw new TokenRejectedError(
        kid === undefined
          ? 'the token has no key id (kid) and the authorization server publishes several keys'
          : 'the token is signed with a key the authorization server does not publish',
      );
    }
    return key;
  }

  /**
   * The key with this `kid` from the cached key set while it is within its maximum age,
   * without fetching; `undefined` whenever `getKey` would fetch (no set yet, set too old,
   * `kid` not in it) — then call `getKey`.
   */
  peekKey(kid: string | undefined): ZoneSigningKey | undefined {
    const known = this.keySet;
    if (!known || Date.now() - known.fetchedAt > JWKS_MAX_AGE_MS) return undefined;
    return findKey(known.keys, kid);
  }

  /**
   * Fetches the key set (one fetch at a time). `optional`: a refetch for an unknown kid,
   * skipped when the rate limit is reached and a set is already known.
   */
  private async refresh(options: { optional?: boolean } = {}): Promise<KeySet> {
    if (this.inFlight) return this.inFlight;
    if (!this.takeFetchBudget()) {
      if (this.keySet) {
        if (!options.optional) this.logger.warn('JWKS refetch rate limit reached; using the previous key set.');
        return this.keySet;
      }
      throw new AuthorizationServerUnavailableError('the JWKS refetch rate limit is reached and no signing keys are known');
    }
    this.inFlight = this.fetchKeySet().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private takeFetchBudget(): boolean {
    const now = Date.now();
    this.fetchTimes = this.fetchTimes.filter((time) => now - time < 60_000);
    if (this.fetchTimes.length >= JWKS_REQUESTS_PER_MINUTE) return false;
    this.fetchTimes.push(now);
    return true;
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
      const keySet: KeySet = { jwksUri: metadata.jwks_uri, keys, fetchedAt: Date.now() };
      this.keySet = keySet;
      this.logger.debug(`Fetched ${keys.length} signing key(s) from ${metadata.jwks_uri}.`);
      return keySet;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (this.keySet) {
        this.logger.warn(`Could not refresh the zone's signing keys (${reason}); keeping the previous set.`);
        return this.keySet;
      }
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
