import type { LocalZoneEndpoint } from './local-zone-records.interface.js';

/** Where a fault applies: one endpoint, or every request of the zone (`'all'`). */
export type LocalZoneFaultTarget = LocalZoneEndpoint | 'all';

/** A canned answer sent instead of the real one. */
export interface LocalZoneFailWith {
  /** HTTP status, e.g. 500, 502, or 200 with an HTML body. */
  status: number;
  /**
   * Body: an object or array is sent as JSON; a string as is. Default: an empty body.
   */
  body?: unknown;
  /**
   * Content type. Default `application/json` for an object/array body,
   * `text/plain; charset=utf-8` for a string body.
   */
  contentType?: string;
}

/** The RFC 8693 error answered for `failResources`. */
export interface LocalZoneResourceFailure {
  /** HTTP status. Default 400. */
  status?: number;
  /** OAuth error code. Default `invalid_target`. */
  error?: string;
  /** Default: "the authorization server refuses to issue a token for <resource>". */
  errorDescription?: string;
}

/**
 * Fault injected into an endpoint. Applied in this order: `latencyMs`, then the first
 * of `down`, `hang`, `failWith`; `failResources` only affects token-exchange requests
 * that reach the grant (after client authentication and subject-token validation).
 * Exchange requests are recorded before any fault applies.
 */
export interface LocalZoneFault {
  /** Delay before the request is handled (or failed), in milliseconds. */
  latencyMs?: number;
  /** Answer with this instead of the real response. */
  failWith?: LocalZoneFailWith;
  /** Destroy the connection without any response. */
  down?: boolean;
  /** Never answer, until `clearFaults()` (the request then proceeds) or `stop()` (it is cut). */
  hang?: boolean;
  /** Token exchanges asking for any of these resources are refused (default `400 invalid_target`). */
  failResources?: readonly string[];
  /** The error used for `failResources`. */
  failResourcesWith?: LocalZoneResourceFailure;
}
