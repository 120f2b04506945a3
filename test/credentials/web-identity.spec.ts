import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JWT_BEARER_CLIENT_ASSERTION_TYPE } from '../../src/credentials/application-credential.js';
import { FileKeyStorage } from '../../src/credentials/file-key-storage.js';
import { generateWebIdentityKeyPair } from '../../src/credentials/web-identity-key-pair.js';
import { WebIdentityKeyStorage, type WebIdentityKeyPair } from '../../src/credentials/web-identity-key-storage.js';
import { keyIdFromServerName, WebIdentity } from '../../src/credentials/web-identity.credential.js';
import { KeycardConfigurationError, KeycardCredentialError } from '../../src/errors/keycard.error.js';
import { envOf, tempDirs, thrown, tokenRequest } from './helpers.js';

const TOKEN_ENDPOINT = 'https://zone.example.com/oauth/token';

async function verifyAssertion(assertion: string, jwk: Record<string, unknown>, clientId: string) {
  const key = await importJWK(jwk as JWK, 'RS256');
  return jwtVerify(assertion, key, {
    algorithms: ['RS256'],
    issuer: clientId,
    subject: clientId,
    audience: TOKEN_ENDPOINT,
    requiredClaims: ['jti', 'iat', 'exp'],
  });
}

class MemoryKeyStorage extends WebIdentityKeyStorage {
  readonly pairs = new Map<string, WebIdentityKeyPair>();
  override async loadOrCreate(kid: string, generate: () => Promise<WebIdentityKeyPair>): Promise<WebIdentityKeyPair> {
    const existing = this.pairs.get(kid);
    if (existing) return existing;
    const pair = await generate();
    this.pairs.set(kid, pair);
    return pair;
  }
  override describe(): string {
    return 'memory';
  }
}

