import { Logger } from '@nestjs/common';
import { KeycardConfigurationError, KeycardError } from '../errors/keycard.error.js';
import type { KeycardRedisClient, KeycardRedisOptions } from './keycard-redis-options.interface.js';
import { loadNodeRedis } from './node-redis.loader.js';

const DEFAULTS = { keyPrefix: 'keycard:', commandTimeoutMs: 150, retryAfterMs: 2000, connectTimeoutMs: 1000 } as const;

/** Longest pause between two reconnection attempts of a client Keycard created, in ms. */
const MAX_RECONNECT_DELAY_MS = 2000;

/** Redis did not answer in time, is down, or is being left alone after a failure. */
export class KeycardRedisUnavailableError extends KeycardError {}

/**
 * One Redis client as Keycard uses it: every command is bounded by a timeout, and after a
 * failure Redis is skipped for `retryAfterMs` (callers fall back to per-process state). Logs
 * one line when Redis stops answering and one when it answers again, never per command.
 */
export class RedisConnection {
  readonly keyPrefix: string;
  private readonly logger = new Logger('KeycardRedis');
  private readonly commandTimeoutMs: number;
  private readonly retryAfterMs: number;
  private skipUntilMs = 0;
  private down = false;

  private constructor(
    private readonly client: KeycardRedisClient,
    private readonly owned: { close(): Promise<unknown> } | undefined,
    settings: { keyPrefix: string; commandTimeoutMs: number; retryAfterMs: number },
    private readonly now: () => number,
    private readonly whileDown: string,
  ) {
    this.keyPrefix = settings.keyPrefix;
    this.commandTimeoutMs = settings.commandTimeoutMs;
    this.retryAfterMs = settings.retryAfterMs;
  }

  /**
   * Validates `options` and connects (or adopts the given client). A Redis that is not up
   * yet does not fail the boot: the client keeps reconnecting and commands fail fast until then.
   */
  static async open(
    options: KeycardRedisOptions,
    purpose: string,
    whileDown = 'each replica uses its own exchange cache and single-flight until it answers again',
    now: () => number = Date.now,
  ): Promise<RedisConnection> {
    const settings = validate(options, purpose);
    if (options.client !== undefined) {
      return new RedisConnection(options.client, undefined, settings, now, whileDown);
    }
    const url = options.url as string;
    const redis = await loadNodeRedis(purpose);
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    const client = redis.createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: connectTimeoutMs,
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), MAX_RECONNECT_DELAY_MS),
      },
    });
    const connection = new RedisConnection(client as unknown as KeycardRedisClient, { close: () => closeClient(client) }, settings, now, whileDown);
    client.on('error', (error: unknown) => connection.markDown(error));
    client.on('ready', () => connection.markUp());
    // The first connection is awaited for at most connectTimeoutMs; after that it continues in the background.
    const connected = client.connect().then(
      () => true,
      (error: unknown) => {
        connection.markDown(error);
        return false;
      },
    );
    await Promise.race([connected, delay(connectTimeoutMs)]);
    if (!client.isReady) {
      connection.markDown(new KeycardRedisUnavailableError(`no connection to ${redactUrl(url)} yet`));
    }
    return connection;
  }

  /** Whether commands are being sent (Redis answered the last one, or the pause is over). */
  get available(): boolean {
    return this.client.isReady && this.now() >= this.skipUntilMs;
  }

  /** The key `name` under Keycard's prefix. */
  key(name: string): string {
    return `${this.keyPrefix}${name}`;
  }

  /**
   * Sends one command, bounded by the command timeout. Rejects with
   * `KeycardRedisUnavailableError` when Redis is down, slow, or still being left alone.
   */
  async command(args: string[]): Promise<unknown> {
    if (this.now() < this.skipUntilMs) {
      throw new KeycardRedisUnavailableError('Redis is unavailable (retrying shortly)');
    }
    if (!this.client.isReady) {
      this.markDown(new KeycardRedisUnavailableError('not connected'));
      throw new KeycardRedisUnavailableError('Redis is not connected');
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      // The timer fires in the timers phase, before pending socket reads: on a busy event loop the
      // answer may already be waiting. setImmediate lets those reads run first (poll phase).
      timer = setTimeout(
        () => setImmediate(() => reject(new KeycardRedisUnavailableError(`no answer within ${this.commandTimeoutMs} ms`))),
        this.commandTimeoutMs,
      );
    });
    try {
      const reply = await Promise.race([this.client.sendCommand(args), timeout]);
      this.markUp();
      return reply;
    } catch (error: unknown) {
      // Error replies too (e.g. NOPERM from an ACL): Redis cannot be used as configured, and
      // the outage line names the reason once instead of a warning per request.
      this.markDown(error);
      throw error instanceof KeycardRedisUnavailableError ? error : new KeycardRedisUnavailableError('Redis command failed', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the client when Keycard created it; a client passed in is left to its owner. */
  async close(): Promise<void> {
    await this.owned?.close();
  }

  /** Nest shutdown hook (`app.close()`): closes the client Keycard created. */
  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private markDown(error: unknown): void {
    this.skipUntilMs = this.now() + this.retryAfterMs;
    if (!this.down) {
      this.down = true;
      this.logger.warn(`Redis is unavailable (${describe(error)}); ${this.whileDown}`);
    }
  }

  private markUp(): void {
    if (this.down) {
      this.down = false;
      this.skipUntilMs = 0;
      this.logger.log('Redis answers again');
    }
  }
}

function validate(options: KeycardRedisOptions, purpose: string): { keyPrefix: string; commandTimeoutMs: number; retryAfterMs: number } {
  const problems: string[] = [];
  const hasUrl = typeof options.url === 'string' && options.url.trim() !== '';
  if (hasUrl === (options.client !== undefined)) {
    problems.push(`${purpose}: give exactly one of redis.url (e.g. 'redis://127.0.0.1:6379') and redis.client (a node-redis client)`);
  }
  if (hasUrl && !/^rediss?:\/\/[^\s]+$/u.test(options.url as string)) {
    problems.push(`${purpose}: redis.url must start with redis:// or rediss://, got ${JSON.stringify(redactUrl(options.url as string))}`);
  }
  if (options.client !== undefined && typeof options.client.sendCommand !== 'function') {
    problems.push(`${purpose}: redis.client must be a node-redis client (createClient() from the 'redis' package)`);
  }
  const keyPrefix = options.keyPrefix ?? DEFAULTS.keyPrefix;
  if (typeof keyPrefix !== 'string') problems.push(`${purpose}: redis.keyPrefix must be a string`);
  const numbers = {
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
    retryAfterMs: options.retryAfterMs ?? DEFAULTS.retryAfterMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
  };
  for (const [name, value] of Object.entries(numbers)) {
    if (!Number.isSafeInteger(value) || value < 1) problems.push(`${purpose}: redis.${name} must be a whole number of milliseconds >= 1, got ${String(value)}`);
  }
  if (problems.length > 0) throw new KeycardConfigurationError(problems);
  return { keyPrefix, commandTimeoutMs: numbers.commandTimeoutMs, retryAfterMs: numbers.retryAfterMs };
}

async function closeClient(client: { isOpen: boolean; close(): Promise<unknown>; destroy(): void }): Promise<void> {
  if (!client.isOpen) {
    client.destroy();
    return;
  }
  // A graceful close waits for Redis; bound it so shutdown never hangs on a stopped server.
  const closed = await Promise.race([client.close().then(() => true, () => false), delay(1000).then(() => false)]);
  if (!closed) client.destroy();
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*):[^@/]*@/u, '//$1:***@');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
