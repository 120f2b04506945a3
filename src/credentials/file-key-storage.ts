import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { KeycardCredentialError } from '../errors/keycard.error.js';
import { readKeyFile } from './key-file-reader.js';
import { nodeErrorCode } from './node-error-code.js';
import { parseRsaPrivateKey, publicJwkOf } from './web-identity-key-pair.js';
import { WebIdentityKeyStorage, type WebIdentityKeyPair } from './web-identity-key-storage.js';

/** Key ids usable as file names: no path separators, no leading dot. */
const SAFE_KID = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** How often a process that lost the creation race re-reads before giving up. */
const MAX_ATTEMPTS = 3;

/**
 * Keeps WebIdentity key pairs in a directory: `<kid>.pem` (the private key, PKCS#8 PEM,
 * mode 0600) and `<kid>.jwk.json` (the public JWK, derived from the private key).
 *
 * The directory is created with mode 0700 when missing. The private key file is the
 * source of truth and is created exclusively: each process writes its new key to a
 * temporary file in the same directory and hard-links it to `<kid>.pem`, which fails
 * when another process got there first; the loser then reads the winner's key. So
 * processes starting at once with the same directory all end up with one key pair, and
 * no process ever reads a half-written key. The JWK file is (re)written atomically
 * (temporary file + rename) whenever it is missing or does not match the private key.
 *
 * Nothing found in the directory is trusted (see `readKeyFile`): the directory and the key
 * files must belong to the user running the server; a key file must be a regular file (not a
 * symbolic link, FIFO, device...) of at most 64 KiB. Anything else fails the boot with a
 * message naming the path and the fix. So does a private key file that group or others can
 * read or write (mode wider than 0600): it may have leaked, so the operator decides (`chmod
 * 600`, or delete it to generate a new key), as OpenSSH does.
 */
export class FileKeyStorage extends WebIdentityKeyStorage {

  /** Absolute path of the directory. */
  readonly directory: string;

  constructor(directory: string) {
    super();
    this.directory = resolve(directory);
  }

  /** Path of the private key file of `kid`. */
  privateKeyPath(kid: string): string {
    return join(this.directory, `${checkKid(kid)}.pem`);
  }

  /** Path of the public JWK file of `kid`. */
  publicJwkPath(kid: string): string {
    return join(this.directory, `${checkKid(kid)}.jwk.json`);
  }

  override describe(): string {
    return `directory ${this.directory}`;
  }

  /** The uid that must own the directory and the key files: this process's (`undefined` where there are no uids). */
  protected currentUid(): number | undefined {
    return process.getuid?.();
  }

