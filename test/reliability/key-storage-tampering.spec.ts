import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileKeyStorage } from '../../src/credentials/file-key-storage.js';
import { generateWebIdentityKeyPair } from '../../src/credentials/web-identity-key-pair.js';
import { KeycardCredentialError } from '../../src/errors/keycard.error.js';
import { tempDirs } from '../credentials/helpers.js';

const KID = 'tampered';
const tmp = tempDirs();

/** Fails instead of hanging: a key storage that blocks on a FIFO never settles. */
async function settled<T>(promise: Promise<T>, ms = 3000): Promise<{ value?: T; error?: Error }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms (the key storage hangs)`)), ms);
  });
  try {
    return { value: await Promise.race([promise, timeout]) };
  } catch (error) {
    if ((error as Error).message.includes('the key storage hangs')) throw error;
    return { error: error as Error };
  } finally {
    clearTimeout(timer);
  }
}

async function refusal(storage: FileKeyStorage): Promise<KeycardCredentialError> {
  const { error } = await settled(storage.loadOrCreate(KID, () => generateWebIdentityKeyPair(KID)));
  expect(error).toBeInstanceOf(KeycardCredentialError);
  return error as KeycardCredentialError;
}

/** The storage as a process running under another uid sees it: every file here belongs to someone else. */
class StorageOfAnotherUser extends FileKeyStorage {
  protected override currentUid(): number | undefined {
    return (process.getuid?.() ?? 0) + 4242;
  }
}

describe('WebIdentity key storage trusts nothing it finds', () => {
  let dir: string;
  let keyPath: string;

  beforeEach(async () => {
    dir = join(await tmp.make('keycard-tamper-'), 'keys');
    keyPath = join(dir, `${KID}.pem`);
    await mkdir(dir, { mode: 0o700 });
  });

  afterEach(async () => {
    await tmp.cleanup();
  });

  it('refuses a FIFO in place of the private key, without hanging', async () => {
    execFileSync('mkfifo', ['-m', '600', keyPath]);
    const error = await refusal(new FileKeyStorage(dir));
    expect(error.message).toContain(keyPath);
    expect(error.message).toMatch(/not a regular file \(a FIFO\)/);
  });

  it('refuses a symbolic link in place of the private key, even to a valid key', async () => {
    const elsewhere = join(dir, '..', 'real.pem');
    await writeFile(elsewhere, (await generateWebIdentityKeyPair(KID)).privateKeyPem, { mode: 0o600 });
    await symlink(elsewhere, keyPath);
    const error = await refusal(new FileKeyStorage(dir));
    expect(error.message).toContain(keyPath);
    expect(error.message).toContain('symbolic link');
    expect(error.message).not.toContain('does not exist');
  });

  it('says so when the private key is a dangling symbolic link', async () => {
    await symlink(join(dir, 'gone.pem'), keyPath);
    const error = await refusal(new FileKeyStorage(dir));
    expect(error.message).toContain(keyPath);
    expect(error.message).toMatch(/dangling symbolic link/);
    expect(error.message).toContain(join(dir, 'gone.pem'));
  });

  it('refuses a public JWK file that is a FIFO, without hanging', async () => {
    await new FileKeyStorage(dir).loadOrCreate(KID, () => generateWebIdentityKeyPair(KID));
    const jwkPath = join(dir, `${KID}.jwk.json`);
    await import('node:fs/promises').then(({ rm }) => rm(jwkPath));
    execFileSync('mkfifo', [jwkPath]);
    expect((await refusal(new FileKeyStorage(dir))).message).toContain(jwkPath);
  });

  it('refuses a private key file over the size cap without reading it whole', async () => {
    await writeFile(keyPath, Buffer.alloc(300 * 1024, 'A'), { mode: 0o600 });
    const error = await refusal(new FileKeyStorage(dir));
    expect(error.message).toContain(keyPath);
    expect(error.message).toContain('larger than 65536 bytes');
  });

  it('refuses a private key file owned by another user', async () => {
    await new FileKeyStorage(dir).loadOrCreate(KID, () => generateWebIdentityKeyPair(KID));
    await chmod(dir, 0o700);
    const error = await refusal(new StorageOfAnotherUser(dir));
    expect(error.message).toMatch(/owned by uid \d+/);
    expect(error.message).toContain('chown');
  });

  it('refuses a key directory owned by another user', async () => {
    const error = await refusal(new StorageOfAnotherUser(join(dir, 'fresh')));
    expect(error.message).toContain(join(dir, 'fresh'));
    expect(error.message).toMatch(/owned by uid \d+/);
  });

  it.each(['0644', '0640', '0604', '0620', '0666'])('refuses a private key file with mode %s (group or others can read or write it), naming the mode and the fix', async (octal) => {
    const mode = Number.parseInt(octal, 8);
    const pair = await generateWebIdentityKeyPair(KID);
    await writeFile(keyPath, pair.privateKeyPem);
    await chmod(keyPath, mode);
    const error = await refusal(new FileKeyStorage(dir));
    expect(error.message).toContain(keyPath);
    expect(error.message).toContain(`mode ${octal}`);
    expect(error.message).toContain(`chmod 600 ${keyPath}`);
    expect(error.message).not.toContain(pair.privateKeyPem.split('\n')[1]!);
    // Left alone for the operator; with 0600 it is used as is.
    expect((await stat(keyPath)).mode & 0o777).toBe(mode);
    await chmod(keyPath, 0o600);
    expect((await new FileKeyStorage(dir).loadOrCreate(KID, () => generateWebIdentityKeyPair(KID))).privateKeyPem).toBe(pair.privateKeyPem);
    expect(await readFile(keyPath, 'utf8')).toBe(pair.privateKeyPem);
  });
});
