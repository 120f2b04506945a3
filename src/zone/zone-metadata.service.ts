import { Injectable, Logger } from '@nestjs/common';
import { InjectKeycardConfig } from '../config/inject-keycard-config.decorator.js';
import type { KeycardConfig } from '../config/keycard-options.interface.js';
import { sameUrl, withoutTrailingSlash } from '../config/zone-url.js';
import { ZoneDiscoveryError } from '../errors/keycard.error.js';
import { fetchJson } from './fetch-json.js';
import type { ZoneMetadata } from './zone-metadata.interface.js';

/**
 * The discovery URLs of an issuer, in the order they are tried: RFC 8414 (the well-known
 * segment goes between the host and any issuer path), then OpenID Connect Discovery.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = withoutTrailingSlash(url.pathname);
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

function absoluteUrlOn(value: unknown, origin: string | undefined): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && (origin === undefined || url.origin === origin);
  } catch {
    return false;
  }
}

/** Checks a metadata document against the configured zone; returns the problems. */
export function validateMetadata(document: unknown, zoneUrl: string): string[] {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return ['the metadata is not a JSON object'];
  }
  const metadata = document as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof metadata.issuer !== 'string' || !sameUrl(metadata.issuer, zoneUrl)) {
    problems.push(`its issuer ${JSON.stringify(metadata.issuer)} is not the configured zone ${zoneUrl}`);
  }
  const zoneOrigin = new URL(zoneUrl).origin;
  if (!absoluteUrlOn(metadata.jwks_uri, zoneOrigin)) {
    problems.push(`its jwks_uri must be an absolute URL on ${zoneOrigin}`);
  }
  if (!absoluteUrlOn(metadata.token_endpoint, undefined)) {
    problems.push('its token_endpoint must be an absolute http(s) URL');
  } else if (zoneUrl.startsWith('https:') && !(metadata.token_endpoint as string).startsWith('https:')) {
    // Subject tokens are posted there: never downgrade an https zone to plain http.
    problems.push('its token_endpoint must use https, like the zone');
  }
  return problems;
}

/**
 * The zone's authorization server metadata: fetched on first use, validated, cached for
 * `metadataTtlSeconds`. Concurrent callers share one fetch. When a refresh fails, the
 * previous document is kept; with no document at all the call rejects with
 * `ZoneDiscoveryError` (the guard answers 503) and the next call tries again, so the app
 * recovers without a restart once the zone is back.
 */
@Injectable()
export class ZoneMetadataService {
  private readonly logger = new Logger(ZoneMetadataService.name);
  private cached: { metadata: ZoneMetadata; expiresAt: number } | undefined;
  private inFlight: Promise<ZoneMetadata> | undefined;

  constructor(@InjectKeycardConfig() private readonly config: KeycardConfig) {}

  async getMetadata(): Promise<ZoneMetadata> {
    if (this.cached && this.cached.expiresAt > Date.now()) return this.cached.metadata;
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * The cached document while it is fresh, without fetching or waiting; `undefined` when
   * `getMetadata()` would fetch (never fetched, expired, invalidated). Lets a caller skip
   * the async path when everything it needs is already known.
   */
  peekMetadata(): ZoneMetadata | undefined {
    const cached = this.cached;
    return cached !== undefined && cached.expiresAt > Date.now() ? cached.metadata : undefined;
  }

  /** Forgets the cached document; the next call fetches it again. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async refresh(): Promise<ZoneMetadata> {
    try {
      const metadata = await this.discover();
      this.cached = { metadata, expiresAt: Date.now() + this.config.metadataTtlSeconds * 1000 };
      return metadata;
    } catch (error) {
      if (this.cached) {
        this.logger.warn(`Keeping the previous zone metadata: ${(error as Error).message}`);
        return this.cached.metadata;
      }
      throw error;
    }
  }

  private async discover(): Promise<ZoneMetadata> {
    const zoneUrl = this.config.zoneUrl;
    let lastStatus = 0;
    for (const url of metadataUrls(zoneUrl)) {
      const result = await fetchJson(url, { timeoutMs: this.config.zoneTimeoutMs }).catch((error: unknown) => {
        throw new ZoneDiscoveryError(`The authorization server ${zoneUrl} is unreachable: ${(error as Error).message}`, {
          cause: error,
        });
      });
      if (result.status === 404 || result.status === 405) {
        lastStatus = result.status;
        continue;
      }
      if (result.status !== 200 || result.json === undefined) {
        throw new ZoneDiscoveryError(
          `The authorization server ${zoneUrl} answered ${url} with HTTP ${result.status}` +
            (result.json === undefined ? ' and no JSON body' : ''),
        );
      }
      const problems = validateMetadata(result.json, zoneUrl);
      if (problems.length > 0) {
        throw new ZoneDiscoveryError(`The metadata at ${url} does not fit the configured zone: ${problems.join('; ')}.`);
      }
      return result.json as ZoneMetadata;
    }
    throw new ZoneDiscoveryError(
      `The authorization server ${zoneUrl} has no metadata (HTTP ${lastStatus} for ${metadataUrls(zoneUrl).join(' and ')}). ` +
        'Check the zone URL / zone id.',
    );
  }
}
