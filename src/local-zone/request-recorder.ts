import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';

import { fieldValue, fieldValues, type FormFields } from './form-body.js';
import type {
  ExchangeRequestRecord,
  LocalZoneClientAuthMethod,
  LocalZoneEndpoint,
  LocalZoneRequestCounts,
} from './local-zone-records.interface.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** An exchange record the zone may still complete (status, error). */
export type PendingExchangeRecord = Mutable<ExchangeRequestRecord>;

const emptyCounts = (): Record<LocalZoneEndpoint | 'other', number> => ({
  discovery: 0,
  jwks: 0,
  token: 0,
  registration: 0,
  authorization: 0,
  other: 0,
});

/** Counts requests per endpoint and keeps the latest token-exchange requests received. */
export class RequestRecorder {
  private records: ExchangeRequestRecord[] = [];
  private counts = emptyCounts();
  private exchanges = 0;

  constructor(private readonly maxRecords: number) {}

  get exchangeRequests(): readonly ExchangeRequestRecord[] {
    return this.records;
  }

  /** Every exchange request received, including records dropped beyond `maxRecords`. */
  get exchangeCount(): number {
    return this.exchanges;
  }

  get requestCounts(): LocalZoneRequestCounts {
    return { ...this.counts };
  }

  count(endpoint: LocalZoneEndpoint | 'other'): void {
    this.counts[endpoint] += 1;
  }

  clear(): void {
    // A new array: a list a test already holds keeps its contents.
    this.records = [];
    this.counts = emptyCounts();
    this.exchanges = 0;
  }

  recordExchange(input: {
    form: FormFields;
    headers: IncomingHttpHeaders;
    clientAuthMethod: LocalZoneClientAuthMethod;
    clientId: string | undefined;
  }): PendingExchangeRecord {
    const { form, headers } = input;
    const record: PendingExchangeRecord = {
      receivedAt: performance.timeOrigin + performance.now(),
      form: structuredClone(form),
      grantType: fieldValue(form, 'grant_type') ?? '',
      subjectToken: fieldValue(form, 'subject_token'),
      subjectTokenType: fieldValue(form, 'subject_token_type'),
      resources: fieldValues(form, 'resource'),
      scope: fieldValue(form, 'scope'),
      audiences: fieldValues(form, 'audience'),
      requestedTokenType: fieldValue(form, 'requested_token_type'),
      actorToken: fieldValue(form, 'actor_token'),
      actorTokenType: fieldValue(form, 'actor_token_type'),
      clientAuthMethod: input.clientAuthMethod,
      clientId: input.clientId,
      authorizationHeader: headers.authorization,
      headers: { ...headers },
    };
    this.exchanges += 1;
    this.records.push(record);
    if (this.records.length > this.maxRecords) this.records.shift();
    return record;
  }
}
