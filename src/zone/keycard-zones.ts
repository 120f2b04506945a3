import { Injectable } from '@nestjs/common';
import { InjectKeycardConfig } from '../config/inject-keycard-config.decorator.js';
import type { KeycardConfig, KeycardZoneConfig } from '../config/keycard-options.interface.js';
import { withoutTrailingSlash } from '../config/zone-url.js';
import { ZoneMetadataService } from './zone-metadata.service.js';

/** One zone of `zones` mode with its own metadata (discovery, cache) service. */
export interface KeycardZone extends KeycardZoneConfig {
  readonly metadata: ZoneMetadataService;
}

/**
 * The zones of `zones` mode, by id (the first path segment) and by issuer. Empty when the
 * module serves one zone. Each zone has its own `ZoneMetadataService`: its own discovery,
 * JWKS location and token endpoint.
 */
@Injectable()
export class KeycardZones {
  private readonly byId = new Map<string, KeycardZone>();
  private readonly byIssuer = new Map<string, KeycardZone>();

  constructor(@InjectKeycardConfig() config: KeycardConfig) {
    for (const zone of config.zones ?? []) {
      const entry: KeycardZone = Object.freeze({ ...zone, metadata: new ZoneMetadataService(zone.config) });
      this.byId.set(zone.id, entry);
      this.byIssuer.set(withoutTrailingSlash(zone.zoneUrl), entry);
    }
  }

  /** Whether the module runs in `zones` mode. */
  get enabled(): boolean {
    return this.byId.size > 0;
  }

  /** Every zone, in configuration order. */
  get all(): readonly KeycardZone[] {
    return [...this.byId.values()];
  }

  /** The zone with this id (case-sensitive), if configured. */
  get(id: string): KeycardZone | undefined {
    return this.byId.get(id);
  }

  /** The zone whose issuer this is (trailing slash ignored), if configured. */
  forIssuer(issuer: string | undefined): KeycardZone | undefined {
    return issuer === undefined ? undefined : this.byIssuer.get(withoutTrailingSlash(issuer));
  }

  /** The zone named by the first segment of a request path (`/alpha/mcp` → `alpha`), if configured. */
  forPath(path: string): KeycardZone | undefined {
    const segment = path.split('?', 1)[0]!.split('/').find((part) => part.length > 0);
    return segment === undefined ? undefined : this.byId.get(safeDecode(segment));
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