  override async loadOrCreate(kid: string, generate: () => Promise<WebIdentityKeyPair>): Promise<WebIdentityKeyPair> {
    const keyPath = this.privateKeyPath(kid);
    await this.#ensureDirectory();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const existing = await this.#readPrivateKey(keyPath);
      if (existing !== undefined) return this.#complete(kid, keyPath, existing);
      const created = await generate();
      if (await this.#publishPrivateKey(keyPath, created.privateKeyPem)) {
        return this.#complete(kid, keyPath, created.privateKeyPem);
      }
      // Another process created the key first: loop and read theirs.
    }
    throw new KeycardCredentialError(
      `The WebIdentity private key file ${keyPath} kept appearing and disappearing while it was being ` +
        'created. Make sure only Keycard-enabled servers use this directory and that nothing deletes its files.',
    );
  }

  /** Checks the stored key, writes the JWK file when needed, and returns the pair. */
  async #complete(kid: string, keyPath: string, privateKeyPem: string): Promise<WebIdentityKeyPair> {
    const privateKey = parseRsaPrivateKey(privateKeyPem);
    if (privateKey === undefined) {
      throw new KeycardCredentialError(
        `The WebIdentity private key file ${keyPath} is corrupted: it is not a PKCS#8 PEM RSA private key of at ` +
          'least 2048 bits. Restore it from a backup, or delete it (and its .jwk.json file) to generate a new key ' +
          'pair; a new key must then be registered with the zone again.',
      );
    }
    const publicJwk = publicJwkOf(privateKey, kid);
    await this.#writePublicJwk(this.publicJwkPath(kid), `${JSON.stringify(publicJwk, null, 2)}\n`);
    return Object.freeze({ privateKeyPem, publicJwk });
  }

  async #ensureDirectory(): Promise<void> {
    try {
      const created = await mkdir(this.directory, { recursive: true, mode: 0o700 });
      // A process umask can only remove bits; make sure the new directory is exactly 0700.
      if (created !== undefined) await chmod(this.directory, 0o700);
    } catch (error: unknown) {
      throw this.#storageError(nodeErrorCode(error) === 'EEXIST' ? 'exists but is not a directory' : 'cannot be created', error);
    }
    const uid = this.currentUid();
    const found = await stat(this.directory).catch((error: unknown) => {
      throw this.#storageError('cannot be read', error);
    });
    if (!found.isDirectory()) throw this.#storageError('exists but is not a directory', undefined);
    if (uid !== undefined && found.uid !== uid) {
      throw new KeycardCredentialError(
        `The WebIdentity key storage directory ${this.directory} is owned by uid ${found.uid}, not by uid ${uid} that runs ` +
          'this server: another user could replace the keys in it. chown it to the user running this server, or set the ' +
          '`storageDir` option or KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR to a directory that user owns.',
      );
    }
  }

  /** The private key file's content, or `undefined` when there is none yet. */
  async #readPrivateKey(keyPath: string): Promise<string | undefined> {
    return readKeyFile(keyPath, {
      uid: this.currentUid(),
      privateFile: true,
      fix: 'point storageDir / KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR at a directory of your own.',
    });
  }

  /** Creates the private key file exclusively; `false` when another process created it first. */
  async #publishPrivateKey(keyPath: string, privateKeyPem: string): Promise<boolean> {
    const temporary = await this.#writeTemporary(keyPath, privateKeyPem, 0o600);
    try {
      await link(temporary, keyPath);
      return true;
    } catch (error: unknown) {
      if (nodeErrorCode(error) === 'EEXIST') return false;
      throw this.#storageError('is not writable', error);
    } finally {
      await rm(temporary, { force: true });
    }
  }

  /** Writes the JWK file atomically, unless it already holds exactly this content. */
  async #writePublicJwk(jwkPath: string, content: string): Promise<void> {
    const current = await readKeyFile(jwkPath, {
      uid: this.currentUid(),
      privateFile: false,
      fix: 'delete it to have it written again.',
    });
    if (current === content) return;
    const temporary = await this.#writeTemporary(jwkPath, content, 0o644);
    try {
      await rename(temporary, jwkPath);
    } catch (error: unknown) {
      await rm(temporary, { force: true });
      throw this.#storageError('is not writable', error);
    }
  }

  /** Writes, flushes and closes a new temporary file beside `target`; returns its path. */
  async #writeTemporary(target: string, content: string, mode: number): Promise<string> {
    const temporary = `${target}.${process.pid}.${randomUUID()}.tmp`;
    try {
      const handle = await open(temporary, 'wx', mode);
      try {
        await handle.chmod(mode);
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      return temporary;
    } catch (error: unknown) {
      await rm(temporary, { force: true });
      throw this.#storageError('is not writable', error);
    }
  }

  #storageError(problem: string, error: unknown): KeycardCredentialError {
    const code = nodeErrorCode(error);
    return new KeycardCredentialError(
      `The WebIdentity key storage directory ${this.directory} ${problem}${code ? ` (${code})` : ''}. ` +
        'Create it with write permission for the user running this server, or set the `storageDir` option or ' +
        'KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR to a writable directory.',
      error === undefined ? undefined : { cause: error },
    );
  }
}

function checkKid(kid: string): string {
  if (!SAFE_KID.test(kid)) {
    throw new KeycardCredentialError(
      `The WebIdentity key id "${kid}" cannot be used as a file name: use only letters, digits, "_", "-" and "." ` +
        '(not first).',
    );
  }
  return kid;
}
