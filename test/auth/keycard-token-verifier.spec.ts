import { describe, expect, it } from 'vitest';
import type { KeycardConfig } from '../../src/config/keycard-options.interface.js';
import type { JwksKeyStore } from '../../src/auth/jwks-key-store.js';
import { KeycardTokenVerifier } from '../../src/auth/keycard-token.verifier.js';

const resources = ['http://localhost:8000/', 'http://localhost:8000/mcp', 'http://localhost:8000/mcp/admin/'].map((resourceUrl) => ({
  resourceUrl,
  metadataUrl: `${resourceUrl}#metadata`,
}));
const verifier = new KeycardTokenVerifier({ resources } as unknown as KeycardConfig, undefined as unknown as JwksKeyStore);
const forPath = (url: string, originalUrl?: string) => verifier.resourceForRequest({ url, originalUrl, headers: {} }).resourceUrl;

describe('KeycardTokenVerifier: request → configured resource', () => {
  it.each([
    ['/mcp', 'http://localhost:8000/mcp'],
    ['/mcp/', 'http://localhost:8000/mcp'],
    ['/mcp/messages?session=1', 'http://localhost:8000/mcp'],
    ['/mcp#x', 'http://localhost:8000/mcp'],
    ['/mcpx', 'http://localhost:8000/'],
    ['/mcp/admin', 'http://localhost:8000/mcp/admin/'],
    ['/mcp/admin/tools', 'http://localhost:8000/mcp/admin/'],
    ['/mcp/administrator', 'http://localhost:8000/mcp'],
    ['/', 'http://localhost:8000/'],
    ['/other', 'http://localhost:8000/'],
  ])('matches %s to %s (longest path prefix on a segment boundary)', (path, expected) => {
    expect(forPath(path)).toBe(expected);
  });

  it('prefers Express’s originalUrl and falls back to the first resource when nothing matches', () => {
    expect(forPath('/', '/mcp/admin')).toBe('http://localhost:8000/mcp/admin/');
    const only = new KeycardTokenVerifier(
      { resources: [resources[1]] } as unknown as KeycardConfig,
      undefined as unknown as JwksKeyStore,
    );
    expect(only.resourceForRequest({ url: '/elsewhere', headers: {} }).resourceUrl).toBe('http://localhost:8000/mcp');
  });

  it('finds a resource by URL with or without trailing slash', () => {
    expect(verifier.resourceByUrl('http://localhost:8000/mcp/')?.resourceUrl).toBe('http://localhost:8000/mcp');
    expect(verifier.resourceByUrl('http://localhost:8000/mcp/admin')?.resourceUrl).toBe('http://localhost:8000/mcp/admin/');
    expect(verifier.resourceByUrl('http://localhost:8000/mcp/other')).toBeUndefined();
  });
});

describe('KeycardTokenVerifier.peekVerificationKey', () => {
  const header = (value: object) => `${Buffer.from(JSON.stringify(value)).toString('base64url')}.e30.sig`;
  const config = { resources, algorithms: ['RS256'] } as unknown as KeycardConfig;

  it('answers only from a fresh key set, and applies the same header checks as getVerificationKey', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = { kid: 'k1', alg: undefined, pem: 'PEM', key: publicKey };
    let fresh = true;
    const keys = { peekKey: (kid: string | undefined) => (fresh && kid === 'k1' ? key : undefined), getKey: async () => key };
    const target = new KeycardTokenVerifier(config, keys as unknown as JwksKeyStore);

    expect(target.peekVerificationKey(header({ alg: 'RS256', kid: 'k1' }))).toBe('PEM');
    expect(target.peekVerificationKey(header({ alg: 'RS256', kid: 'k2' }))).toBeUndefined();
    fresh = false;
    expect(target.peekVerificationKey(header({ alg: 'RS256', kid: 'k1' }))).toBeUndefined();
    fresh = true;
    for (const bad of [{ alg: 'HS256', kid: 'k1' }, { alg: 'none', kid: 'k1' }, { alg: 'ES256', kid: 'k1' }, { alg: 'RS256', kid: 'k1', crit: ['x'] }, { alg: 'RS256', kid: 7 }]) {
      expect(() => target.peekVerificationKey(header(bad))).toThrow();
      await expect(target.getVerificationKey(header(bad))).rejects.toThrow();
    }
  });
});
