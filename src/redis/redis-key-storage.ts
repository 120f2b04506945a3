import { KeycardCredentialError } from '../errors/keycard.error.js';
import { generateWebIdentityKeyPair, keyPairOf, parseRsaPrivateKey, rotatingKeyId } from '../credentials/web-identity-key-pair.js';
import { WebIdentityKeyStorage, type WebIdentityKeyPair, type WebIdentityKeySet } from '../credentials/web-identity-key-storage.js';
import type { KeycardRedisOptions } from './keycard-redis-options.interface.js';
import { RedisConnection, redactUrl } from './redis-connection.js';

/** Defaults of `RedisKeyStorage`. */
const DEFAULT_REFRESH_INTERVAL_MS = 30_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 2000;
const DEFAULT_GRACE_MS = 15 * 60_000;

/** Replaces the stored key set only if nobody changed it since it was read. */
const COMPARE_AND_SET = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 else return 0 end";

/** Options of `new RedisKeyStorage(...)`: where Redis is, plus how often replicas re-read the keys. */
export interface RedisKeyStorageOptions extends KeycardRedisOptions {
  /**
   * How often every replica reads the key set again, to follow a rotation (ms).
   * @default 30000
   */
  readonly refreshIntervalMs?: number;
}

/** Options of `RedisKeyStorage.rotate()`. */
export interface RedisKeyRotationOptions {
  /**
   * How long the new key is published before any replica signs with it (ms), so that every
   * replica's JWKS has it first. Must exceed the refresh interval.
   * @default twice the refresh interval
   */
  readonly propagationMs?: number;
  /**
   * How long the old key stays published after the new one takes over (ms): at least the
   * 5-minute assertion lifetime plus the zone's JWKS cache time.
   * @default 900000 (15 minutes)
   */
  readonly graceMs?: number;
}

/** One key as stored: the private key, when it signs, and when it stops being published. */
interface StoredKey {
  readonly pem: string;
  readonly activateAtMs: number;
  readonly retireAtMs?: number;
}

interface StoredKeySet {
  readonly keys: readonly StoredKey[];
}

/**
 * WebIdentity keys shared by every replica through Redis. The first replica to boot creates
 * the key and stores it with `SET NX` (race-free: the others read the winner's key), so all
 * replicas sign with one key and serve one JWKS. `rotate()` adds a new key that every replica
 * publishes for `propagationMs` before it signs with it, and keeps the old one published for
 * `graceMs` after: no exchange fails while replicas roll.
 *
 * The private key is stored in clear in Redis: protect Redis (ACL, TLS, private network) as
 * you would the key, or prefer a `MountedKeyStorage`. Each load opens a short connection
 * (boot, then every `refreshIntervalMs`), so nothing stays open after shutdown.
 */
export class RedisKeyStorage extends WebIdentityKeyStorage {
  override readonly refreshIntervalMs: number;
  readonly #options: KeycardRedisOptions;

  constructor(options: RedisKeyStorageOptions) {
    super();
    const { refreshIntervalMs, ...redis } = options;
    this.refreshIntervalMs = refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
    this.#options = { commandTimeoutMs: DEFAULT_COMMAND_TIMEOUT_MS, ...redis };
  }

  override describe(): string {
    const where = this.#options.url === undefined ? 'the app’s Redis client' : redactUrl(this.#options.url);
    return `Redis (${where}, keys ${this.#options.keyPrefix ?? 'keycard:'}web-identity:*)`;
  }

  override async loadOrCreate(kid: string, generate: () => Promise<WebIdentityKeyPair>): Promise<WebIdentityKeyPair> {
    return (await this.loadKeySet(kid, generate)).signing;
  }

