/**
 * Base class of every error this library throws on purpose. It sets `name` to the
 * subclass name and keeps the original `cause`, so logs show where a failure came from.
 */
export class KeycardError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A setting is missing or wrong. Thrown at bootstrap, before the app listens. */
export class KeycardConfigurationError extends KeycardError {
  /** Every problem found, one per entry (the message joins them). */
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[], options?: { cause?: unknown }) {
    const list = typeof problems === 'string' ? [problems] : [...problems];
    super(
      list.length === 1
        ? `Keycard configuration error: ${list[0]}`
        : `Keycard configuration has ${list.length} problems:\n${list.map((p) => `  - ${p}`).join('\n')}`,
      options,
    );
    this.problems = Object.freeze(list);
  }

  /** No zone was configured by any of the four ways. */
  static missingZone(): KeycardConfigurationError {
    return new KeycardConfigurationError(
      'no Keycard zone is configured. Set one of: the `zoneUrl` option, the KEYCARD_ZONE_URL ' +
        'environment variable, the `zoneId` option, or the KEYCARD_ZONE_ID environment variable ' +
        '(a zone id is combined with `baseUrl` / KEYCARD_BASE_URL, default https://keycard.cloud).',
    );
  }
}

/** An application credential cannot be used: key storage, token file, assertion signing. */
export class KeycardCredentialError extends KeycardError {}

/** The zone's metadata could not be fetched or is not acceptable (issuer, jwks_uri, ...). */
export class ZoneDiscoveryError extends KeycardError {}
