import { Module, RequestMethod, type MiddlewareConsumer, type NestModule, type Provider } from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import { ListenAddressChecker } from './config/listen-address.checker.js';
import { findConfigService } from './config/config-service.locator.js';
import { InjectKeycardConfig } from './config/inject-keycard-config.decorator.js';
import { createEnvReader } from './config/env-reader.js';
import type { KeycardConfig, KeycardModuleOptions } from './config/keycard-options.interface.js';
import { resolveKeycardConfig } from './config/keycard-config.resolver.js';
import { authProviders } from './auth/auth.providers.js';
import { ApplicationCredential } from './credentials/application-credential.js';
import { grantProviders } from './grant/grant.providers.js';
import { KEYCARD_CONFIG } from './keycard.constants.js';
import { KeycardConfigurableModule, KEYCARD_MODULE_OPTIONS } from './keycard.module-definition.js';
import { AdvertisedScopes } from './well-known/advertised-scopes.service.js';
import { keycardCorsRoutes } from './well-known/keycard-cors.routes.js';
import { KeycardCorsMiddleware } from './well-known/keycard-cors.middleware.js';
import { WellKnownController } from './well-known/well-known.controller.js';
import { WebIdentityKeyRefresher } from './well-known/web-identity-key-refresher.js';
import { ZoneMetadataService } from './zone/zone-metadata.service.js';
import { KeycardZones } from './zone/keycard-zones.js';

const providers: Provider[] = [
  {
    provide: KEYCARD_CONFIG,
    inject: [KEYCARD_MODULE_OPTIONS, ModuleRef],
    useFactory: async (options: KeycardModuleOptions, moduleRef: ModuleRef): Promise<KeycardConfig> =>
      resolveKeycardConfig(options ?? {}, createEnvReader(await findConfigService(moduleRef))),
  },
  {
    provide: ApplicationCredential,
    inject: [KEYCARD_CONFIG],
    useFactory: (config: KeycardConfig) => config.credential,
  },
  ZoneMetadataService,
  KeycardZones,
  AdvertisedScopes,
  ListenAddressChecker,
  WebIdentityKeyRefresher,
  ...authProviders,
  ...grantProviders,
];

/**
 * Protects a NestJS MCP server with a Keycard zone.
 *
 * `KeycardModule.forRoot({ zoneId, mcpBaseUrl })` or `forRootAsync({ useFactory, inject })`;
 * `isGlobal: true` makes its providers visible everywhere. Options and env are resolved
 * once, at bootstrap: a bad setting fails the boot with every problem listed.
 *
 * It serves the discovery documents (`/.well-known/oauth-protected-resource[/<mcp path>]`,
 * `/.well-known/oauth-authorization-server[/<mcp path>]`, `/.well-known/jwks.json`) and
 * answers CORS for them and for the MCP endpoints (`OPTIONS` → 204, before any guard).
 */
@Module({
  imports: [DiscoveryModule],
  providers,
  controllers: [WellKnownController],
  exports: [KEYCARD_CONFIG, ApplicationCredential, ZoneMetadataService, KeycardZones, ...authProviders, ...grantProviders],
})
export class KeycardModule extends KeycardConfigurableModule implements NestModule {
  constructor(@InjectKeycardConfig() private readonly config: KeycardConfig) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(KeycardCorsMiddleware).forRoutes(...keycardCorsRoutes(this.config).map((path) => ({ path, method: RequestMethod.ALL })));
  }
}
