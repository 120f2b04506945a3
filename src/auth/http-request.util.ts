import type { ExecutionContext } from '@nestjs/common';

/** An MCP-Nest RPC context (`McpContext`): it carries the HTTP request of the tool call. */
interface RpcContextWithRawRequest {
  getRawRequest(): unknown;
}

function hasRawRequest(value: unknown): value is RpcContextWithRawRequest {
  return typeof value === 'object' && value !== null && typeof (value as RpcContextWithRawRequest).getRawRequest === 'function';
}

/**
 * The HTTP request behind any execution context: `http` → the adapter's request (Express
 * request or Fastify request); `rpc` from MCP-Nest → the HTTP request that carried the tool
 * call (`McpContext.getRawRequest()`). `undefined` when there is none (e.g. stdio).
 */
export function getHttpRequest<T extends object = Record<string, unknown>>(context: ExecutionContext): T | undefined {
  if (context.getType() === 'http') return context.switchToHttp().getRequest<T>();
  if (context.getType() === 'rpc') {
    const rpc: unknown = context.switchToRpc().getContext();
    if (hasRawRequest(rpc)) {
      const request = rpc.getRawRequest();
      return typeof request === 'object' && request !== null ? (request as T) : undefined;
    }
  }
  return undefined;
}
