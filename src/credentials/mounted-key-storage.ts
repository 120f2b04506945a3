import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KeycardConfigurationError, KeycardCredentialError } from '../errors/keycard.error.js';
import type { EnvReader } from './application-credential.js';
import { CREDENTIAL_ENV, nonBlank, readEnv } from './credential-env.js';
import { keyPairOf, parseRsaPrivateKey, rotatingKeyId } from './web-identity-key-pair.js';
import { WebIdentityKeyStorage, type WebIdentityKeyPair, type WebIdentityKeySet, type WebIdentityPublicJwk } from './web-identity-key-storage.js';

/** How often key files are read again, to follow a secret the operator updated: 60 s. */
const DEFAULT_REFRESH_INTERVAL_MS = 60_000;

/** Options of `new MountedKeyStorage(...)`. Give `privateKeyFile` or `privateKeyPem`. */
export interface MountedKeyStorageOptions {
  /** Path of the signing key, a PKCS#8 PEM RSA private key (≥ 2048 bits): e.g. a Kubernetes secret volume file. */
  readonly privateKeyFile?: string;
  /** The signing key's PEM itself (e.g. read from a secret env variable). */
  readonly privateKeyPem?: string;
  /**
   * Keys published in the JWKS beside the signing key but never used to sign: the previous key
   * during its grace period, the next key before it takes over. PEM files, private (PKCS#8) or public (SPKI).
   * @default []
   */
  readonly publishedKeyFiles?: readonly string[];
  /**
   * How often the files are read again (ms), so a rotated secret is picked up without a restart.
   * @default 60000 with files; never with `privateKeyPem` alone
   */
  readonly refreshIntervalMs?: number;
}

/**
 * A WebIdentity key from a mounted secret (the usual Kubernetes way): every replica mounts
 * the same PEM, so every replica signs with the same key and serves the same JWKS. Nothing is
 * generated or written. Each key's `kid` is `<key id>-<thumbprint>`, so a rotated key gets a
 * new `kid`.
 *
 * Rotation without a failed exchange: (1) add the new key to `publishedKeyFiles` on every
 * replica; (2) once every replica publishes it, make it `privateKeyFile` and move the old one
 * to `publishedKeyFiles`; (3) after a grace period (≥ the 5-minute assertion lifetime plus
 * the zone's JWKS cache time), drop the old one.
 */
export class MountedKeyStorage extends WebIdentityKeyStorage {
  override readonly refreshIntervalMs: number | undefined;
  readonly #options: MountedKeyStorageOptions;

  constructor(options: MountedKeyStorageOptions) {
    super();
    const file = nonBlank(options.privateKeyFile);
    const pem = nonBlank(options.privateKeyPem);
    if ((file === undefined) === (pem === undefined)) {
      throw new KeycardConfigurationError(
        'MountedKeyStorage needs exactly one of privateKeyFile (a path) and privateKeyPem (the PEM text), e.g. ' +
          `env ${CREDENTIAL_ENV.WEB_IDENTITY_PRIVATE_KEY_FILE} or ${CREDENTIAL_ENV.WEB_IDENTITY_PRIVATE_KEY}.`,
      );
    }
    const usesFiles = file !== undefined || (options.publishedKeyFiles?.length ?? 0) > 0;
    const interval = options.refreshIntervalMs ?? (usesFiles ? DEFAULT_REFRESH_INTERVAL_MS : undefined);
    if (interval !== undefined && (!Number.isSafeInteger(interval) || interval < 1000)) {
      throw new KeycardConfigurationError(`MountedKeyStorage refreshIntervalMs must be a whole number >= 1000, got ${String(interval)}`);
    }
    this.refreshIntervalMs = interval;
    this.#options = { ...options, privateKeyFile: file === undefined ? undefined : resolve(file), privateKeyPem: pem };
  }

  /** The storage the environment asks for, or `undefined` when neither variable is set. */
  static fromEnv(env: EnvReader): MountedKeyStorage | undefined {
    const privateKeyFile = readEnv(env, CREDENTIAL_ENV.WEB_IDENTITY_PRIVATE_KEY_FILE);
    const privateKeyPem = readEnv(env, CREDENTIAL_ENV.WEB_IDENTITY_PRIVATE_KEY);
    if (privateKeyFile === undefined && privateKeyPem === undefined) return undefined;
    const published = readEnv(env, CREDENTIAL_ENV.WEB_IDENTITY_PUBLISHED_KEY_FILES);
    const publishedKeyFiles = published?.split(',').map((path) => path.trim()).filter((path) => path !== '') ?? [];
    // The file wins when both are set, like the zone URL over the zone id.
    return new MountedKeyStorage(privateKeyFile !== undefined ? { privateKeyFile, publishedKeyFiles } : { privateKeyPem, publishedKeyFiles });
  }

  override describe(): string {
    const where = this.#options.privateKeyFile === undefined ? 'a PEM given in the configuration' : `file ${this.#options.privateKeyFile}`;
    return `mounted key (${where})`;
  }

  override async loadOrCreate(kid: string): Promise<WebIdentityKeyPair> {
    return (await this.loadKeySet(kid)).signing;
  }

  override async loadKeySet(kid: string): Promise<WebIdentityKeySet> {
    const { privateKeyFile, privateKeyPem } = this.#options;
    const pem = privateKeyFile === undefined ? (privateKeyPem as string) : await readKeyFile(privateKeyFile);
    const privateKey = parseRsaPrivateKey(pem);
    if (privateKey === undefined) {
      throw new KeycardCredentialError(
        `The WebIdentity signing key in ${this.describe()} is not a PKCS#8 PEM RSA private key of at least 2048 bits ` +
          '(convert one with `openssl pkcs8 -topk8 -nocrypt -in key.pem`).',
      );
    }
    const signing = keyPairOf(privateKey, rotatingKeyId(kid, privateKey));
    const published: WebIdentityPublicJwk[] = [signing.publicJwk];
    for (const path of this.#options.publishedKeyFiles ?? []) {
      const jwk = publishedJwk(await readKeyFile(resolve(path)), kid, path);
      if (!published.some((known) => known.kid === jwk.kid)) published.push(jwk);
    }
    return { signing, published };
  }
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error: unknown) {
    throw new KeycardCredentialError(
      `Cannot read the WebIdentity key file ${path}: ${error instanceof Error ? error.message : 'unknown error'}. ` +
        'Check the secret is mounted there and readable by this process.',
      { cause: error },
    );
  }
}

/** The JWK of a published key file: a PKCS#8 private key or an SPKI public key. */
function publishedJwk(pem: string, kid: string, path: string): WebIdentityPublicJwk {
  let key: KeyObject | undefined;
  try {
    key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  } catch (error: unknown) {
    if (!(error instanceof Error)) throw error;
    key = undefined;
  }
  const jwk = key?.export({ format: 'jwk' });
  if (key === undefined || jwk?.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new KeycardCredentialError(`The published WebIdentity key file ${path} is not a PEM RSA key of at least 2048 bits.`);
  }
  return Object.freeze({ kty: 'RSA', n: jwk.n, e: jwk.e, kid: rotatingKeyId(kid, key), alg: 'RS256', use: 'sig' });
}
