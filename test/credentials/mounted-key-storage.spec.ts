import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { KeycardConfigurationError, KeycardCredentialError, MountedKeyStorage, WebIdentity } from 'nestjs-keycard';
import { envOf, tempDirs, thrown } from './helpers.js';

const TOKEN_ENDPOINT = 'https://zone.example.com/oauth/token';
const dirs = tempDirs();

function rsaPem(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

async function started(storage: MountedKeyStorage, serverName = 'Mounted Server'): Promise<WebIdentity> {
  const credential = new WebIdentity({ serverName, keyStorage: storage });
  await credential.initialize(envOf());
  return credential;
}

/** Verifies `assertion` against a JWKS exactly as another replica serves it. */
function verifyWith(jwks: { keys: readonly Record<string, unknown>[] }, assertion: string) {
  return jwtVerify(assertion, createLocalJWKSet({ keys: [...jwks.keys] as never }), { audience: TOKEN_ENDPOINT, algorithms: ['RS256'] });
}

describe('MountedKeyStorage (a key from a mounted secret)', () => {
  afterAll(() => dirs.cleanup());

  it('gives every replica mounting the same file the same signing key and the same JWKS', async () => {
    const dir = await dirs.make();
    const file = join(dir, 'tls.key');
    await writeFile(file, rsaPem().privatePem, { mode: 0o600 });
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => started(new MountedKeyStorage({ privateKeyFile: file }))));
    expect(b?.getPublicJwks()).toEqual(a?.getPublicJwks());
    expect(c?.getPublicJwks()).toEqual(a?.getPublicJwks());
    const assertion = (a as WebIdentity).createClientAssertion(TOKEN_ENDPOINT);
    expect(decodeProtectedHeader(assertion).kid).toBe(a?.signingKeyId);
    expect(a?.signingKeyId).toMatch(/^Mounted_Server-[\w-]{16}$/u);
    await expect(verifyWith((c as WebIdentity).getPublicJwks(), assertion)).resolves.toBeDefined();
    // The client id stays the key id, whatever key signs.
    expect((await verifyWith((b as WebIdentity).getPublicJwks(), assertion)).payload.iss).toBe('Mounted_Server');
  });

  it('is what WebIdentity uses when KEYCARD_WEB_IDENTITY_PRIVATE_KEY_FILE or KEYCARD_WEB_IDENTITY_PRIVATE_KEY is set', async () => {
    const dir = await dirs.make();
    const { privatePem } = rsaPem();
    const file = join(dir, 'key.pem');
    await writeFile(file, privatePem);
    const fromFile = new WebIdentity({ serverName: 'Env Server' });
    await fromFile.initialize(envOf({ KEYCARD_WEB_IDENTITY_PRIVATE_KEY_FILE: file }));
    const fromPem = new WebIdentity({ serverName: 'Env Server' });
    await fromPem.initialize(envOf({ KEYCARD_WEB_IDENTITY_PRIVATE_KEY: privatePem }));
    expect(fromFile.keyStorage).toBeInstanceOf(MountedKeyStorage);
    expect(fromPem.keyStorage).toBeInstanceOf(MountedKeyStorage);
    expect(fromPem.getPublicJwks()).toEqual(fromFile.getPublicJwks());
    expect(fromFile.keyRefreshIntervalMs).toBe(60_000);
    expect(fromPem.keyRefreshIntervalMs).toBeUndefined();
  });

  it('rotates without a failed assertion: publish the next key, switch, keep the previous one published', async () => {
    const dir = await dirs.make();
    const oldKey = rsaPem();
    const newKey = rsaPem();
    const current = join(dir, 'current.pem');
    const other = join(dir, 'other.pem');
    await writeFile(current, oldKey.privatePem);
    await writeFile(other, newKey.publicPem);
    const options = { privateKeyFile: current, publishedKeyFiles: [other] };
    const early = await started(new MountedKeyStorage(options));
    const oldAssertion = early.createClientAssertion(TOKEN_ENDPOINT);
    // Step 1: the next key is published (as a public key) before anyone signs with it.
    expect(early.getPublicJwks().keys).toHaveLength(2);

    // Step 2: the secret is updated on one replica: new key signs, old one stays published.
    await writeFile(current, newKey.privatePem);
    await writeFile(other, oldKey.privatePem);
    const late = await started(new MountedKeyStorage(options));
    const newAssertion = late.createClientAssertion(TOKEN_ENDPOINT);
    expect(late.signingKeyId).not.toBe(early.signingKeyId);
    // Either replica's JWKS verifies either replica's assertion.
    for (const jwks of [early.getPublicJwks(), late.getPublicJwks()]) {
      await expect(verifyWith(jwks, oldAssertion)).resolves.toBeDefined();
      await expect(verifyWith(jwks, newAssertion)).resolves.toBeDefined();
    }
    // The early replica follows on its next read.
    await early.refreshKeys();
    expect(early.signingKeyId).toBe(late.signingKeyId);
  });

  it('fails the boot with the file name, never the key, when the key is missing or not a private RSA key', async () => {
    const dir = await dirs.make();
    const missing = await thrown(() => started(new MountedKeyStorage({ privateKeyFile: join(dir, 'absent.pem') })));
    expect(missing).toBeInstanceOf(KeycardCredentialError);
    expect(missing.message).toContain('absent.pem');
    const { publicPem } = rsaPem();
    const wrong = join(dir, 'public.pem');
    await writeFile(wrong, publicPem);
    const notPrivate = await thrown(() => started(new MountedKeyStorage({ privateKeyFile: wrong })));
    expect(notPrivate).toBeInstanceOf(KeycardCredentialError);
    expect(notPrivate.message).not.toContain('BEGIN');
    expect(() => new MountedKeyStorage({})).toThrow(KeycardConfigurationError);
    expect(() => new MountedKeyStorage({ privateKeyFile: wrong, privateKeyPem: publicPem })).toThrow(/exactly one/u);
  });
});
