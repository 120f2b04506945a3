import type { ApplicationCredential } from '../credentials/application-credential.js';
import type { ExchangeCache } from '../grant/exchange-cache.js';
import type { KeycardRedisOptions } from '../redis/keycard-redis-options.interface.js';

/** JWS algorithms the guard can accept. HMAC and `none` are deliberately absent. */
export type KeycardJwtAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';

/**
 * Options of `KeycardModule.forRoot()` / `forRootAsync()`.
 *
 * Every setting that has an environment variable follows the same rule: the option wins,
 * then the variable (read through `ConfigService` when the app has `ConfigModule`, else
 * `process.env`), then the default. Empty strings count as unset.
 */
export interface KeycardModuleOptions {
  /**
   * Full URL of the Keycard zone, e.g. `https://abc123.keycard.cloud`. Highest precedence.
   * Env: `KEYCARD_ZONE_URL`.
   */
  zoneUrl?: string;
  /**
   * Zone id, combined with `baseUrl` into `{scheme}://{zoneId}.{host}[:port]`.
   * Used when no zone URL is set. Env: `KEYCARD_ZONE_ID`.
   */
  zoneId?: string;
  /**
   * Base URL that a `zoneId` is combined with. Env: `KEYCARD_BASE_URL`.
   * @default 'https://keycard.cloud'
   */
  baseUrl?: string;
  /**
   * Public base URL of this MCP server, e.g. `http://localhost:8000`. A trailing slash is
   * added when missing. Required (option or env `MCP_SERVER_URL`): it is how clients and
   * the zone name this server.
   */
  mcpBaseUrl?: string;
  /**
   * Path (or paths) of the MCP endpoint(s) below `mcpBaseUrl`; each one is a protected
   * resource `{mcpBaseUrl}{path}` with its own metadata document.
   * @default 'mcp'
   */
  mcpPath?: string | readonly string[];
  /**
   * Human-readable name of this server, published as `resource_name` and used as the
   * WebIdentity key id when none is given.
   * @default 'MCP Server'
   */
  mcpServerName?: string;
  /**
   * How this server authenticates to the zone for token exchange. When absent it is
   * discovered from env (`KEYCARD_CLIENT_ID` + `KEYCARD_CLIENT_SECRET`,
   * `KEYCARD_APPLICATION_CREDENTIAL_TYPE`, EKS token file variables); with none at all,
   * exchanges are sent without client authentication.
   */
  applicationCredential?: ApplicationCredential;
  /**
   * Scopes every request must carry (in addition to `@RequireScopes()` on a route).
   * @default []
   */
  requiredScopes?: readonly string[];
  /**
   * Extra scopes advertised as `scopes_supported` in the protected-resource metadata, for
   * scopes no decorator names (e.g. ones a handler checks itself). The metadata always lists
   * `requiredScopes`, every `@RequireScopes()` and every MCP-Nest `@ToolScopes()` as well.
   * @default []
   */
  scopesSupported?: readonly string[];
  /**
   * Extra audiences accepted in inbound tokens at every MCP endpoint (server-wide), besides
   * the MCP base URL and each endpoint's own resource URL.
   * @default []
   */
  additionalAudiences?: readonly string[];
  /**
   * JWS algorithms accepted on inbound tokens.
   * @default ['RS256']
   */
  algorithms?: readonly KeycardJwtAlgorithm[];
  /**
   * Clock skew tolerated when checking `exp`, `nbf` and `iat`, in seconds.
   * @default 5
   */
  clockToleranceSeconds?: number;
  /**
   * How long the zone's metadata is cached, in seconds.
   * @default 3600
   */
  metadataTtlSeconds?: number;
  /**
   * Timeout of every request to the zone (metadata, JWKS, token exchange), in milliseconds.
   * @default 5000
   */
  zoneTimeoutMs?: number;
  /**
   * Maximum number of exchanged tokens kept in the in-memory cache (one per user and
   * resource; 2–3 KiB each, bench/RESULTS.md); `0` turns it off (with `redis`, every call
   * then reads the token from Redis; without, every call exchanges).
   * @default 10000
   */
  exchangeCacheMaxEntries?: number;
  /**
   * Where exchanged tokens are kept: a `MemoryExchangeCache`, or your own `ExchangeCache` for a
   * store shared by several instances (each process then keeps an in-memory LRU of
   * `exchangeCacheMaxEntries` in front of it). Entries must not outlive the expiry they are
   * given. For Redis, use the `redis` option instead.
   * @default an in-memory LRU of `exchangeCacheMaxEntries` entries
   */
  exchangeCache?: ExchangeCache;
  /**
   * Several replicas: share exchanged tokens through Redis (encrypted with a key derived from
   * the caller's token, expiring by TTL) and exchange each token once across replicas (a short
   * Redis lease). `{ url }`, or `{ client }` with the app's node-redis client (`npm install redis`).
   * Each process keeps its in-memory cache in front. Redis is an optimisation: down or slow,
   * every replica carries on with its own cache. Not together with `exchangeCache`.
   * @default none: every process keeps its own cache
   */
  redis?: KeycardRedisOptions;
  /**
   * Several zones on one server: the first path segment of a request names its zone
   * (`/{zoneId}/{mcpPath}`). Each zone's endpoints publish their own protected-resource
   * metadata naming that zone, accept only tokens issued by that zone (use `KeycardZonesGuard`),
   * and exchange at that zone's token endpoint with that zone's credential (a `ClientSecret`
   * map keyed by issuer URL; a zone without credential is refused, never sent unauthenticated).
   * Replaces `zoneUrl` / `zoneId` (and their env variables).
   * @default none (one zone)
   */
  zones?: KeycardZonesOptions;
}

