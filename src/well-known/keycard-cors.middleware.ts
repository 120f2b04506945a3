import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';

/** Request headers browsers may send to MCP endpoints and discovery documents. */
const KEYCARD_CORS_ALLOW_HEADERS =
  'authorization, content-type, mcp-protocol-version, mcp-session-id, mcp-method, mcp-name, last-event-id';
/** Response headers a browser client must be able to read (the OAuth challenge, the session). */
const KEYCARD_CORS_EXPOSE_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version';

/**
 * CORS for the discovery documents and the MCP endpoints, so browser-based MCP clients can
 * discover and authenticate: every response gets `Access-Control-Allow-Origin: *` and
 * exposes `WWW-Authenticate`; `OPTIONS` is answered here with 204, before any guard.
 * Bearer tokens are not ambient credentials, so a wildcard origin is safe.
 *
 * Works on the Node response, which is what Nest middleware gets on Express and Fastify.
 */
@Injectable()
export class KeycardCorsMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  use(request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void): void {
    response.setHeader('Access-Control-Allow-Origin', '*');
    response.setHeader('Access-Control-Expose-Headers', KEYCARD_CORS_EXPOSE_HEADERS);
    if (request.method !== 'OPTIONS') {
      next();
      return;
    }
    response.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
    response.setHeader('Access-Control-Allow-Headers', KEYCARD_CORS_ALLOW_HEADERS);
    response.setHeader('Access-Control-Max-Age', '86400');
    response.statusCode = 204;
    response.setHeader('Content-Length', '0');
    response.end();
  }
}
