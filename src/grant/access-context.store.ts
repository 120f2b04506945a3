import type { ExecutionContext } from '@nestjs/common';
import type { AccessContext } from './access-context.js';

/**
 * Where a call's `AccessContext` is kept. An HTTP call keys it by its request (and it is also
 * set as `req.accessContext`); an MCP-Nest tool call keys it by its own RPC context object,
 * because several tool calls of one JSON-RPC batch share one HTTP request.
 */
const contexts = new WeakMap<object, AccessContext>();

/** The object that identifies one handler call. */
function callKey(context: ExecutionContext): object | undefined {
  const key: unknown = context.getType() === 'http' ? context.switchToHttp().getRequest() : context.switchToRpc().getContext();
  return typeof key === 'object' && key !== null ? key : undefined;
}

export function storeAccessContext(context: ExecutionContext, accessContext: AccessContext): void {
  const key = callKey(context);
  if (key) contexts.set(key, accessContext);
}

export function findAccessContext(context: ExecutionContext): AccessContext | undefined {
  const key = callKey(context);
  return key ? contexts.get(key) : undefined;
}
