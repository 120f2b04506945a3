import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeycardConfig } from '../config/keycard-options.interface.js';
import { ZoneDiscoveryError } from '../errors/keycard.error.js';
import { metadataUrls, validateMetadata, ZoneMetadataService } from './zone-metadata.service.js';

type Handler = (req: IncomingMessage, res: ServerResponse, origin: string) => void;

let server: Server;
let origin: string;
let handler: Handler;
let hits: string[];

beforeEach(async () => {
  hits = [];
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res, origin);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
const goodMetadata = (issuer: string) => ({
  issuer,
  jwks_uri: `${issuer.replace(/\/$/, '')}/jwks`,
  token_endpoint: `${issuer.replace(/\/$/, '')}/token`,
});
const service = (overrides: Partial<KeycardConfig> = {}) =>
  new ZoneMetadataService({ zoneUrl: origin, metadataTtlSeconds: 3600, zoneTimeoutMs: 1000, ...overrides } as KeycardConfig);

describe('ZoneMetadataService', () => {
  it('fetches RFC 8414 metadata and caches it', async () => {
    handler = (req, res) => json(res, 200, goodMetadata(origin));
    const zone = service();
    expect((await zone.getMetadata()).token_endpoint).toBe(`${origin}/token`);
    await zone.getMetadata();
    expect(hits).toEqual(['/.well-known/oauth-authorization-server']);
  });

  it('peeks at the cached document only while it is fresh, without fetching', async () => {
    handler = (req, res) => json(res, 200, goodMetadata(origin));
    const zone = service({ metadataTtlSeconds: 0.05 });
    expect(zone.peekMetadata()).toBeUndefined();
    expect(hits).toEqual([]);
    const metadata = await zone.getMetadata();
    expect(zone.peekMetadata()).toBe(metadata);
    zone.invalidate();
    expect(zone.peekMetadata()).toBeUndefined();
    await zone.getMetadata();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(zone.peekMetadata()).toBeUndefined();
    expect(hits).toHaveLength(2);
  });

  it('falls back to OpenID Connect discovery on 404', async () => {
    handler = (req, res) =>
      req.url === '/.well-known/openid-configuration' ? json(res, 200, goodMetadata(origin)) : json(res, 404, {});
    expect((await service().getMetadata()).issuer).toBe(origin);
    expect(hits).toEqual(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']);
  });

  it('tolerates a trailing slash on the issuer', async () => {
    handler = (req, res) => json(res, 200, goodMetadata(`${origin}/`));
    expect((await service().getMetadata()).issuer).toBe(`${origin}/`);
  });

  it('shares one fetch between concurrent first calls', async () => {
    handler = (req, res) => setTimeout(() => json(res, 200, goodMetadata(origin)), 50);
    const zone = service();
    await Promise.all(Array.from({ length: 20 }, () => zone.getMetadata()));
    expect(hits).toHaveLength(1);
  });

  it('fetches again once the TTL has passed', async () => {
    handler = (req, res) => json(res, 200, goodMetadata(origin));
    const zone = service({ metadataTtlSeconds: 0.001 });
    await zone.getMetadata();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await zone.getMetadata();
    expect(hits).toHaveLength(2);
  });

  it.each([
    ['a foreign issuer', () => ({ ...goodMetadata(origin), issuer: 'https://evil.example' }), 'issuer'],
    ['an issuer with two trailing slashes', () => ({ ...goodMetadata(origin), issuer: `${origin}//` }), 'issuer'],
    ['a jwks_uri on another origin', () => ({ ...goodMetadata(origin), jwks_uri: 'https://evil.example/jwks' }), 'jwks_uri'],
    ['no token endpoint', () => ({ issuer: origin, jwks_uri: `${origin}/jwks` }), 'token_endpoint'],
  ])('rejects metadata with %s', async (_name, body, word) => {
    handler = (req, res) => json(res, 200, body());
    const error = await service().getMetadata().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZoneDiscoveryError);
    expect((error as Error).message).toContain(word);
  });

  it('does not follow a redirect to another origin', async () => {
    const elsewhere = createServer((req, res) => json(res, 200, goodMetadata(origin)));
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    let elsewhereHits = 0;
    elsewhere.on('request', () => elsewhereHits++);
    try {
      const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/.well-known/oauth-authorization-server`;
      handler = (req, res) => res.writeHead(302, { location: target }).end();
      const error = await service().getMetadata().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ZoneDiscoveryError);
      expect((error as Error).message).toContain('redirect');
      expect(elsewhereHits).toBe(0);
    } finally {
      elsewhere.closeAllConnections();
      await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    }
  });

  it('follows a redirect on the zone origin, a few hops at most', async () => {
    handler = (req, res) =>
      req.url === '/metadata.json' ? json(res, 200, goodMetadata(origin)) : res.writeHead(301, { location: '/metadata.json' }).end();
    expect((await service().getMetadata()).issuer).toBe(origin);
    expect(hits).toEqual(['/.well-known/oauth-authorization-server', '/metadata.json']);

    hits = [];
    handler = (req, res) => res.writeHead(307, { location: `/loop${hits.length}` }).end();
    const error = await service().getMetadata().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZoneDiscoveryError);
    expect((error as Error).message).toContain('redirect');
    expect(hits.length).toBeLessThanOrEqual(4);
  });

  it('reports an HTML error page without JSON', async () => {
    handler = (req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
    const error = await service().getMetadata().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZoneDiscoveryError);
    expect((error as Error).message).toContain('HTTP 502');
    expect((error as Error).message).not.toContain('Bad gateway');
  });

  it('times out on a zone that never answers', async () => {
    handler = () => undefined;
    const error = await service({ zoneTimeoutMs: 100 }).getMetadata().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZoneDiscoveryError);
    expect((error as Error).message).toContain('no answer within 100 ms');
  });

  it('fails while the zone is unreachable and recovers when it is back', async () => {
    const zone = service();
    let up = false;
    handler = (req, res) => (up ? json(res, 200, goodMetadata(origin)) : req.socket.destroy());
    await expect(zone.getMetadata()).rejects.toBeInstanceOf(ZoneDiscoveryError);
    up = true;
    expect((await zone.getMetadata()).issuer).toBe(origin);
  });

  it('keeps the previous document when a refresh fails', async () => {
    const zone = service({ metadataTtlSeconds: 0.001 });
    handler = (req, res) => json(res, 200, goodMetadata(origin));
    await zone.getMetadata();
    handler = (req, res) => json(res, 500, { error: 'server_error' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await zone.getMetadata()).issuer).toBe(origin);
  });
});

describe('metadata helpers', () => {
  it('inserts the well-known segment before an issuer path (RFC 8414 §3.1)', () => {
    expect(metadataUrls('https://as.example/tenant/')).toEqual([
      'https://as.example/.well-known/oauth-authorization-server/tenant',
      'https://as.example/tenant/.well-known/openid-configuration',
    ]);
  });

  it('refuses a plain-http token endpoint for an https zone (subject tokens would travel in clear)', () => {
    const problems = validateMetadata(
      { issuer: 'https://z.example', jwks_uri: 'https://z.example/jwks', token_endpoint: 'http://z.example/token' },
      'https://z.example',
    );
    expect(problems).toEqual([expect.stringContaining('token_endpoint must use https')]);
  });

  it('accepts an https token endpoint on another host', () => {
    expect(
      validateMetadata({ issuer: 'https://z.example', jwks_uri: 'https://z.example/jwks', token_endpoint: 'https://auth.z.example/token' }, 'https://z.example'),
    ).toEqual([]);
  });

  it('rejects non-objects', () => {
    expect(validateMetadata([], 'https://z.example')).toEqual(['the metadata is not a JSON object']);
  });
});
