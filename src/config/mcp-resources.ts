import type { KeycardResourceConfig } from './keycard-options.interface.js';
import { parseHttpUrl, withoutTrailingSlash } from './zone-url.js';

/** Path of RFC 9728 metadata documents, from the server's root. */
const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/** The default MCP endpoint path. */
export const DEFAULT_MCP_PATH = 'mcp';

/** `http://localhost:8000` → `http://localhost:8000/`; other URLs are left as they are. */
export function normalizeMcpBaseUrl(value: string): string {
  return value.endsWith('/') ? value : `${value}/`;
}

/** `/mcp/` → `mcp`; `` or `/` → `` (the base URL itself is the endpoint). */
function normalizeMcpPath(path: string): string {
  return path.trim().replace(/^\/+/, '').replace(/\/+$/, '');
}

/**
 * One resource per MCP path: `{mcpBaseUrl}{path}` and the absolute URL of its metadata
 * document, `{origin}/.well-known/oauth-protected-resource{resource path}` (RFC 9728 §3.1).
 */
export function buildResources(
  mcpBaseUrl: string,
  paths: readonly string[],
): { resources: KeycardResourceConfig[]; problems: string[] } {
  const problems: string[] = [];
  const base = parseHttpUrl(mcpBaseUrl, 'mcpBaseUrl / MCP_SERVER_URL');
  if (typeof base === 'string') return { resources: [], problems: [base] };

  const seen = new Set<string>();
  const resources: KeycardResourceConfig[] = [];
  for (const raw of paths) {
    const path = normalizeMcpPath(raw);
    if (/[?#\s]/.test(path)) {
      problems.push(`mcpPath "${raw}" must be a plain path without query, fragment or spaces.`);
      continue;
    }
    if (seen.has(path)) {
      problems.push(`mcpPath "${raw}" is listed twice.`);
      continue;
    }
    seen.add(path);
    const resourceUrl = `${mcpBaseUrl}${path}`;
    const resourcePath = withoutTrailingSlash(new URL(resourceUrl).pathname);
    const metadataPath = `${PROTECTED_RESOURCE_METADATA_PATH}${resourcePath}`;
    resources.push({ path, resourceUrl, metadataPath, metadataUrl: `${base.origin}${metadataPath}` });
  }
  if (resources.length === 0 && problems.length === 0) problems.push('mcpPath must name at least one path.');
  return { resources, problems };
}

/**
 * The `aud` values inbound tokens may carry: every resource URL and the MCP base URL,
 * each with and without a trailing slash, plus the extra audiences.
 */
export function buildAudiences(
  mcpBaseUrl: string,
  resources: readonly KeycardResourceConfig[],
  extra: readonly string[],
): string[] {
  const audiences = new Set<string>();
  for (const url of [mcpBaseUrl, ...resources.map((r) => r.resourceUrl)]) {
    audiences.add(withoutTrailingSlash(url));
    audiences.add(`${withoutTrailingSlash(url)}/`);
  }
  for (const audience of extra) audiences.add(audience);
  return [...audiences];
}
