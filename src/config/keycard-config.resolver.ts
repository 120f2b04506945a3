import { Logger } from '@nestjs/common';
import type { EnvReader } from '../credentials/application-credential.js';
import { resolveApplicationCredential } from '../credentials/credential-factory.js';
import type { KeycardConfig, KeycardModuleOptions } from './keycard-options.interface.js';
import { resolveKeycardSettings } from './keycard-settings.resolver.js';
import { resolveZonedSettings } from './keycard-zones.resolver.js';

/**
 * The whole bootstrap resolution: settings, then the application credential (option or
 * env), initialised (keys loaded or created, token file checked). Runs once per module.
 */
export async function resolveKeycardConfig(options: KeycardModuleOptions, env: EnvReader): Promise<KeycardConfig> {
  const zoned = options.zones === undefined ? undefined : resolveZonedSettings(options, env);
  const settings = zoned?.settings ?? resolveKeycardSettings(options, env);
  const { credential, source, usedFrom, ignored } = resolveApplicationCredential(options.applicationCredential, env, {
    mcpServerName: settings.mcpServerName,
  });
  const logger = new Logger('KeycardModule');
  // One line: what was chosen, and — when the environment named several — what was not.
  const notUsed = ignored.length > 0 ? `; ignored (lower precedence or incomplete): ${ignored.join(', ')}` : '';
  if (credential) {
    await credential.initialize(env);
    const line = `Zone ${settings.zoneUrl}; application credential: ${credential.kind} from ${usedFrom} (${source})${notUsed}.`;
    if (ignored.length > 0) logger.warn(line);
    else logger.log(line);
  } else {
    logger.warn(
      `Zone ${settings.zoneUrl}; no application credential configured: token exchanges (@Grant) are sent ` +
        'without client authentication and the zone may refuse them. Set KEYCARD_CLIENT_ID and ' +
        `KEYCARD_CLIENT_SECRET, KEYCARD_APPLICATION_CREDENTIAL_TYPE, or the \`applicationCredential\` option${notUsed}.`,
    );
  }
  const jwksUrl = credential?.getPublicJwks() ? `${new URL(settings.mcpBaseUrl).origin}/.well-known/jwks.json` : undefined;
  if (!zoned) return Object.freeze({ ...settings, credential, credentialSource: source, jwksUrl });
  if (!credential) {
    logger.warn('zones mode without an application credential: every token exchange (@Grant) is refused.');
  }
  const zones = zoned.zones.map(({ id, settings: zoneSettings }) =>
    Object.freeze({
      id,
      zoneUrl: zoneSettings.zoneUrl,
      config: Object.freeze({ ...zoneSettings, credential, credentialSource: source, jwksUrl }),
    }),
  );
  logger.log(`Zones mode: ${zones.map((zone) => `/${zone.id} → ${zone.zoneUrl}`).join(', ')}.`);
  return Object.freeze({ ...settings, credential, credentialSource: source, jwksUrl, zones: Object.freeze(zones) });
}
