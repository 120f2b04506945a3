import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, stat, type FileHandle } from 'node:fs/promises';
import { KeycardCredentialError } from '../errors/keycard.error.js';
import { nodeErrorCode } from './node-error-code.js';

/** Largest key file read: an RSA private key PEM is about 1.7 KB, its JWK about 0.5 KB. */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

/** Options of `readKeyFile`. */
export interface ReadKeyFileOptions {
  /** The uid that must own the file; `undefined` (platforms without uids) skips the check. */
  readonly uid: number | undefined;
  /** Refuse a file that group or others can read or write (private keys: mode 0600 or stricter). */
  readonly privateFile: boolean;
  /** What the operator can do instead, appended to every refusal. */
  readonly fix: string;
}


/** Open flags: never follow a symbolic link, never block (a FIFO would block `open` until a writer comes). */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a file';
}

function refusal(path: string, problem: string, fix: string, cause?: unknown): KeycardCredentialError {
  return new KeycardCredentialError(`The WebIdentity key file ${path} ${problem}. ${fix}`, cause === undefined ? undefined : { cause });
}

/** Refuses what a key file must not be: a link, not a regular file, another user's, over the size cap. */
async function checkEntry(path: string, stats: Stats, options: ReadKeyFileOptions): Promise<void> {
  if (stats.isSymbolicLink()) {
    const target = await readlink(path).catch(() => '(unreadable)');
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    throw exists
      ? refusal(path, `is a symbolic link (to ${target}); key files must be regular files`, `Replace the link with the file it points to, or ${options.fix}`)
      : refusal(
          path,
          `is a dangling symbolic link (to ${target}, which does not exist)`,
          `Remove the link to have a new key generated (register it with the zone again), or put the key file itself in its place.`,
        );
  }
  if (!stats.isFile()) throw refusal(path, `is not a regular file (${kindOf(stats)})`, `Remove it, or ${options.fix}`);
  if (options.uid !== undefined && stats.uid !== options.uid) {
    throw refusal(path, `is owned by uid ${stats.uid}, not by uid ${options.uid} that runs this server`, `chown it to the user running this server, or ${options.fix}`);
  }
  if (stats.size > MAX_KEY_FILE_BYTES) {
    throw refusal(path, `is ${stats.size} bytes, larger than ${MAX_KEY_FILE_BYTES} bytes: it is not a key file`, `Remove it, or ${options.fix}`);
  }
  if (options.privateFile && (stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
    throw refusal(
      path,
      `is a private key that other users can read or write (mode ${mode})`,
      `Run \`chmod 600 ${path}\`; if other users could read it, delete it instead so that a new key is generated ` +
        '(and register the new key with the zone).',
    );
  }
}

async function readCapped(handle: FileHandle, path: string, fix: string): Promise<string> {
  const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
  let length = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
    if (length > MAX_KEY_FILE_BYTES) throw refusal(path, `is larger than ${MAX_KEY_FILE_BYTES} bytes: it is not a key file`, `Remove it, or ${fix}`);
  }
  return buffer.subarray(0, length).toString('utf8');
}

/**
 * Reads a key file the storage finds, trusting nothing about it: a symbolic link (dangling or
 * not), anything but a regular file (a FIFO would hang a plain read), a file of another user
 * or one over `MAX_KEY_FILE_BYTES` is refused with a `KeycardCredentialError` naming the path
 * and the fix, and so is a private key file that group or others can read or write (as
 * OpenSSH does: it may have leaked, the operator decides). It is checked with `lstat` before
 * opening, opened without following links and without blocking, and checked again on the
 * open descriptor (same file, still regular). `undefined` when there is no file.
 */
export async function readKeyFile(path: string, options: ReadKeyFileOptions): Promise<string | undefined> {
  let found: Stats;
  try {
    found = await lstat(path);
  } catch (error: unknown) {
    if (nodeErrorCode(error) === 'ENOENT') return undefined;
    throw refusal(path, `cannot be read (${nodeErrorCode(error) ?? 'unknown error'})`, `Give this process read access to it, or ${options.fix}`, error);
  }
  await checkEntry(path, found, options);

  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error: unknown) {
    const code = nodeErrorCode(error);
    if (code === 'ELOOP') throw refusal(path, 'became a symbolic link while it was being opened', options.fix, error);
    throw refusal(path, `cannot be read (${code ?? 'unknown error'})`, `Give this process read access to it, or ${options.fix}`, error);
  }
  try {
    const opened = await handle.stat();
    if (opened.ino !== found.ino || opened.dev !== found.dev) {
      throw refusal(path, 'was replaced while it was being opened', 'Make sure nothing else writes to the key directory.');
    }
    await checkEntry(path, opened, options);
    return await readCapped(handle, path, options.fix);
  } finally {
    await handle.close();
  }
}
