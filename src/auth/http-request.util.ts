import type { ExecutionContext } from '@nestjs/common';

/**
 * The parts of an HTTP request (Express `Request`, Fastify `FastifyRequest`, or Node's
 * `IncomingMessage`) this library reads and writes.
 */
export interface KeycardHttpRequest {
  method?: string;
  url?: string;
  /** Express: the URL before any router stripped a mount path. */
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
  /** Fastify: the Node request below the Fastify one. */
  raw?: object;
}

function isRequestLike(value: unknown): value is KeycardHttpRequest {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { headers?: unknown }).headers === 'object' &&
    (value as { headers?: unknown }).headers !== null
  );
}

/** The part of MCP-Nest's `McpContext` used here: the raw HTTP request of a tool call. */
interface RawRequestCarrier {
  getRawRequest(): unknown;
}

function carriesRawRequest(value: unknown): value is RawRequestCarrier {
  return typeof value === 'object' && value !== null && typeof (value as RawRequestCarrier).getRawRequest === 'function';
}

/**
 * The HTTP request behind any execution context:
 * - `'http'`: `switchToHttp().getRequest()` (Express or Fastify request);
 * - `'rpc'`: MCP-Nest tool, resource and prompt calls; their RPC context is an `McpContext`
 *   whose `getRawRequest()` is the HTTP request the MCP message came in on (the Express
 *   request, or under Fastify the Node request `req.raw`);
 * - anything else, or an RPC call without HTTP (stdio): `undefined`.
 */
export function getHttpRequest<T extends object = KeycardHttpRequest>(context: ExecutionContext): T | undefined {
  let request: unknown;
  const type = context.getType<string>();
  if (type === 'http') {
    request = context.switchToHttp().getRequest<unknown>();
  } else if (type === 'rpc') {
    const rpcContext = context.switchToRpc().getContext<unknown>();
    request = carriesRawRequest(rpcContext) ? rpcContext.getRawRequest() : undefined;
  }
  return isRequestLike(request) ? (request as unknown as T) : undefined;
}

/** The HTTP response of an `'http'` context (Express `Response` / Fastify `FastifyReply`); `undefined` otherwise. */
export function getHttpResponse<T extends object = object>(context: ExecutionContext): T | undefined {
  if (context.getType<string>() !== 'http') return undefined;
  const response = context.switchToHttp().getResponse<unknown>();
  return typeof response === 'object' && response !== null ? (response as T) : undefined;
}

/** The first value of a request header (names are lower case in Node). */
export function getHeader(request: KeycardHttpRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The request's path without query string, e.g. `/mcp`. */
export function getRequestPath(request: KeycardHttpRequest): string {
  const url = request.originalUrl ?? request.url ?? '/';
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}
