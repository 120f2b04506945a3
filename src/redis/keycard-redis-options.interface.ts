/**
 * The part of a node-redis client (`redis` v5 or later, `createClient()`) Keycard uses:
 * raw commands through `sendCommand`. Pass the client your app already has (the one under
 * `@keyv/redis` or a cache-manager Redis store works too). A single-node client: a cluster
 * client (`createCluster()`) sends commands differently and is not supported.
 */
export interface KeycardRedisClient {
  /** Whether the client is connected and ready for commands. */
  readonly isReady: boolean;
  /** Sends one command (e.g. `['GET', key]`) and resolves to its reply. */
  sendCommand(args: string[]): Promise<unknown>;
}

/** Where Keycard's shared state lives when several replicas run: a Redis server. */
export interface KeycardRedisOptions {
  /**
   * Redis URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS). Keycard creates
   * the client (node-redis; `npm install redis`) and closes it on shutdown. Give `url` or `client`.
   */
  readonly url?: string;
  /**
   * A node-redis client the app already has, connected by the app; Keycard never closes it.
   * Prefer a client created with `disableOfflineQueue: true`, so commands fail at once while
   * Redis is down (Keycard bounds every command by `commandTimeoutMs` either way).
   */
  readonly client?: KeycardRedisClient;
  /**
   * Prefix of every key Keycard writes.
   * @default 'keycard:'
   */
  readonly keyPrefix?: string;
  /**
   * Longest wait for one Redis command, in milliseconds; a slower answer counts as Redis being down.
   * @default 150
   */
  readonly commandTimeoutMs?: number;
  /**
   * After a failed command, this process leaves Redis alone for this long (ms) and uses its
   * own cache and single-flight, so a slow or dead Redis costs one timeout, not one per request.
   * @default 2000
   */
  readonly retryAfterMs?: number;
  /**
   * Timeout of each connection attempt when Keycard creates the client, in milliseconds.
   * @default 1000
   */
  readonly connectTimeoutMs?: number;
}
