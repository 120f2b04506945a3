import { Injectable, NotFoundException, Optional, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { InjectKeycardConfig } from '../config/inject-keycard-config.decorator.js';
import type { KeycardConfig } from '../config/keycard-options.interface.js';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import { KeycardZones } from '../zone/keycard-zones.js';
import { KEYCARD_PUBLIC_KEY } from './auth.constants.js';
import { getHttpRequest, getRequestPath } from './http-request.util.js';
import { JwksKeyStore } from './jwks-key-store.js';
import { KeycardAuthGuard } from './keycard-auth.guard.js';
import { KeycardTokenVerifier } from './keycard-token.verifier.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/**
 * `KeycardAuthGuard` for `zones` mode: the first path segment names the zone
 * (`/{zoneId}/mcp`), and the request is verified exactly as `KeycardAuthGuard` does for a
 * server of that zone alone — that zone's issuer, keys, endpoints and audiences, its own
 * verified-token cache. A token from zone A is refused (401) on zone B's path. A path whose
 * first segment is no configured zone answers 404 JSON (`unknown_zone`).
 */
@Injectable()
export class KeycardZonesGuard implements CanActivate {
  private readonly guards = new Map<string, KeycardAuthGuard>();

  constructor(
    @InjectKeycardConfig() config: KeycardConfig,
    private readonly zones: KeycardZones,
    private readonly reflector: Reflector,
    @Optional() adapterHost?: HttpAdapterHost,
  ) {
    if (!zones.enabled) {
      throw new KeycardConfigurationError('KeycardZonesGuard needs the `zones` option of KeycardModule; with one zone use KeycardAuthGuard.');
    }
    for (const zone of zones.all) {
      const zoneConfig = zone.config ?? config;
      const keys = new JwksKeyStore(zoneConfig, zone.metadata);
      const verifier = new KeycardTokenVerifier(zoneConfig, keys);
      this.guards.set(zone.id, new KeycardAuthGuard(verifier, reflector, adapterHost, new VerifiedTokenCache({ keys })));
    }
  }

  canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    const request = getHttpRequest(context);
    const zone = request ? this.zones.forPath(getRequestPath(request)) : undefined;
    const guard = zone ? this.guards.get(zone.id) : undefined;
    if (guard) return guard.canActivate(context);
    if (this.isPublic(context)) return true;
    if (!request) throw new UnauthorizedException({ error: 'invalid_request', error_description: 'No HTTP request to read a bearer token from.' });
    throw new NotFoundException({
      error: 'unknown_zone',
      error_description: 'The first segment of this path names no zone this server serves.',
    });
  }

  private isPublic(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()] as Parameters<Reflector['getAllAndOverride']>[1];
    return this.reflector.getAllAndOverride<boolean | undefined>(KEYCARD_PUBLIC_KEY, targets) === true;
  }
}
