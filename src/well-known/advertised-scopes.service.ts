import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { KEYCARD_REQUIRED_SCOPES_KEY } from '../auth/auth.constants.js';
import { InjectKeycardConfig } from '../config/inject-keycard-config.decorator.js';
import type { KeycardConfig } from '../config/keycard-options.interface.js';

/** Metadata key of MCP-Nest's `@ToolScopes()` (`@rekog/mcp-nest`), read without importing it. */
const MCP_NEST_TOOL_SCOPES_KEY = 'mcp:scopes';

const SCOPE_KEYS = [KEYCARD_REQUIRED_SCOPES_KEY, MCP_NEST_TOOL_SCOPES_KEY] as const;

function scopesOf(target: object): string[] {
  return SCOPE_KEYS.flatMap((key) => {
    const value: unknown = Reflect.getMetadata(key, target);
    return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string' && s.length > 0) : [];
  });
}

/**
 * Every scope this server may ask a client for, advertised as `scopes_supported` in the
 * protected-resource metadata (clients ask for these when a challenge names none, and
 * register with them): the module's `requiredScopes` and `scopesSupported`, every
 * `@RequireScopes()` and every MCP-Nest `@ToolScopes()` on the app's controllers and
 * providers, found once at bootstrap.
 */
@Injectable()
export class AdvertisedScopes implements OnApplicationBootstrap {
  private scopes: readonly string[] | undefined;

  constructor(
    @InjectKeycardConfig() private readonly config: KeycardConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onApplicationBootstrap(): void {
    this.scopes = this.collect();
  }

  /** The advertised scopes, configured ones first, without duplicates. */
  list(): readonly string[] {
    this.scopes ??= this.collect();
    return this.scopes;
  }

  private collect(): readonly string[] {
    const found = new Set<string>(this.config.scopesSupported);
    for (const wrapper of [...this.discovery.getControllers(), ...this.discovery.getProviders()]) {
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null) continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const scope of scopesOf(prototype.constructor)) found.add(scope);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method: unknown = (prototype as Record<string, unknown>)[name];
        if (typeof method === 'function') for (const scope of scopesOf(method)) found.add(scope);
      }
    }
    return Object.freeze([...found]);
  }
}
