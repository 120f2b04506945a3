import { Injectable, Logger } from '@nestjs/common';
import { ZoneMetadataService } from '../zone/zone-metadata.service.js';
import { AccessContext } from './access-context.js';
import type { GrantDefinition, GrantMetadata, GrantOptions } from './grant-options.interface.js';
import { combineGrants, grantMetadataOf } from './grant-metadata.js';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import { NO_AUTHENTICATION_TOKEN_MESSAGE, TokenExchangeService } from './token-exchange.service.js';

/** The caller a grant is made for: the inbound token the guard verified. */
export interface GrantSubject {
  /** The inbound bearer token (never sent anywhere but the zone's token endpoint). */
  readonly token?: string;
  /** Its `exp`, in seconds since the epoch. */
  readonly expiresAt?: number;
}

/** The part of an MCP SDK request-handler context `withGrant` reads (`ctx.http.authInfo`). */
export interface SdkHandlerContext {
  readonly http?: { readonly authInfo?: { readonly token: string; readonly expiresAt?: number } };
}

/**
 * Turns a verified caller and a list of resources into an `AccessContext`: discovers the
 * zone's token endpoint, then exchanges for every resource concurrently. Never rejects
 * because of the zone; failures are recorded in the context. This is the seam the testing
 * kit replaces (`mockAccessContext`).
 */
@Injectable()
export class GrantService {
  private readonly logger = new Logger(GrantService.name);

  constructor(
    private readonly zone: ZoneMetadataService,
    private readonly exchanges: TokenExchangeService,
  ) {}

  async grant(subject: GrantSubject, resources: readonly string[], options: GrantOptions = {}): Promise<AccessContext> {
    if (!subject.token) {
      const context = new AccessContext();
      context.setError({ message: NO_AUTHENTICATION_TOKEN_MESSAGE, retryable: false });
      return context;
    }
    let metadata;
    try {
      metadata = await this.zone.getMetadata();
    } catch (error) {
      this.logger.warn(`No token exchange: ${(error as Error).message}`);
      const context = new AccessContext();
      context.setError({
        message: 'the authorization server is unreachable',
        code: 'temporarily_unavailable',
        description: (error as Error).message,
        retryable: true,
      });
      return context;
    }
    return this.exchanges.exchangeAll({
      metadata,
      subjectToken: subject.token,
      subjectExpiresAt: subject.expiresAt,
      resources,
      scopes: options.scopes,
    });
  }

  /**
   * The `AccessContext` of `grant()` when it can be built synchronously: the zone metadata is
   * cached and fresh, and every resource's token is in a synchronous exchange cache. Otherwise
   * `undefined`: call `grant()`. Also `undefined` when `grant()` is overridden (a subclass,
   * such as the testing kit's, decides everything through `grant()`).
   */
  grantFromCache(subject: GrantSubject, resources: readonly string[], options: GrantOptions = {}): AccessContext | undefined {
    if (!subject.token || this.grant !== GrantService.prototype.grant) {
      return undefined;
    }
    const metadata = this.zone.peekMetadata();
    if (metadata === undefined) {
      return undefined;
    }
    return this.exchanges.exchangeAllFromCache({
      metadata,
      subjectToken: subject.token,
      subjectExpiresAt: subject.expiresAt,
      resources,
      scopes: options.scopes,
    });
  }

  /**
   * Wraps a tool handler registered directly with the official MCP SDK (not a Nest handler,
   * so no interceptor reaches it): the wrapper exchanges for `resources` using the caller's
   * token from `ctx.http.authInfo` (filled by `KeycardAuthGuard`) and passes the
   * `AccessContext` as the last argument.
   *
   * `resources` takes what `@Grant` takes (one resource or a list, with `options`), or a list
   * of grant definitions `{ resources, scopes? }` that combine as stacked `@Grant`s do
   * (resources and scopes merged, one exchange per resource).
   *
   * `server.registerTool('name', config, grants.withGrant(['https://api'], async (args, ctx, access) => ...))`
   */
  withGrant<Args extends unknown[], Ctx extends SdkHandlerContext, Result>(
    resources: string | readonly string[] | readonly GrantDefinition[],
    handler: (...params: [...Args, Ctx, AccessContext]) => Result | Promise<Result>,
    options: GrantOptions = {},
  ): (...params: [...Args, Ctx]) => Promise<Result> {
    const grant = grantOfWithGrant(resources, options);
    const grantOptions: GrantOptions = { scopes: grant.scopes };
    return async (...params) => {
      const ctx = params[params.length - 1] as Ctx | undefined;
      const authInfo = ctx?.http?.authInfo;
      const access = await this.grant({ token: authInfo?.token, expiresAt: authInfo?.expiresAt }, grant.resources, grantOptions);
      return handler(...params, access);
    };
  }
}

/** The combined grant of `withGrant`'s arguments. */
function grantOfWithGrant(resources: string | readonly string[] | readonly GrantDefinition[], options: GrantOptions): GrantMetadata {
  if (typeof resources === 'string' || resources.every((entry) => typeof entry === 'string')) {
    return grantMetadataOf('withGrant()', resources as string | readonly string[], options);
  }
  if (!resources.every((entry) => typeof entry === 'object' && entry !== null)) {
    throw new KeycardConfigurationError('withGrant() takes resource identifiers or grant definitions { resources, scopes }, not a mix of both.');
  }
  if (options.scopes !== undefined || options.userIdentifier !== undefined) {
    throw new KeycardConfigurationError('withGrant() with grant definitions takes its options inside each definition, not as the third argument.');
  }
  const definitions = resources as readonly GrantDefinition[];
  if (definitions.length === 0) throw new KeycardConfigurationError('withGrant() needs at least one resource (a URL or a URN).');
  return combineGrants(definitions.map(({ resources: list, ...rest }, index) => grantMetadataOf(`withGrant() definition ${index}`, list, rest)));
}
