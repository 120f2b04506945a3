/** How a token-endpoint request authenticated its client (as LocalZone saw it). */
export type LocalZoneClientAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  /** A jwt-bearer `client_assertion` matched to a `registerWorkloadIdentity()` entry. */
  | 'workload_identity'
  | 'none';

/**
 * One RFC 8693 token-exchange request the zone received. Nothing is hidden: the test
 * sees the subject token, client secrets and assertions as they were sent.
 */
export interface ExchangeRequestRecord {
  /** When the request was received: epoch milliseconds with sub-millisecond resolution. */
  readonly receivedAt: number;
  /** Every form field as sent; a repeated field (e.g. `resource`) is an array. */
  readonly form: Readonly<Record<string, string | readonly string[]>>;
  readonly grantType: string;
  readonly subjectToken?: string;
  readonly subjectTokenType?: string;
  /** All `resource` values, in order. */
  readonly resources: readonly string[];
  readonly scope?: string;
  /** All `audience` values, in order. */
  readonly audiences: readonly string[];
  readonly requestedTokenType?: string;
  readonly actorToken?: string;
  readonly actorTokenType?: string;
  readonly clientAuthMethod: LocalZoneClientAuthMethod;
  /** The client the request claimed to be (Basic user, `client_id`, assertion `sub`, or the workload mapping). */
  readonly clientId?: string;
  /** The `Authorization` header as sent. */
  readonly authorizationHeader?: string;
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** HTTP status the zone answered with; absent while the request is pending, hanging, or was cut (`down`). */
  readonly status?: number;
  /** OAuth `error` code of the answer, when it was an error. */
  readonly error?: string;
}

/** Endpoints the zone counts requests for (and that faults can target). */
export type LocalZoneEndpoint = 'discovery' | 'jwks' | 'token' | 'registration' | 'authorization';

/** Requests received per endpoint since start or the last `clearRecords()`. */
export type LocalZoneRequestCounts = Readonly<Record<LocalZoneEndpoint | 'other', number>>;
