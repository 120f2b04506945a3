import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake token endpoint received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly form: URLSearchParams;
}

export type TokenEndpointHandler = (request: RecordedRequest, response: ServerResponse, index: number) => unknown;

/** Answers like a zone: a token named after the resource and the request number, valid for an hour. */
export const issueToken: TokenEndpointHandler = (request, response, index) => {
  sendJson(response, 200, {
    access_token: `exchanged:${request.form.get('resource')}:${index}`,
    token_type: 'Bearer',
    expires_in: 3600,
    issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
  });
};

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * A real HTTP token endpoint on 127.0.0.1 (random port) that records every request and the
 * order of events, and answers with a replaceable handler.
 */
export class FakeTokenEndpoint {
  readonly requests: RecordedRequest[] = [];
  readonly events: string[] = [];
  handler: TokenEndpointHandler = issueToken;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeTokenEndpoint> {
    const server = createServer();
    const endpoint = new FakeTokenEndpoint(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
        };
        const index = endpoint.requests.push(recorded);
        endpoint.events.push(`arrive:${recorded.form.get('resource')}`);
        Promise.resolve(endpoint.handler(recorded, res, index)).catch((error: unknown) => {
          res.destroy(error instanceof Error ? error : new Error(String(error)));
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return endpoint;
  }

  get origin(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  get metadata(): { issuer: string; token_endpoint: string } {
    return { issuer: this.origin, token_endpoint: `${this.origin}/oauth/token` };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }
}

/** A loopback port nothing listens on (a server was bound to it and closed). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}
