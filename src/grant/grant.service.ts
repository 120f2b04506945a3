import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { findImpersonatingGrants, resolveUserIdentifier } from './impersonation.js';
import type { KeycardConfig } from '../config/keycard-options.interface.js';
import { KEYCARD_CONFIG } from '../keycard.constants.js';
import { ZoneMetadataService } from '../zone/zone-metadata.service.js';
import { KeycardZones } from '../zone/keycard-zones.js';
import { SUBSTITUTE_USER_TOKEN_TYPE, substituteUserToken } from './substitute-user-token.js';
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
  /**
   * Impersonation: names the user to act for (the `@Grant`'s `userIdentifier`, bound to this
   * call). When set, the exchange's subject is a substitute-user token for that user, not `token`.
   */
  readonly userIdentifier?: () => string | Promise<string>;
  /** The inbound token's `iss`: in `zones` mode it picks the zone (token endpoint, credential). */
  readonly issuer?: string;
}


/** The part of an MCP SDK request-handler context `withGrant` reads (`ctx.http.authInfo`). */
export interface SdkHandlerContext {
  readonly http?: {
    readonly authInfo?: {
      readonly token: string;
      readonly expiresAt?: number;
      /** `KeycardAuthGuard` puts the verified claims here (`extra.claims.iss` picks the zone in `zones` mode). */
      readonly extra?: Readonly<Record<string, unknown>>;
    };
  };
}

/**
 * Turns a verified caller and a list of resources into an `AccessContext`: discovers the
 * zone's token endpoint, then exchanges for every resource concurrently. Never rejects
 * because of the zone; failures are recorded in the context. This is the seam the testing
 * kit replaces (`mockAccessContext`).
 */
@Injectable()
export class GrantService implements OnModuleInit {
  private readonly logger = new Logger(GrantService.name);

  constructor(
    private readonly zone: ZoneMetadataService,
    private readonly exchanges: TokenExchangeService,
    @Optional() @Inject(KEYCARD_CONFIG) private readonly config?: KeycardConfig,
    @Optional() private readonly discovery?: DiscoveryService,
    @Optional() private readonly zones?: KeycardZones,
  ) {}

  /**
   * Refuses to boot when a `@Grant` impersonates (`userIdentifier`) but no application
   * credential is configured: substitute-user tokens are unsigned, so the zone must know who
   * asks. Skipped when `grant()` is replaced (the testing kit).
   */
  onModuleInit(): void {
    if (this.grant !== GrantService.prototype.grant || !this.config || !this.discovery || this.config.credential) return;
    const offenders = findImpersonatingGrants(this.discovery);
    if (offenders.length > 0) {
      throw new KeycardConfigurationError(
        `@Grant(..., { userIdentifier }) impersonates users, which needs an application credential, and none is configured ` +
          `(used by ${offenders.join(', ')}). Set KEYCARD_CLIENT_ID and KEYCARD_CLIENT_SECRET, ` +
          'KEYCARD_APPLICATION_CREDENTIAL_TYPE, or the `applicationCredential` option.',
      );
    }
  }

  /**
   * Exchanges for every resource and records the outcome in an `AccessContext`. With
   * `subject.userIdentifier`, acts for that user (impersonation); otherwise for the caller
   * (`subject.token`). Never rejects because of the zone.
   */
  async grant(subject: GrantSubject, resources: readonly string[], options: Pick<GrantOptions, 'scopes'> = {}): Promise<AccessContext> {
    let subjectToken = subject.token;
    let subjectTokenType: string | undefined;
    let subjectExpiresAt = subject.expiresAt;
    if (subject.userIdentifier) {
      const resolved = await resolveUserIdentifier(subject.userIdentifier);
      if (typeof resolved !== 'string') return resolved;
      if (!this.config?.credential) return globalError('impersonation (userIdentifier) needs an application credential, and none is configured', 'credential_error');
      subjectToken = substituteUserToken(resolved);
      subjectTokenType = SUBSTITUTE_USER_TOKEN_TYPE;
      subjectExpiresAt = undefined;
    }
    if (!subjectToken) {
      const context = new AccessContext();
      context.setError({ message: NO_AUTHENTICATION_TOKEN_MESSAGE, retryable: false });
      return context;
    }
    const zone = this.zoneFor(subject);
    if (zone instanceof AccessContext) return zone;
    let metadata;
    try {
      metadata = await zone.getMetadata();
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
      subjectToken,
      subjectTokenType,
      subjectExpiresAt,
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
  grantFromCache(subject: GrantSubject, resources: readonly string[], options: Pick<GrantOptions, 'scopes'> = {}): AccessContext | undefined {
    if (!subject.token || subject.userIdentifier || this.grant !== GrantService.prototype.grant) {
      return undefined;
    }
    const zone = this.zoneFor(subject);
    const metadata = zone instanceof AccessContext ? undefined : zone.peekMetadata();
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
   * The metadata service of the zone to exchange with: the module's zone, or in `zones` mode
   * the zone that issued the caller's token — refused (a context with a global error) when no
   * zone did, or when there is no application credential (fail closed: never unauthenticated).
   */
  private zoneFor(subject: GrantSubject): ZoneMetadataService | AccessContext {
    if (!this.zones?.enabled) return this.zone;
    const zone = this.zones.forIssuer(subject.issuer);
    if (!zone) return globalError("no zone of this server issued the caller's token, so there is no zone to exchange with", 'unknown_zone');
    if (!this.config?.credential) {
      return globalError(`no application credential for zone ${zone.zoneUrl}: the exchange is refused, never sent unauthenticated`, 'credential_error');
    }
    return zone.metadata;
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
    const resolver = grant.userIdentifier;
    if (resolver && this.config && !this.config.credential && this.grant === GrantService.prototype.grant) {
      throw new KeycardConfigurationError(
        'withGrant(..., { userIdentifier }) impersonates users, which needs an application credential, and none is configured.',
      );
    }
    const grantOptions = { scopes: grant.scopes };
    return async (...params) => {
      const ctx = params[params.length - 1] as Ctx | undefined;
      const authInfo = ctx?.http?.authInfo;
      const user = resolver
        ? () => resolver({ request: ctx, user: undefined, args: params.length > 1 ? params[0] : undefined })
        : undefined;
      const claims = authInfo?.extra?.['claims'];
      const iss = typeof claims === 'object' && claims !== null ? (claims as { iss?: unknown }).iss : undefined;
      const access = await this.grant(
        { token: authInfo?.token, expiresAt: authInfo?.expiresAt, userIdentifier: user, issuer: typeof iss === 'string' ? iss : undefined },
        grant.resources,
        grantOptions,
      );
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

/** A context holding only a global error. */
function globalError(message: string, code: string): AccessContext {
  const context = new AccessContext();
  context.setError({ message, code, retryable: false });
  return context;
}
