import { ZoneDiscoveryError } from '../errors/keycard.error.js';
import type { KeycardConfig } from '../config/keycard-options.interface.js';
import type { ZoneMetadata } from '../zone/zone-metadata.interface.js';
import { ZoneMetadataService } from '../zone/zone-metadata.service.js';

/**
 * The `ZoneMetadataService` of `overrideKeycard()`: there is no zone, so nothing is ever
 * fetched; anything that still asks for the zone's metadata gets a `ZoneDiscoveryError`
 * saying why, instead of a network call.
 */
export class OfflineZoneMetadataService extends ZoneMetadataService {
  constructor(config: KeycardConfig) {
    super(config);
  }

  override getMetadata(): Promise<ZoneMetadata> {
    return Promise.reject(
      new ZoneDiscoveryError(
        'nestjs-keycard/testing: this app runs without a zone (overrideKeycard), so no metadata, JWKS or token ' +
          'exchange is available. Run a LocalZone for tests that need a real authorization server.',
      ),
    );
  }
}
