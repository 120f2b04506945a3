import type { KeycardConfig } from '../config/keycard-options.interface.js';
import { withoutTrailingSlash } from '../config/zone-url.js';

/** Escapes the characters path-to-regexp gives a meaning to. */
function literalRoute(path: string): string {
  return path.replace(/[:*?+(){}[\]!\\]/g, (c) => `\\${c}`);
}

/**
 * Middleware route paths (path-to-regexp syntax, which Nest uses for middleware on both
 * Express and Fastify) that get CORS: every `/.well-known/*` path and each MCP endpoint.
 */
export function keycardCorsRoutes(config: KeycardConfig): string[] {
  const routes = new Set<string>(['.well-known/*path']);
  for (const resource of config.resources) {
    routes.add(literalRoute(withoutTrailingSlash(new URL(resource.resourceUrl).pathname)) || '/');
  }
  return [...routes];
}
