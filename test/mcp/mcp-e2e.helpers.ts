import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { CallToolResult, FetchLike } from '@modelcontextprotocol/client';

/** A free TCP port on 127.0.0.1, chosen by the OS (port 0), for an app whose base URL must be known before it listens. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A Nest app listening on 127.0.0.1, with the URLs the tests use. */
export interface RunningApp {
  readonly app: INestApplication;
  readonly baseUrl: string;
  readonly mcpUrl: URL;
  readonly metadataUrl: string;
}

/**
 * Builds an app for a base URL on a free loopback port and listens there. The base URL has
 * to be known at bootstrap (it names the protected resource), hence the port is picked first.
 */
export async function listenOnLoopback(build: (baseUrl: string) => Promise<INestApplication>): Promise<RunningApp> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const app = await build(baseUrl);
  try {
    await app.listen(port, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  return {
    app,
    baseUrl,
    mcpUrl: new URL(`${baseUrl}/mcp`),
    metadataUrl: `${baseUrl}/.well-known/oauth-protected-resource/mcp`,
  };
}

/** One HTTP exchange the MCP client made. */
export interface HttpExchange {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly wwwAuthenticate: string | null;
}

/** A `fetch` for the MCP client transport that records every request it makes (MCP and OAuth). */
export function recordingFetch(): { fetch: FetchLike; exchanges: HttpExchange[] } {
  const exchanges: HttpExchange[] = [];
  const recording: FetchLike = async (input, init) => {
    const response = await fetch(input, init);
    exchanges.push({
      method: init?.method ?? 'GET',
      url: String(input),
      status: response.status,
      wwwAuthenticate: response.headers.get('www-authenticate'),
    });
    return response;
  };
  return { fetch: recording, exchanges };
}

/** SHA-256 hex, the way the downstream API fingerprints the tokens it sees. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** The JSON a tool returned as its text content. */
export function toolJson(result: CallToolResult): Record<string, unknown> {
  const first = result.content[0];
  if (!first || first.type !== 'text') throw new Error(`the tool returned no text: ${JSON.stringify(result)}`);
  return JSON.parse(first.text) as Record<string, unknown>;
}

/** The payload of a JWT (no verification: the test only reads what the zone put in it). */
export function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
