import { BadGatewayException, Controller, Get, Logger, NotFoundException, Optional, Req } from '@nestjs/common';
import { Public } from '../auth/public.decorator.js';
import { getRequestPath, type KeycardHttpRequest } from '../auth/http-request.util.js';
import { InjectKeycardConfig } from '../config/inject-keycard-config.decorator.js';
import type { KeycardConfig, KeycardResourceConfig } from '../config/keycard-options.interface.js';
import { withoutTrailingSlash } from '../config/zone-url.js';
import type { PublicJwks } from '../credentials/application-credential.js';
import type { ZoneMetadata } from '../zone/zone-metadata.interface.js';
import { ZoneMetadataService } from '../zone/zone-metadata.service.js';
import { KeycardZones, type KeycardZone } from '../zone/keycard-zones.js';
import { AdvertisedScopes } from './advertised-scopes.service.js';
import { buildProtectedResourceMetadata, type ProtectedResourceMetadata } from './protected-resource-metadata.js';

const PROTECTED_RESOURCE_PATH = '.well-known/oauth-protected-resource';
const AUTHORIZATION_SERVER_PATH = '.well-known/oauth-authorization-server';
const JWKS_PATH = '.well-known/jwks.json';

/** Deepest MCP endpoint path (in segments) whose documents are served below a well-known prefix. */
const MAX_RESOURCE_PATH_SEGMENTS = 8;

/**
 * `prefix/:s1`, `prefix/:s1/:s2`, ...: route paths that Express (path-to-regexp) and Fastify
 * (find-my-way) read the same way, unlike wildcards. The handler matches the request path
 * against the configured resources itself.
 */
function belowPrefix(prefix: string): string[] {
  return Array.from({ length: MAX_RESOURCE_PATH_SEGMENTS }, (_, depth) =>
    [prefix, ...Array.from({ length: depth + 1 }, (__, i) => `:s${i + 1}`)].join('/'),
  );
}

function notFound(description: string): NotFoundException {
  return new NotFoundException({ error: 'not_found', error_description: description });
}

/**
 * The discovery documents MCP clients read before OAuth, never behind a guard:
 * RFC 9728 protected-resource metadata (root and per MCP endpoint), the zone's RFC 8414
 * metadata mirrored for older clients, and this server's JWKS when it has one.
 */
@Public()
@Controller()
export class WellKnownController {
  private readonly logger = new Logger(WellKnownController.name);

  constructor(
    @InjectKeycardConfig() private readonly config: KeycardConfig,
    private readonly zoneMetadata: ZoneMetadataService,
    private readonly scopes: AdvertisedScopes,
    @Optional() private readonly zones?: KeycardZones,
  ) {}

  /** The root document describes the first MCP endpoint. */
  @Get(PROTECTED_RESOURCE_PATH)
  getRootProtectedResource(): ProtectedResourceMetadata {
    return buildProtectedResourceMetadata(this.config, this.config.resources[0]!, this.scopes.list());
  }

  @Get(belowPrefix(PROTECTED_RESOURCE_PATH))
  getProtectedResource(@Req() request: KeycardHttpRequest): ProtectedResourceMetadata {
    const resource = this.resourceBelow(`/${PROTECTED_RESOURCE_PATH}`, request);
    if (!resource) throw notFound('No MCP endpoint of this server has protected-resource metadata at this path.');
    // zones mode: the document of a zone's endpoint names that zone.
    return buildProtectedResourceMetadata(this.zoneOf(resource)?.config ?? this.config, resource, this.scopes.list());
  }

  /** The zone's authorization server metadata, as the zone serves it (502 when it cannot be fetched). */
  @Get([AUTHORIZATION_SERVER_PATH, ...belowPrefix(AUTHORIZATION_SERVER_PATH)])
  async getAuthorizationServer(@Req() request: KeycardHttpRequest): Promise<ZoneMetadata> {
    const path = withoutTrailingSlash(getRequestPath(request));
    const resource = this.resourceBelow(`/${AUTHORIZATION_SERVER_PATH}`, request);
    if (path !== `/${AUTHORIZATION_SERVER_PATH}` && !resource) {
      throw notFound('No MCP endpoint of this server has authorization server metadata at this path.');
    }
    const zone = resource ? this.zoneOf(resource) : undefined;
    try {
      return await (zone?.metadata ?? this.zoneMetadata).getMetadata();
    } catch (error) {
      this.logger.warn(`Cannot mirror the zone's metadata: ${error instanceof Error ? error.message : String(error)}`);
      throw new BadGatewayException(
        { error: 'temporarily_unavailable', error_description: `The authorization server ${zone?.zoneUrl ?? this.config.zoneUrl} is unreachable.` },
        { cause: error },
      );
    }
  }

  /** This server's public keys (WebIdentity); 404 when its credential has none. */
  @Get(JWKS_PATH)
  getJwks(): PublicJwks {
    const jwks = this.config.credential?.getPublicJwks();
    if (!jwks || jwks.keys.length === 0) {
      throw notFound('This server publishes no keys: its application credential is not a WebIdentity.');
    }
    return { keys: jwks.keys };
  }

  /** In `zones` mode, the zone whose endpoint `resource` is. */
  private zoneOf(resource: KeycardResourceConfig): KeycardZone | undefined {
    if (!this.zones?.enabled) return undefined;
    return this.zones.all.find((zone) => zone.config.resources.some((own) => own.resourceUrl === resource.resourceUrl));
  }

  /** The resource whose path follows `prefix` in the request path (trailing slash ignored). */
  private resourceBelow(prefix: string, request: KeycardHttpRequest): KeycardResourceConfig | undefined {
    const path = withoutTrailingSlash(getRequestPath(request));
    return this.config.resources.find(
      (resource) => `${prefix}${withoutTrailingSlash(new URL(resource.resourceUrl).pathname)}` === path,
    );
  }
}