/** The zones of `zones` mode. */
export interface KeycardZonesOptions {
  /** The zone ids served (DNS labels), each the first path segment of its endpoints. */
  readonly ids: readonly string[];
  /**
   * The zone URL of a zone id: a map id → URL, or a function. Ids it does not name get
   * `{scheme}://{zoneId}.{host}[:port]` from `baseUrl` / KEYCARD_BASE_URL.
   * @default every zone URL derived from the base URL
   */
  readonly zoneUrls?: Readonly<Record<string, string>> | ((zoneId: string) => string | undefined);
}

/** One zone of `zones` mode, resolved at bootstrap. */
export interface KeycardZoneConfig {
  /** The zone id: the first path segment of its endpoints. */
  readonly id: string;
  /** The zone URL (its issuer), without trailing slash. */
  readonly zoneUrl: string;
  /** The whole configuration as that zone sees it: its issuer, its endpoints, their audiences. */
  readonly config: KeycardConfig;
}

/** One MCP endpoint of this server, as a protected resource. */
export interface KeycardResourceConfig {
  /** Endpoint path below the MCP base URL, without leading slash, e.g. `mcp`. */
  readonly path: string;
  /** The resource identifier, e.g. `http://localhost:8000/mcp`. */
  readonly resourceUrl: string;
  /** Absolute URL of its RFC 9728 metadata, e.g. `http://localhost:8000/.well-known/oauth-protected-resource/mcp`. */
  readonly metadataUrl: string;
  /** Request path (from the server's root) of that metadata document. */
  readonly metadataPath: string;
}

/**
 * Where the application credential came from, for the bootstrap log line.
 * `none` means exchanges go out without client authentication.
 */
export type KeycardCredentialSource =
  | 'option'
  | 'env:client_secret'
  | 'env:credential_type'
  | 'env:eks_auto_detected'
  | 'none';

/**
 * The configuration after options and env are resolved, once, at bootstrap.
 * Frozen; inject it with `@InjectKeycardConfig()`.
 */
export interface KeycardConfig {
  /** The zone URL without trailing slash; the expected `iss` of inbound tokens. */
  readonly zoneUrl: string;
  /** Same as `zoneUrl`; kept separately because the issuer is what tokens are compared with. */
  readonly issuer: string;
  /** The base URL used with a zone id (also set when the zone URL was given directly). */
  readonly baseUrl: string;
  /** MCP base URL, always with a trailing slash. */
  readonly mcpBaseUrl: string;
  /** One entry per MCP endpoint. */
  readonly resources: readonly KeycardResourceConfig[];
  /**
   * Every `aud` value accepted on inbound tokens at one endpoint or another (each endpoint
   * accepts only its own resource URL, the MCP base URL and `extraAudiences`).
   */
  readonly audiences: readonly string[];
  /** The `additionalAudiences` option: accepted at every endpoint, like the MCP base URL. */
  readonly extraAudiences: readonly string[];
  readonly mcpServerName: string;
  readonly requiredScopes: readonly string[];
  readonly scopesSupported: readonly string[];
  readonly algorithms: readonly KeycardJwtAlgorithm[];
  readonly clockToleranceSeconds: number;
  readonly metadataTtlSeconds: number;
  readonly zoneTimeoutMs: number;
  readonly exchangeCacheMaxEntries: number;
  /** The application credential, initialised; `undefined` when none is configured. */
  readonly credential: ApplicationCredential | undefined;
  readonly credentialSource: KeycardCredentialSource;
  /** Absolute URL of this server's `/.well-known/jwks.json`, when the credential publishes keys. */
  readonly jwksUrl: string | undefined;
  /**
   * `zones` mode: every zone with its own configuration. The top-level fields then describe
   * the first zone, with `resources` listing the endpoints of every zone.
   */
  readonly zones?: readonly KeycardZoneConfig[];
}
