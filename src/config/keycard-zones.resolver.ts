import type { EnvReader } from '../credentials/application-credential.js';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import type { KeycardModuleOptions } from './keycard-options.interface.js';
import { resolveKeycardSettings, type KeycardSettings } from './keycard-settings.resolver.js';
import { DEFAULT_KEYCARD_BASE_URL, parseHttpUrl, present, withoutTrailingSlash, ZONE_ID, zoneUrlFromId } from './zone-url.js';

const DEFAULT_MCP_PATH = 'mcp';

/** The settings of `zones` mode: the top level (first zone, every zone's endpoints) and each zone's own. */
export interface ZonedSettings {
  readonly settings: KeycardSettings;
  readonly zones: readonly { readonly id: string; readonly settings: KeycardSettings }[];
}

/**
 * Resolves `zones`: each zone id → its URL (the map or function of `zoneUrls`, else
 * `{scheme}://{zoneId}.{host}[:port]` from the base URL), then each zone's settings as if it
 * were configured alone with its endpoints below `/{zoneId}/`. Throws one
 * `KeycardConfigurationError` listing every problem.
 */
export function resolveZonedSettings(options: KeycardModuleOptions, env: EnvReader): ZonedSettings {
  const zones = options.zones!;
  const problems: string[] = [];
  if (present(options.zoneUrl) !== undefined || present(options.zoneId) !== undefined) {
    problems.push('`zones` replaces `zoneUrl` / `zoneId`: remove them (each zone URL comes from `zones.zoneUrls` or the base URL).');
  }
  const ids = Array.isArray(zones.ids) ? zones.ids : [];
  if (ids.length === 0) problems.push('`zones.ids` must list at least one zone id.');
  const seen = new Set<string>();
  for (const id of ids) {
    if (typeof id !== 'string' || !ZONE_ID.test(id)) problems.push(`zones.ids: "${String(id)}" is not a zone id (a DNS label: letters, digits and '-').`);
    else if (seen.has(id)) problems.push(`zones.ids: "${id}" is listed twice.`);
    seen.add(id);
  }
  const baseUrlText = present(options.baseUrl) ?? env('KEYCARD_BASE_URL') ?? DEFAULT_KEYCARD_BASE_URL;
  const baseUrl = parseHttpUrl(baseUrlText, 'baseUrl / KEYCARD_BASE_URL');
  if (typeof baseUrl === 'string') problems.push(baseUrl);
  const explicit = zones.zoneUrls;
  if (explicit !== undefined && typeof explicit === 'object') {
    for (const key of Object.keys(explicit)) {
      if (!seen.has(key)) problems.push(`zones.zoneUrls names "${key}", which is not in zones.ids.`);
    }
  }
  if (problems.length > 0 || typeof baseUrl === 'string') throw new KeycardConfigurationError(problems);

  const paths = options.mcpPath === undefined ? [DEFAULT_MCP_PATH] : typeof options.mcpPath === 'string' ? [options.mcpPath] : [...options.mcpPath];
  const urlOf = (id: string): string => {
    const given = typeof explicit === 'function' ? explicit(id) : explicit?.[id];
    return withoutTrailingSlash(present(given) ?? zoneUrlFromId(id, baseUrl));
  };
  const perZone = ids.map((id) => {
    try {
      return {
        id,
        settings: resolveKeycardSettings(
          { ...options, zones: undefined, zoneId: undefined, zoneUrl: urlOf(id), mcpPath: paths.map((path) => `${id}/${trimSlashes(path)}`) },
          env,
        ),
      };
    } catch (error) {
      if (error instanceof KeycardConfigurationError) {
        throw new KeycardConfigurationError(error.problems.map((problem) => `zone "${id}": ${problem}`));
      }
      throw error;
    }
  });
  const first = perZone[0]!.settings;
  const settings: KeycardSettings = {
    ...first,
    resources: Object.freeze(perZone.flatMap((zone) => zone.settings.resources)),
    audiences: Object.freeze([...new Set(perZone.flatMap((zone) => zone.settings.audiences))]),
  };
  return { settings, zones: perZone };
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
