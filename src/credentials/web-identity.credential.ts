import { randomUUID, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import jwt from 'jsonwebtoken';
import { KeycardConfigurationError, KeycardCredentialError } from '../errors/keycard.error.js';
import {
  ApplicationCredential,
  JWT_BEARER_CLIENT_ASSERTION_TYPE,
  type EnvReader,
  type PublicJwks,
  type TokenEndpointRequest,
} from './application-credential.js';
import { CREDENTIAL_ENV, nonBlank, readEnv } from './credential-env.js';
import { FileKeyStorage } from './file-key-storage.js';
import { MountedKeyStorage } from './mounted-key-storage.js';
import { generateWebIdentityKeyPair, parseRsaPrivateKey, publicJwkOf, sameRsaKey } from './web-identity-key-pair.js';
import type { WebIdentityKeySet, WebIdentityKeyStorage, WebIdentityPublicJwk } from './web-identity-key-storage.js';

/** The keys in use: the parsed signing key, its `kid`, and the published public keys. */
interface LoadedKeys {
  readonly privateKey: KeyObject;
  readonly kid: string;
  readonly published: readonly WebIdentityPublicJwk[];
}

/** Lifetime of a client assertion, in seconds. */
export const CLIENT_ASSERTION_LIFETIME_SECONDS = 300;

/** The server name used for the key id when none is given. */
export const DEFAULT_WEB_IDENTITY_SERVER_NAME = 'MCP Server';

/** The key directory used when neither the option nor the env variable names one. */
export const DEFAULT_WEB_IDENTITY_STORAGE_DIR = './mcp_keys';

/** Options of `new WebIdentity(...)`. Empty strings count as unset. */
export interface WebIdentityOptions {
  /**
   * Name of this server; the key id is derived from it (every character outside
   * `[A-Za-z0-9_-]` becomes `_`) when `keyId` is not given.
   * @default 'MCP Server'
   */
  serverName?: string;
  /**
   * Directory of the key pair (created with mode 0700 when missing). Ignored when
   * `keyStorage` is given.
   * @default env KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR, else './mcp_keys'
   */
  storageDir?: string;
  /**
   * Key id (`kid`): letters, digits, `_`, `-` and `.` (not first).
   * @default the sanitised `serverName`, e.g. 'MCP_Server'
   */
  keyId?: string;
  /**
   * Client id registered with the zone; `iss` and `sub` of the client assertions.
   * @default the key id
   */
  clientId?: string;
  /**
   * Where the key pair is kept. Several replicas must sign with the same key: use a
   * `MountedKeyStorage` (a mounted secret) or a `RedisKeyStorage`.
   * @default a `MountedKeyStorage` when env KEYCARD_WEB_IDENTITY_PRIVATE_KEY_FILE or
   * KEYCARD_WEB_IDENTITY_PRIVATE_KEY is set, else a `FileKeyStorage` on the storage directory
   */
  keyStorage?: WebIdentityKeyStorage;
}

const KEY_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * `private_key_jwt` client authentication (RFC 7523): the server keeps an RSA-2048 key
 * pair, publishes its public key at `/.well-known/jwks.json`, and signs a short-lived
 * RS256 client assertion for every token request.
 *
 * `initialize()` loads the key pair, creating it on first start; the same storage gives
 * the same key (and key id) across restarts.
 */
export class WebIdentity extends ApplicationCredential {
  readonly kind = 'web_identity' as const;

  /** The key id (`kid`), also the default client id. */
  readonly keyId: string;
  /** The client id: `iss` and `sub` of the client assertions. */
  readonly clientId: string;

  readonly #storageDirOption: string | undefined;
  readonly #keyStorageOption: WebIdentityKeyStorage | undefined;
  #keyStorage: WebIdentityKeyStorage | undefined;
  #keys: LoadedKeys | undefined;

  constructor(options: WebIdentityOptions = {}) {
    super();
    const keyId = nonBlank(options.keyId);
    if (keyId !== undefined && !KEY_ID.test(keyId)) {
      throw new KeycardConfigurationError(
        `WebIdentity keyId "${keyId}" is not valid: use only letters, digits, "_", "-" and "." (not first).`,
      );
    }
    this.keyId = keyId ?? keyIdFromServerName(nonBlank(options.serverName) ?? DEFAULT_WEB_IDENTITY_SERVER_NAME);
    this.clientId = nonBlank(options.clientId) ?? this.keyId;
    this.#storageDirOption = nonBlank(options.storageDir);
    this.#keyStorageOption = options.keyStorage;
  }

  /** The key storage in use; set by `initialize()`. */
  get keyStorage(): WebIdentityKeyStorage | undefined {
    return this.#keyStorage;
  }

  /** The absolute key directory when the default file storage is in use; set by `initialize()`. */
  get storageDir(): string | undefined {
    return this.#keyStorage instanceof FileKeyStorage ? this.#keyStorage.directory : undefined;
  }

  /** Loads the key set from the storage, creating the key there on first start. */
  override async initialize(env: EnvReader): Promise<void> {
    const storage = this.#keyStorageOption ?? this.#storageFromEnv(env);
    this.#keys = await this.#load(storage);
    this.#keyStorage = storage;
  }

  /**
   * How often the keys should be read again (`refreshKeys()`), when the storage rotates
   * them; `undefined` otherwise. `KeycardModule` schedules it.
   */
  get keyRefreshIntervalMs(): number | undefined {
    return this.#keyStorage?.refreshIntervalMs;
  }

  /**
   * Reads the key set again (a rotation by another replica or the operator). On failure it
   * throws and the keys already loaded stay in use.
   */
  async refreshKeys(): Promise<void> {
    const storage = this.#keyStorage;
    if (storage === undefined) {
      throw new KeycardCredentialError('WebIdentity is not initialised: call `await credential.initialize(env)` first.');
    }
    this.#keys = await this.#load(storage);
  }

  /** The `kid` assertions are signed with now (the key id, or a rotating storage's current key id). */
  get signingKeyId(): string {
    return this.#requireKey().kid;
  }

  #storageFromEnv(env: EnvReader): WebIdentityKeyStorage {
    const mounted = MountedKeyStorage.fromEnv(env);
    if (mounted !== undefined && this.#storageDirOption === undefined) return mounted;
    return new FileKeyStorage(
      resolve(this.#storageDirOption ?? readEnv(env, CREDENTIAL_ENV.WEB_IDENTITY_KEY_STORAGE_DIR) ?? DEFAULT_WEB_IDENTITY_STORAGE_DIR),
    );
  }

  async #load(storage: WebIdentityKeyStorage): Promise<LoadedKeys> {
    const kid = this.keyId;
    const set = await storage.loadKeySet(kid, () => generateWebIdentityKeyPair(kid));
    return checkKeySet(set, storage);
  }

  override async authenticate(request: TokenEndpointRequest): Promise<void> {
    const assertion = this.createClientAssertion(request.tokenEndpoint);
    request.body.set('client_id', this.clientId);
    request.body.set('client_assertion_type', JWT_BEARER_CLIENT_ASSERTION_TYPE);
    request.body.set('client_assertion', assertion);
  }

  /**
   * Signs a client assertion (RS256 JWT) for `audience`, the token endpoint URL:
   * `iss` = `sub` = client id, a random `jti`, `iat` now and `exp` five minutes later.
   */
  createClientAssertion(audience: string): string {
    const iat = Math.floor(Date.now() / 1000);
    const { privateKey, kid } = this.#requireKey();
    const claims = {
      iss: this.clientId,
      sub: this.clientId,
      aud: audience,
      jti: randomUUID(),
      iat,
      exp: iat + CLIENT_ASSERTION_LIFETIME_SECONDS,
    };
    // jsonwebtoken (already installed with passport-jwt) signs synchronously: header `{ alg, typ: 'JWT', kid }`.
    return jwt.sign(claims, privateKey, { algorithm: 'RS256', keyid: kid });
  }

  override getPublicJwks(): PublicJwks {
    return { keys: [...this.#requireKey().published] };
  }

  override toString(): string {
    return `WebIdentity(keyId=${JSON.stringify(this.keyId)}, clientId=${JSON.stringify(this.clientId)})`;
  }

  /** A description without key material. */
  toJSON(): Record<string, unknown> {
    return { kind: this.kind, keyId: this.keyId, clientId: this.clientId, storage: this.#keyStorage?.describe() };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  #requireKey(): LoadedKeys {
    if (this.#keys === undefined) {
      throw new KeycardCredentialError(
        'WebIdentity is not initialised: call `await credential.initialize(env)` first (KeycardModule does it at bootstrap).',
      );
    }
    return this.#keys;
  }
}

/** Checks that the signing key parses and matches its published JWK; the keys to use. */
function checkKeySet(set: WebIdentityKeySet, storage: WebIdentityKeyStorage): LoadedKeys {
  const kid = set.signing.publicJwk.kid;
  const privateKey = parseRsaPrivateKey(set.signing.privateKeyPem);
  if (privateKey === undefined) {
    throw new KeycardCredentialError(
      `The WebIdentity key "${kid}" in ${storage.describe()} is not a PKCS#8 PEM RSA private key of at least ` +
        '2048 bits. Replace or delete it to generate a new key pair.',
    );
  }
  if (!sameRsaKey(publicJwkOf(privateKey, kid), set.signing.publicJwk)) {
    throw new KeycardCredentialError(
      `The WebIdentity key "${kid}" in ${storage.describe()} is inconsistent: its public key does not match ` +
        'its private key. Replace or delete the stored pair to generate a new one.',
    );
  }
  const published = set.published.some((jwk) => jwk.kid === kid) ? set.published : [set.signing.publicJwk, ...set.published];
  return Object.freeze({ privateKey, kid, published: Object.freeze([...published]) });
}

/** The key id derived from a server name: every character outside `[A-Za-z0-9_-]` becomes `_`. */
export function keyIdFromServerName(serverName: string): string {
  return serverName.replace(/[^A-Za-z0-9_-]/gu, '_');
}
