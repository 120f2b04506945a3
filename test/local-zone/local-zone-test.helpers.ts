import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyResult } from 'jose';

import type { LocalZone } from '../../src/local-zone/index.js';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  readonly json: Record<string, unknown> | undefined;
}

async function toResult(response: Response): Promise<HttpResult> {
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** POSTs an application/x-www-form-urlencoded body; arrays become repeated fields. */
export async function postForm(
  url: string,
  fields: Record<string, string | string[] | undefined>,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
  }
  return toResult(await fetch(url, { method: 'POST', body, headers }));
}

export async function getJson(url: string): Promise<HttpResult> {
  return toResult(await fetch(url));
}

export async function postJson(url: string, payload: unknown): Promise<HttpResult> {
  return toResult(
    await fetch(url, { method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json' } }),
  );
}

/** RFC 6749 §2.3.1 Basic credentials. */
export function basic(clientId: string, secret: string): Record<string, string> {
  const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return { authorization: `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}` };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Verifies a token against the zone's published JWKS with jose. */
export async function verifyWithZone(
  zone: LocalZone,
  token: string,
  options: { audience?: string } = {},
): Promise<JWTVerifyResult<JWTPayload>> {
  return jwtVerify(token, createRemoteJWKSet(new URL(zone.jwksUri)), {
    issuer: zone.zoneUrl,
    algorithms: ['RS256'],
    ...(options.audience ? { audience: options.audience } : {}),
  });
}

/** A loopback HTTP server for tests; `close()` ends it. */
export interface TestServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startServer(handler: Parameters<typeof createServer>[1]): Promise<TestServer> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Serves a JWKS at `/.well-known/jwks.json` (like an MCP server using WebIdentity). */
export async function startJwksServer(jwks: { keys: unknown[] }): Promise<TestServer & { jwksUri: string }> {
  const server = await startServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(jwks));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  return { ...server, jwksUri: `${server.url}/.well-known/jwks.json` };
}

/** A redirect target that answers 200 with the query it received as JSON. */
export async function startCallbackServer(): Promise<TestServer & { redirectUri: string }> {
  const server = await startServer((req, res) => {
    const query = Object.fromEntries(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(query));
  });
  return { ...server, redirectUri: `${server.url}/callback` };
}

/** Decodes a JWT payload without verifying it. */
export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
