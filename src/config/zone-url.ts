import type { EnvReader } from '../credentials/application-credential.js';

/** The default base URL a zone id is combined with. */
export const DEFAULT_KEYCARD_BASE_URL = 'https://keycard.cloud';

export const ZONE_ID = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export interface ZoneSettings {
  zoneUrl?: string;
  zoneId?: string;
  baseUrl?: string;
}

export interface ResolvedZone {
  zoneUrl: string;
  baseUrl: string;
}

/** `undefined` for absent, empty or whitespace-only strings. */
export function present(value: string | undefined): string | undefined {
  const text = value?.trim();
  return text ? text : undefined;
}

/** Removes trailing slashes: `https://a.example/` → `https://a.example`. */
export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * The same URL text up to one trailing slash on either side: `https://z` = `https://z/`, but
 * not `https://z//` (issuers, audiences and resources are compared this way, never looser).
 */
export function sameUrl(a: string, b: string): boolean {
  const trim = (url: string): string => (url.endsWith('/') ? url.slice(0, -1) : url);
  return a === b || trim(a) === trim(b);
}

/** Parses an absolute http(s) URL or returns a problem that names the setting. */
export function parseHttpUrl(value: string, setting: string): URL | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${setting} must be an absolute http(s) URL, got "${value}".`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `${setting} must use http or https, got "${url.protocol}".`;
  }
  if (url.search || url.hash || url.username || url.password) {
    return `${setting} must not contain credentials, a query or a fragment, got "${value}".`;
  }
  return url;
}

/** `{scheme}://{zoneId}.{host}[:port]`; the base URL's path is dropped. */
export function zoneUrlFromId(zoneId: string, baseUrl: URL): string {
  const port = baseUrl.port ? `:${baseUrl.port}` : '';
  return `${baseUrl.protocol}//${zoneId}.${baseUrl.hostname}${port}`;
}

/**
 * Zone URL precedence: `zoneUrl` option → KEYCARD_ZONE_URL → `zoneId` option →
 * KEYCARD_ZONE_ID (with the base URL). Base URL: option → KEYCARD_BASE_URL → default.
 * Returns the zone or the list of problems.
 */
export function resolveZone(settings: ZoneSettings, env: EnvReader): ResolvedZone | { problems: string[] } {
  const problems: string[] = [];
  const baseUrlText = present(settings.baseUrl) ?? env('KEYCARD_BASE_URL') ?? DEFAULT_KEYCARD_BASE_URL;
  const baseUrl = parseHttpUrl(baseUrlText, 'baseUrl / KEYCARD_BASE_URL');
  if (typeof baseUrl === 'string') problems.push(baseUrl);

  const explicitUrl = present(settings.zoneUrl) ?? env('KEYCARD_ZONE_URL');
  if (explicitUrl !== undefined) {
    const url = parseHttpUrl(explicitUrl, 'zoneUrl / KEYCARD_ZONE_URL');
    if (typeof url === 'string') return { problems: [url] };
    return { zoneUrl: withoutTrailingSlash(explicitUrl), baseUrl: withoutTrailingSlash(baseUrlText) };
  }

  const zoneId = present(settings.zoneId) ?? env('KEYCARD_ZONE_ID');
  if (zoneId === undefined) {
    return {
      problems: [
        'no Keycard zone is configured. Set one of: the `zoneUrl` option, the KEYCARD_ZONE_URL environment ' +
          'variable, the `zoneId` option, or the KEYCARD_ZONE_ID environment variable (a zone id is combined ' +
          `with \`baseUrl\` / KEYCARD_BASE_URL, default ${DEFAULT_KEYCARD_BASE_URL}).`,
        ...problems,
      ],
    };
  }
  if (!ZONE_ID.test(zoneId)) {
    problems.push(`zoneId / KEYCARD_ZONE_ID must be a DNS label (letters, digits and '-'), got "${zoneId}".`);
  }
  if (problems.length > 0 || typeof baseUrl === 'string') return { problems };
  return { zoneUrl: zoneUrlFromId(zoneId, baseUrl), baseUrl: withoutTrailingSlash(baseUrlText) };
}
