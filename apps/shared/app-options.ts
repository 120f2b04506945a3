import type { LoggerService, LogLevel } from '@nestjs/common';
import type { ApplicationCredential, KeycardRedisOptions } from 'nestjs-keycard';

/** Which Nest HTTP platform an example app runs on. */
export type HttpPlatform = 'express' | 'fastify';

/**
 * Options every example app takes. Anything left out falls back to the environment, as
 * `KeycardModule` reads it: `KEYCARD_ZONE_URL` / `KEYCARD_ZONE_ID`, `MCP_SERVER_URL`,
 * `KEYCARD_CLIENT_ID` + `KEYCARD_CLIENT_SECRET`, ...
 */
export interface ExampleAppOptions {
  /** The Keycard zone. Default: env `KEYCARD_ZONE_URL`, else `KEYCARD_ZONE_ID`. */
  readonly zoneUrl?: string;
  /** Public base URL of this server, e.g. `http://127.0.0.1:8000`. Default: env `MCP_SERVER_URL`. */
  readonly mcpBaseUrl?: string;
  /** How this server authenticates to the zone for token exchange. Default: discovered from env. */
  readonly applicationCredential?: ApplicationCredential;
  /** HTTP platform. Default `express`. */
  readonly platform?: HttpPlatform;
  /** Nest log levels, a logger, or `false` for none. Default: Nest's default levels. */
  readonly logger?: LogLevel[] | LoggerService | false;
  /** Several replicas: the shared exchange cache and lease on Redis (`KeycardModule`'s `redis` option). Default: none. */
  readonly redis?: KeycardRedisOptions;
}
