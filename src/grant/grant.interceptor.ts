import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, switchMap, type Observable } from 'rxjs';
import { getHttpRequest } from '../auth/http-request.util.js';
import { RouteSettingsCache } from '../auth/route-settings-cache.js';
import type { AccessContext } from './access-context.js';
import type { GrantMetadata } from './grant-options.interface.js';
import { GRANT_METADATA } from './grant.constants.js';
import { combineGrants } from './grant-metadata.js';
import { findAccessContext, storeAccessContext } from './access-context.store.js';
import { GrantService, type GrantSubject } from './grant.service.js';
import type { KeycardUser } from '../auth/keycard-user.interface.js';

/** The fields of the verified request the interceptor reads (set by `KeycardAuthGuard`). */
interface GrantableRequest {
  auth?: { token?: string; expiresAt?: number };
  user?: KeycardUser;
  accessContext?: unknown;
}

/**
 * For handlers marked `@Grant(resources)` (on the method, its class, or both: combined): exchanges
 * the caller's token for each resource
 * (RFC 8693) before the handler runs, and stores the `AccessContext` for `@AccessCtx()` and
 * at `req.accessContext`. Never throws because of the zone: the handler always runs and
 * inspects the context. Works for HTTP controllers and MCP-Nest tools (`rpc` context), and
 * may also be registered globally (`APP_INTERCEPTOR`): handlers without `@Grant` pass through.
 */
@Injectable()
export class GrantInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly grants: GrantService,
  ) {}

  /** `@Grant` of each (handler, class), read once; `null` for none. */
  private readonly routes = new RouteSettingsCache<GrantMetadata | null>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler = context.getHandler();
    const target = context.getClass();
    const grant = this.routes.get(handler, target) ?? this.routes.set(handler, target, this.readGrant(handler, target));
    // No @Grant, or already done for this call (@Grant on class and method, or also global).
    if (!grant || findAccessContext(context)) return next.handle();

    const request = getHttpRequest(context) as GrantableRequest | undefined;
    const resolver = grant.userIdentifier;
    const subject: GrantSubject = {
      token: request?.auth?.token,
      expiresAt: request?.auth?.expiresAt,
      issuer: typeof request?.user?.claims?.iss === 'string' ? request.user.claims.iss : undefined,
      // Impersonation: the resolver sees the request, the verified caller and (MCP-Nest tools) the tool's arguments.
      userIdentifier: resolver
        ? () => resolver({ request, user: request?.user, args: context.getType() === 'rpc' ? context.switchToRpc().getData<unknown>() : undefined })
        : undefined,
    };
    const options = { scopes: grant.scopes };
    // Every token cached: no promise, no extra observable (never for impersonation: grantFromCache declines).
    const cached = this.grants.grantFromCache?.(subject, grant.resources, options);
    if (cached) {
      store(context, request, cached);
      return next.handle();
    }
    return from(this.grants.grant(subject, grant.resources, options)).pipe(
      switchMap((accessContext) => {
        store(context, request, accessContext);
        return next.handle();
      }),
    );
  }

  /** `@Grant` on the class and on the method combine: resources and scopes merged (class first). */
  private readGrant(handler: object, target: object): GrantMetadata | null {
    const grants = [target, handler]
      .map((where) => this.reflector.get<GrantMetadata | undefined>(GRANT_METADATA, where as Parameters<Reflector['get']>[1]))
      .filter((grant): grant is GrantMetadata => grant !== undefined);
    return grants.length === 0 ? null : combineGrants(grants);
  }
}

function store(context: ExecutionContext, request: GrantableRequest | undefined, accessContext: AccessContext): void {
  storeAccessContext(context, accessContext);
  if (request) request.accessContext = accessContext;
}