  override async loadKeySet(kid: string, generate: () => Promise<WebIdentityKeyPair> = () => generateWebIdentityKeyPair(kid)): Promise<WebIdentityKeySet> {
    return this.#withRedis(async (redis) => {
      const name = this.#name(redis, kid);
      let raw = await redis.command(['GET', name]);
      if (typeof raw !== 'string') {
        const created = JSON.stringify({ keys: [{ pem: (await generate()).privateKeyPem, activateAtMs: Date.now() }] } satisfies StoredKeySet);
        const won = (await redis.command(['SET', name, created, 'NX'])) === 'OK';
        raw = won ? created : await redis.command(['GET', name]);
      }
      if (typeof raw !== 'string') {
        throw new KeycardCredentialError(`The WebIdentity key "${kid}" disappeared from ${this.describe()} while it was being created.`);
      }
      return this.#keySet(kid, parseStored(raw, kid, this.describe()), Date.now());
    });
  }

  /**
   * Starts a rotation: stores a new key that replicas publish now and sign with after
   * `propagationMs`; the current key stays published `graceMs` longer. Returns the new `kid`.
   */
  async rotate(kid: string, options: RedisKeyRotationOptions = {}): Promise<string> {
    const propagationMs = options.propagationMs ?? 2 * this.refreshIntervalMs;
    const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    const fresh = await generateWebIdentityKeyPair(kid);
    return this.#withRedis(async (redis) => {
      const name = this.#name(redis, kid);
      for (let attempt = 0; attempt < 5; attempt++) {
        const raw = await redis.command(['GET', name]);
        if (typeof raw !== 'string') throw new KeycardCredentialError(`There is no WebIdentity key "${kid}" in ${this.describe()} to rotate.`);
        const now = Date.now();
        const activateAtMs = now + propagationMs;
        const keys = parseStored(raw, kid, this.describe()).keys
          .filter((key) => key.retireAtMs === undefined || key.retireAtMs > now)
          .map((key) => ({ ...key, retireAtMs: Math.min(key.retireAtMs ?? Infinity, activateAtMs + graceMs) }));
        const next = JSON.stringify({ keys: [...keys, { pem: fresh.privateKeyPem, activateAtMs }] } satisfies StoredKeySet);
        if ((await redis.command(['EVAL', COMPARE_AND_SET, '1', name, raw, next])) === 1) {
          return rotatingKeyId(kid, parseRsaPrivateKey(fresh.privateKeyPem) as NonNullable<ReturnType<typeof parseRsaPrivateKey>>);
        }
      }
      throw new KeycardCredentialError(`The WebIdentity key "${kid}" in ${this.describe()} kept changing during the rotation; try again.`);
    });
  }

  /** Signing key: the newest active one; published: every key not retired. */
  #keySet(kid: string, stored: StoredKeySet, now: number): WebIdentityKeySet {
    const live = stored.keys.filter((key) => key.retireAtMs === undefined || key.retireAtMs > now);
    const active = live.filter((key) => key.activateAtMs <= now).sort((a, b) => b.activateAtMs - a.activateAtMs)[0];
    if (active === undefined) {
      throw new KeycardCredentialError(`The WebIdentity key set "${kid}" in ${this.describe()} has no active key; delete it to create a new one.`);
    }
    const pairs = live.map((key) => {
      const privateKey = parseRsaPrivateKey(key.pem);
      if (privateKey === undefined) {
        throw new KeycardCredentialError(`The WebIdentity key set "${kid}" in ${this.describe()} holds a key that is not a PKCS#8 PEM RSA key; delete it to create a new one.`);
      }
      return { key, pair: keyPairOf(privateKey, rotatingKeyId(kid, privateKey)) };
    });
    const signing = (pairs.find((entry) => entry.key === active) as (typeof pairs)[number]).pair;
    return { signing, published: pairs.map((entry) => entry.pair.publicJwk) };
  }

  async #withRedis<T>(work: (redis: RedisConnection) => Promise<T>): Promise<T> {
    const redis = await RedisConnection.open(this.#options, 'RedisKeyStorage', 'the WebIdentity keys cannot be read');
    try {
      return await work(redis);
    } catch (error: unknown) {
      if (error instanceof KeycardCredentialError) throw error;
      throw new KeycardCredentialError(
        `Cannot use the WebIdentity keys in ${this.describe()}: ${error instanceof Error ? error.message : 'unknown error'}. ` +
          'Every replica needs that key: start Redis (or fix the URL) and restart.',
        { cause: error },
      );
    } finally {
      await redis.close();
    }
  }

  #name(redis: RedisConnection, kid: string): string {
    return redis.key(`web-identity:${kid}`);
  }
}

function parseStored(raw: string, kid: string, where: string): StoredKeySet {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error: unknown) {
    throw new KeycardCredentialError(`The WebIdentity key set "${kid}" in ${where} is not JSON; delete it to create a new one.`, { cause: error });
  }
  const keys = (value as Partial<StoredKeySet> | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((key: Partial<StoredKey>) => typeof key?.pem === 'string' && typeof key.activateAtMs === 'number')) {
    throw new KeycardCredentialError(`The WebIdentity key set "${kid}" in ${where} is malformed; delete it to create a new one.`);
  }
  return { keys };
}
