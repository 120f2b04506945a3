import { KeycardAuthGuard } from '../auth/keycard-auth.guard.js';
import { GrantService } from '../grant/grant.service.js';
import { KEYCARD_CONFIG } from '../keycard.constants.js';
import { KEYCARD_MODULE_OPTIONS } from '../keycard.module-definition.js';
import { ZoneMetadataService } from '../zone/zone-metadata.service.js';
import { fakeKeycardGuard } from './fake-keycard.guard.js';
import type { FakeKeycardUserOptions } from './fake-keycard-user.js';
import type { MockAccessOptions } from './mock-access-context.js';
import { MockGrantService } from './mock-grant.service.js';
import { OfflineZoneMetadataService } from './offline-zone-metadata.service.js';
import { testingKeycardConfig, type TestingKeycardSettings } from './testing-keycard.config.js';

/** Options of `overrideKeycard()`. */
export interface KeycardTestingOptions {
  /**
   * The caller every request is admitted as (`KeycardAuthGuard` is replaced by `FakeKeycardGuard`).
   * @default `{ sub: 'test-user', clientId: 'test-client', scopes: [] }`
   */
  readonly user?: FakeKeycardUserOptions;
  /**
   * What `@Grant` and `withGrant` hand out: a scenario, or a `mockGrants()` you keep to read
   * its `calls` or switch scenario between tests.
   * @default `{}`: `test_access_token` for every requested resource
   */
  readonly access?: MockAccessOptions | MockGrantService;
  /**
   * MCP settings of the installed configuration, for apps that read it (`@InjectKeycardConfig()`).
   * @default `{ mcpBaseUrl: 'http://localhost:3000' }`
   */
  readonly config?: TestingKeycardSettings;
}

/**
 * The part of `@nestjs/testing`'s `TestingModuleBuilder` that `overrideKeycard()` uses.
 * `TestingModuleBuilder` is one.
 */
export interface KeycardOverridableBuilder<Builder> {
  overrideProvider(token: unknown): { useValue(value: unknown): Builder };
  overrideGuard(token: unknown): { useValue(value: unknown): Builder };
}

/**
 * Runs the app under test with no Keycard zone at all, in one line:
 *
 * ```ts
 * const moduleRef = await overrideKeycard(Test.createTestingModule({ imports: [AppModule] }), {
 *   user: { sub: 'alice', scopes: ['mcp:tools'] },
 *   access: { accessToken: 'my_token' },
 * }).compile();
 * ```
 *
 * Whatever `KeycardModule.forRoot()` / `forRootAsync()` the app imports (its options factory is
 * not even called), it gets: a configuration with no zone and no credential, a zone metadata
 * service that never fetches, `mockGrants(access)` as `GrantService`, and `fakeKeycardGuard(user)`
 * in place of every `@UseGuards(KeycardAuthGuard)`.
 *
 * A guard registered globally as `{ provide: APP_GUARD, useExisting: KeycardAuthGuard }` is a
 * provider, not a route guard: replace it with `.overrideProvider(KeycardAuthGuard).useValue(...)`
 * instead (one override per token: that line replaces the route-guard one).
 */
export function overrideKeycard<Builder extends KeycardOverridableBuilder<Builder>>(
  builder: Builder,
  options: KeycardTestingOptions = {},
): Builder {
  const config = testingKeycardConfig(options.config);
  const grants = options.access instanceof MockGrantService ? options.access : new MockGrantService(options.access);
  return builder
    .overrideProvider(KEYCARD_MODULE_OPTIONS)
    .useValue({})
    .overrideProvider(KEYCARD_CONFIG)
    .useValue(config)
    .overrideProvider(ZoneMetadataService)
    .useValue(new OfflineZoneMetadataService(config))
    .overrideProvider(GrantService)
    .useValue(grants)
    .overrideGuard(KeycardAuthGuard)
    .useValue(fakeKeycardGuard(options.user));
}
