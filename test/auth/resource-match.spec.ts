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
