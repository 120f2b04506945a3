import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { AccessContext } from './access-context.js';
import { findAccessContext } from './access-context.store.js';

/** The context a handler without `@Grant()` gets: a global error that says what is missing. */
function missingGrant(): AccessContext {
  const context = new AccessContext();
  context.setError({
    message: 'no access context: add @Grant(resources) to this handler or its class',
    code: 'no_grant',
    retryable: false,
  });
  return context;
}

/**
 * The `AccessContext` of this call, filled by `@Grant()`. Works in controllers (`http`)
 * and MCP-Nest tools (`rpc`).
 */
export const AccessCtx = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AccessContext => findAccessContext(context) ?? missingGrant(),
);
