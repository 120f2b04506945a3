import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { MCP_NEST_RESOURCE_METADATA_URL } from '../auth/auth.constants.js';
import { getHeader, getHttpRequest, getRequestPath, type KeycardHttpRequest } from '../auth/http-request.util.js';
import type { KeycardUser } from '../auth/keycard-user.interface.js';
import { fakeAuthInfo, fakeKeycardUser, type FakeKeycardUserOptions } from './fake-keycard-user.js';

/** The fake user given to each request (and its Node request under Fastify), so HTTP and tool guards agree. */
const admitted = new WeakMap<object, KeycardUser>();

/**
 * Stands in for `KeycardAuthGuard` in tests: admits every request as the configured fake
 * caller and fills the request as the real guard does — `req.user` (`KeycardUser`),
 * `req.auth` (MCP SDK `AuthInfo`, which the SDK passes on as `ctx.http.authInfo`), on
 * `req.raw` too under Fastify — so `@Grant`/`@AccessCtx()`, `req.user` and `withGrant` work.
 * It checks no token and no scope.
 *
 * ```ts
 * .overrideGuard(KeycardAuthGuard).useValue(fakeKeycardGuard({ sub: 'alice', scopes: ['mcp:tools'] }))
 * ```
 */
export class FakeKeycardGuard implements CanActivate {
  constructor(private readonly user: FakeKeycardUserOptions = {}) {}

  canActivate(context: ExecutionContext): boolean {
    const request = getHttpRequest(context);
    // A tool call without HTTP (stdio) has no request to fill; the real guard refuses it, the fake admits it.
    if (request) this.admit(request);
    return true;
  }

  private admit(request: KeycardHttpRequest): void {
    const user = admitted.get(request) ?? fakeKeycardUser(this.user, requestUrl(request));
    const auth = fakeAuthInfo(user);
    const targets: object[] = [request];
    if (typeof request.raw === 'object' && request.raw !== null && request.raw !== request) targets.push(request.raw);
    for (const target of targets) {
      Object.assign(target, { user, auth, [MCP_NEST_RESOURCE_METADATA_URL]: auth.resourceMetadataUrl });
      admitted.set(target, user);
    }
  }
}

/** `http://<host><path>` of a request: the resource a real guard would have matched. */
function requestUrl(request: KeycardHttpRequest): string {
  return `http://${getHeader(request, 'host') ?? 'localhost'}${getRequestPath(request)}`;
}

/** A `FakeKeycardGuard` admitting `user` (see `FakeKeycardUserOptions` for the defaults). */
export function fakeKeycardGuard(user: FakeKeycardUserOptions = {}): FakeKeycardGuard {
  return new FakeKeycardGuard(user);
}
