import type { KeycardConfig, KeycardResourceConfig } from '../config/keycard-options.interface.js';

/** RFC 9728 protected-resource metadata, as served for each MCP endpoint. */
export interface ProtectedResourceMetadata {
  /** The MCP endpoint URL, exactly, e.g. `http://localhost:8000/mcp`. */
  readonly resource: string;
  /** The Keycard zone. */
  readonly authorization_servers: readonly string[];
  readonly bearer_methods_supported: readonly string[];
  /** Every scope the server may ask for (see `AdvertisedScopes`); absent when there are none. */
  readonly scopes_supported?: readonly string[];
  /** The `mcpServerName`. */
  readonly resource_name: string;
  /** This server's own key set, when its application credential publishes one (WebIdentity). */
  readonly jwks_uri?: string;
}

/**
 * The metadata document of one MCP endpoint. `scopes` are the scopes to advertise; default
 * the configured ones (`requiredScopes` and `scopesSupported`).
 */
export function buildProtectedResourceMetadata(
  config: KeycardConfig,
  resource: KeycardResourceConfig,
  scopes: readonly string[] = config.scopesSupported,
): ProtectedResourceMetadata {
  return {
    resource: resource.resourceUrl,
    authorization_servers: [config.zoneUrl],
    bearer_methods_supported: ['header'],
    ...(scopes.length > 0 ? { scopes_supported: [...scopes] } : {}),
    resource_name: config.mcpServerName,
    ...(config.jwksUrl ? { jwks_uri: config.jwksUrl } : {}),
  };
}