describe('WebIdentity', () => {
  const dirs = tempDirs();
  let root: string;
  let keyDir: string;

  beforeEach(async () => {
    root = await dirs.make('keycard-webid-');
    keyDir = join(root, 'nested', 'keys');
  });
  afterEach(() => dirs.cleanup());

  it('creates the directory (0700), the private key (PKCS#8 PEM, 0600) and the public JWK beside it', async () => {
    const credential = new WebIdentity({ storageDir: keyDir });
    await credential.initialize(envOf());
    expect(credential.storageDir).toBe(keyDir);

    expect((await stat(keyDir)).mode & 0o777).toBe(0o700);
    const keyPath = join(keyDir, 'MCP_Server.pem');
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);

    const jwk = JSON.parse(await readFile(join(keyDir, 'MCP_Server.jwk.json'), 'utf8')) as Record<string, unknown>;
    expect(jwk).toMatchObject({ kty: 'RSA', kid: 'MCP_Server', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(jwk).not.toHaveProperty('d');
    expect(Buffer.from(jwk.n as string, 'base64url').length).toBe(256); // RSA-2048
    expect(credential.getPublicJwks()).toEqual({ keys: [jwk] });
    expect((await readdir(keyDir)).sort()).toEqual(['MCP_Server.jwk.json', 'MCP_Server.pem']);
  });

  it('a restart with the same directory reuses the same key and kid', async () => {
    const first = new WebIdentity({ storageDir: keyDir, serverName: 'Weather Tools' });
    await first.initialize(envOf());
    const pemBefore = await readFile(join(keyDir, 'Weather_Tools.pem'), 'utf8');

    const second = new WebIdentity({ storageDir: keyDir, serverName: 'Weather Tools' });
    await second.initialize(envOf());

    expect(second.keyId).toBe(first.keyId);
    expect(second.getPublicJwks()).toEqual(first.getPublicJwks());
    expect(await readFile(join(keyDir, 'Weather_Tools.pem'), 'utf8')).toBe(pemBefore);
    const assertion = first.createClientAssertion(TOKEN_ENDPOINT);
    const { protectedHeader } = await verifyAssertion(assertion, second.getPublicJwks().keys[0]!, 'Weather_Tools');
    expect(protectedHeader.kid).toBe(second.keyId);
  });

  it('a different server name in the same directory gets its own key', async () => {
    const a = new WebIdentity({ storageDir: keyDir, serverName: 'A' });
    const b = new WebIdentity({ storageDir: keyDir, serverName: 'B' });
    await a.initialize(envOf());
    await b.initialize(envOf());
    expect(a.getPublicJwks().keys[0]!.n).not.toBe(b.getPublicJwks().keys[0]!.n);
  });

  it.each([
    ['MCP Server', 'MCP_Server'],
    ['weather-tools_v2', 'weather-tools_v2'],
    ['my.server/v2:beta', 'my_server_v2_beta'],
    ['../../etc/passwd', '______etc_passwd'],
    ['Café 🚀', 'Caf___'],
  ])('kid from server name %j is %j', async (serverName, kid) => {
    expect(keyIdFromServerName(serverName)).toBe(kid);
    const credential = new WebIdentity({ serverName, storageDir: keyDir });
    expect(credential.keyId).toBe(kid);
    expect(credential.clientId).toBe(kid);
    await credential.initialize(envOf());
    expect((await readdir(keyDir)).sort()).toEqual([`${kid}.jwk.json`, `${kid}.pem`]);
    expect(credential.getPublicJwks().keys[0]).toMatchObject({ kid });
  });

  it('keyId and clientId options win over the server name', () => {
    const credential = new WebIdentity({ serverName: 'Ignored Name', keyId: 'key-2024.1', clientId: 'urn:client:42' });
    expect(credential.keyId).toBe('key-2024.1');
    expect(credential.clientId).toBe('urn:client:42');
    expect(new WebIdentity({ serverName: '', keyId: '', clientId: '' })).toMatchObject({
      keyId: 'MCP_Server',
      clientId: 'MCP_Server',
    });
  });

  it.each(['../escape', 'a/b', '.hidden', 'spaces are bad'])('rejects the keyId %j', (keyId) => {
    expect(() => new WebIdentity({ keyId })).toThrow(KeycardConfigurationError);
  });

  it('signs RS256 client assertions with iss = sub = client id, aud = token endpoint, unique jti, 300 s lifetime', async () => {
    const credential = new WebIdentity({ storageDir: keyDir, serverName: 'Signer', clientId: 'registered-client' });
    await credential.initialize(envOf());
    const jwk = credential.getPublicJwks().keys[0]!;

    const jtis = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const before = Math.floor(Date.now() / 1000);
      const request = tokenRequest('https://zone.example.com', TOKEN_ENDPOINT);
      await credential.authenticate(request);
      const after = Math.floor(Date.now() / 1000);

      expect([...request.body.keys()].sort()).toEqual(['client_assertion', 'client_assertion_type', 'client_id']);
      expect(request.body.get('client_id')).toBe('registered-client');
      expect(request.body.get('client_assertion_type')).toBe(JWT_BEARER_CLIENT_ASSERTION_TYPE);
      expect(request.headers.has('Authorization')).toBe(false);

      const assertion = request.body.get('client_assertion')!;
      expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'Signer' });
      const { payload } = await verifyAssertion(assertion, jwk, 'registered-client');
      expect(payload.iat).toBeGreaterThanOrEqual(before);
      expect(payload.iat).toBeLessThanOrEqual(after);
      expect(payload.exp! - payload.iat!).toBe(300);
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
      jtis.add(payload.jti!);
    }
    expect(jtis.size).toBe(3);
  });

  it('an assertion does not verify against another key', async () => {
    const a = new WebIdentity({ storageDir: keyDir, serverName: 'A' });
    const b = new WebIdentity({ storageDir: keyDir, serverName: 'B' });
    await Promise.all([a.initialize(envOf()), b.initialize(envOf())]);
    await expect(verifyAssertion(a.createClientAssertion(TOKEN_ENDPOINT), b.getPublicJwks().keys[0]!, 'A')).rejects.toThrow();
  });

  it('storage directory: option, else KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR, else ./mcp_keys', async () => {
    const fromEnv = join(root, 'from-env');
    const byOption = new WebIdentity({ storageDir: keyDir });
    await byOption.initialize(envOf({ KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR: fromEnv }));
    expect(byOption.storageDir).toBe(keyDir);

    const byEnv = new WebIdentity();
    await byEnv.initialize(envOf({ KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR: fromEnv }));
    expect(byEnv.storageDir).toBe(fromEnv);
    expect((await stat(join(fromEnv, 'MCP_Server.pem'))).isFile()).toBe(true);

    const cwd = process.cwd();
    process.chdir(root);
    try {
      const byDefault = new WebIdentity();
      await byDefault.initialize(envOf({ KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR: '' }));
      expect(byDefault.storageDir).toBe(join(process.cwd(), 'mcp_keys'));
    } finally {
      process.chdir(cwd);
    }
    expect((await stat(join(root, 'mcp_keys', 'MCP_Server.pem'))).isFile()).toBe(true);
  });

  it('a storage directory that cannot be created is a credential error with the path and the fix', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'not a directory');
    const unusable = join(file, 'keys');
    const error = await thrown(() => new WebIdentity({ storageDir: unusable }).initialize(envOf()));
    expect(error).toBeInstanceOf(KeycardCredentialError);
    expect(error.message).toContain(unusable);
    expect(error.message).toContain('KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR');
    expect(error.message).not.toMatch(/PRIVATE KEY/);
  });

  it('a storage path that is a file is a credential error with the path', async () => {
    const file = join(root, 'keys-file');
    await writeFile(file, '');
    const error = await thrown(() => new WebIdentity({ storageDir: file }).initialize(envOf()));
    expect(error).toBeInstanceOf(KeycardCredentialError);
    expect(error.message).toContain(file);
  });

  it.each([
    ['garbage', 'this is not a key at all'],
    ['truncated PEM', '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n'],
    ['empty', ''],
  ])('a corrupted private key file (%s) is a clear error naming the file', async (_case, content) => {
    await mkdir(keyDir, { recursive: true });
    const keyPath = join(keyDir, 'MCP_Server.pem');
    await writeFile(keyPath, content, { mode: 0o600 });
    const error = await thrown(() => new WebIdentity({ storageDir: keyDir }).initialize(envOf()));
    expect(error).toBeInstanceOf(KeycardCredentialError);
    expect(error.message).toContain(keyPath);
    expect(error.message).toMatch(/corrupted/);
    if (content !== '') expect(error.message).not.toContain(content.slice(0, 40));
    expect(await readFile(keyPath, 'utf8')).toBe(content); // left alone for the operator
  });

  it('a private key of another type is rejected', async () => {
    await mkdir(keyDir, { recursive: true });
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(join(keyDir, 'MCP_Server.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    await expect(new WebIdentity({ storageDir: keyDir }).initialize(envOf())).rejects.toThrow(KeycardCredentialError);
  });

  it('a missing or stale public JWK file is rewritten from the private key', async () => {
    const first = new WebIdentity({ storageDir: keyDir });
    await first.initialize(envOf());
    const jwkPath = join(keyDir, 'MCP_Server.jwk.json');
    const original = await readFile(jwkPath, 'utf8');

    await writeFile(jwkPath, '{"kty":"RSA","n":"stale","e":"AQAB"}');
    await new WebIdentity({ storageDir: keyDir }).initialize(envOf());
    expect(await readFile(jwkPath, 'utf8')).toBe(original);

    await writeFile(jwkPath, '{ corrupted');
    await new WebIdentity({ storageDir: keyDir }).initialize(envOf());
    expect(await readFile(jwkPath, 'utf8')).toBe(original);
  });

  it('uses a custom key storage and checks the pair it returns', async () => {
    const storage = new MemoryKeyStorage();
    const credential = new WebIdentity({ serverName: 'Mem', keyStorage: storage, storageDir: keyDir });
    await credential.initialize(envOf());
    expect(credential.keyStorage).toBe(storage);
    expect(credential.storageDir).toBeUndefined();
    expect(storage.pairs.get('Mem')?.publicJwk).toEqual(credential.getPublicJwks().keys[0]);
    await expect(stat(keyDir)).rejects.toThrow(/ENOENT/);

    const other = await generateWebIdentityKeyPair('Mem');
    storage.pairs.set('Mem', { privateKeyPem: storage.pairs.get('Mem')!.privateKeyPem, publicJwk: other.publicJwk });
    const error = await thrown(() => new WebIdentity({ serverName: 'Mem', keyStorage: storage }).initialize(envOf()));
    expect(error).toBeInstanceOf(KeycardCredentialError);
    expect(error.message).toMatch(/does not match/);
    expect(error.message).toContain('memory');
  });

  it('FileKeyStorage refuses key ids that are not plain file names', async () => {
    const storage = new FileKeyStorage(keyDir);
    await expect(storage.loadOrCreate('../x', () => generateWebIdentityKeyPair('../x'))).rejects.toThrow(KeycardCredentialError);
  });

  it('needs initialize() before signing or publishing keys', async () => {
    const credential = new WebIdentity({ storageDir: keyDir });
    expect(() => credential.getPublicJwks()).toThrow(/not initialised/);
    await expect(credential.authenticate(tokenRequest())).rejects.toThrow(KeycardCredentialError);
  });

  it('never shows the private key in inspect, JSON or toString', async () => {
    const credential = new WebIdentity({ storageDir: keyDir });
    await credential.initialize(envOf());
    const pem = await readFile(join(keyDir, 'MCP_Server.pem'), 'utf8');
    const pemBody = pem.split('\n')[1]!;
    for (const text of [inspect(credential, { showHidden: true, depth: Infinity }), JSON.stringify(credential), String(credential)]) {
      expect(text).not.toContain('PRIVATE KEY');
      expect(text).not.toContain(pemBody);
      expect(text).toContain('MCP_Server');
    }
  });
});
