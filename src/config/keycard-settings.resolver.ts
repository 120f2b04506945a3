import type { EnvReader } from '../credentials/application-credential.js';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import type { KeycardConfig, KeycardJwtAlgorithm, KeycardModuleOptions } from './keycard-options.interface.js';
import { buildAudiences, buildResources, DEFAULT_MCP_PATH, normalizeMcpBaseUrl } from './mcp-resources.js';
import { scopeTokenProblem } from './scope-token.js';
import { present, resolveZone } from './zone-url.js';

/**
 * Default `exchangeCacheMaxEntries`: 10,000 (user, resource) pairs stay warm, 2–3 KiB each
 * in memory (bench/RESULTS.md measures it), so ≈ 20–30 MiB when full.
 */
/** Entries of the in-memory exchanged-token cache: 10,000 users warm for one resource (2–3 KiB each). */
export const DEFAULT_EXCHANGE_CACHE_MAX_ENTRIES = 10_000;

const SUPPORTED_ALGORITHMS: readonly KeycardJwtAlgorithm[] = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512',
];

const DEFAULT_MCP_SERVER_NAME = 'MCP Server';

/** Everything in `KeycardConfig` that needs no I/O. */
export type KeycardSettings = Omit<KeycardConfig, 'credential' | 'credentialSource' | 'jwksUrl'>;

function numberSetting(
  problems: string[],
  name: string,
  value: number | undefined,
  fallback: number,
  check: (n: number) => boolean,
  rule: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    problems.push(`${name} must be ${rule}, got ${String(value)}.`);
    return fallback;
  }
  return value;
}

function stringList(problems: string[], name: string, value: readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === '' || /\s/.test(v))) {
    problems.push(`${name} must be a list of non-empty strings without spaces.`);
    return [];
  }
  return [...new Set(value)];
}

/** A list of RFC 6749 scope-tokens; each bad one is named. */
function scopeList(problems: string[], name: string, value: readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push(`${name} must be a list of scope strings, got ${typeof value}.`);
    return [];
  }
  const problem = scopeTokenProblem(name, value);
  if (problem !== undefined) {
    problems.push(problem);
    return [];
  }
  return [...new Set(value)];
}

/**
 * Resolves options and env into settings, synchronously, listing every problem at once.
 * Throws `KeycardConfigurationError`.
 */
export function resolveKeycardSettings(options: KeycardModuleOptions, env: EnvReader): KeycardSettings {
  const problems: string[] = [];

  const zone = resolveZone(options, env);
  if ('problems' in zone) problems.push(...zone.problems);

  const mcpBaseText = present(options.mcpBaseUrl) ?? env('MCP_SERVER_URL');
  let mcpBaseUrl = '';
  let resources: KeycardSettings['resources'] = [];
  if (mcpBaseText === undefined) {
    problems.push(
      'the MCP server URL is not configured. Set the `mcpBaseUrl` option or the MCP_SERVER_URL environment ' +
        'variable to the public base URL of this server, e.g. http://localhost:8000.',
    );
  } else {
    mcpBaseUrl = normalizeMcpBaseUrl(mcpBaseText);
    const rawPaths = options.mcpPath === undefined ? [DEFAULT_MCP_PATH] : typeof options.mcpPath === 'string' ? [options.mcpPath] : options.mcpPath;
    const built = buildResources(mcpBaseUrl, rawPaths);
    problems.push(...built.problems);
    resources = built.resources;
  }

  const algorithms = options.algorithms === undefined ? (['RS256'] as const) : options.algorithms;
  const badAlgorithms = Array.isArray(algorithms)
    ? algorithms.filter((a) => !SUPPORTED_ALGORITHMS.includes(a))
    : ['(not a list)'];
  if (badAlgorithms.length > 0 || algorithms.length === 0) {
    problems.push(
      `algorithms must be a non-empty list of ${SUPPORTED_ALGORITHMS.join(', ')} ` +
        `(HMAC and "none" are never accepted); got ${JSON.stringify(algorithms)}.`,
    );
  }

  const requiredScopes = scopeList(problems, 'requiredScopes', options.requiredScopes);
  const scopesSupported = [...new Set([...requiredScopes, ...scopeList(problems, 'scopesSupported', options.scopesSupported)])];
  const additionalAudiences = stringList(problems, 'additionalAudiences', options.additionalAudiences);

  const clockToleranceSeconds = numberSetting(problems, 'clockToleranceSeconds', options.clockToleranceSeconds, 5, (n) => n >= 0 && n <= 300, 'between 0 and 300');
  const metadataTtlSeconds = numberSetting(problems, 'metadataTtlSeconds', options.metadataTtlSeconds, 3600, (n) => n > 0, 'greater than 0');
  const zoneTimeoutMs = numberSetting(problems, 'zoneTimeoutMs', options.zoneTimeoutMs, 5000, (n) => n > 0 && n <= 120_000, 'between 1 and 120000');
  const exchangeCacheMaxEntries = numberSetting(problems, 'exchangeCacheMaxEntries', options.exchangeCacheMaxEntries, DEFAULT_EXCHANGE_CACHE_MAX_ENTRIES, (n) => Number.isInteger(n) && n >= 0, 'a whole number ≥ 0');

  const mcpServerName = present(options.mcpServerName) ?? DEFAULT_MCP_SERVER_NAME;

  if (problems.length > 0 || 'problems' in zone) throw new KeycardConfigurationError(problems);

  return {
    zoneUrl: zone.zoneUrl,
    issuer: zone.zoneUrl,
    baseUrl: zone.baseUrl,
    mcpBaseUrl,
    resources: Object.freeze(resources.map((r) => Object.freeze({ ...r }))),
    audiences: Object.freeze(buildAudiences(mcpBaseUrl, resources, additionalAudiences)),
    extraAudiences: Object.freeze(additionalAudiences),
    mcpServerName,
    requiredScopes: Object.freeze(requiredScopes),
    scopesSupported: Object.freeze(scopesSupported),
    algorithms: Object.freeze([...algorithms]),
    clockToleranceSeconds,
    metadataTtlSeconds,
    zoneTimeoutMs,
    exchangeCacheMaxEntries,
  };
}
