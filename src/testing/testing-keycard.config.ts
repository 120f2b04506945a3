import type { KeycardConfig, KeycardModuleOptions } from '../config/keycard-options.interface.js';
import { resolveKeycardSettings } from '../config/keycard-settings.resolver.js';
import { TESTING_MCP_BASE_URL, TESTING_ZONE_URL } from './testing.constants.js';

/** The settings of the configuration `overrideKeycard()` installs (no zone and no credential settings: there is no zone). */
export type TestingKeycardSettings = Pick<
  KeycardModuleOptions,
  'mcpBaseUrl' | 'mcpPath' | 'mcpServerName' | 'requiredScopes' | 'scopesSupported'
>;

/**
 * A resolved `KeycardConfig` for tests, read from no env at all: zone `TESTING_ZONE_URL` (never
 * contacted), no application credential, the MCP settings given (default base URL
 * `http://localhost:3000/`).
 */
export function testingKeycardConfig(settings: TestingKeycardSettings = {}): KeycardConfig {
  const resolved = resolveKeycardSettings(
    {
      mcpBaseUrl: settings.mcpBaseUrl ?? TESTING_MCP_BASE_URL,
      mcpPath: settings.mcpPath,
      mcpServerName: settings.mcpServerName,
      requiredScopes: settings.requiredScopes,
      scopesSupported: settings.scopesSupported,
      zoneUrl: TESTING_ZONE_URL,
    },
    () => undefined,
  );
  return Object.freeze({ ...resolved, credential: undefined, credentialSource: 'none', jwksUrl: undefined });
}
