import { Logger } from '@nestjs/common';
import { readLimitedBody } from './read-limited-body.js';

/** Largest response body this library reads from a zone. */
export const MAX_ZONE_RESPONSE_BYTES = 1024 * 1024;

const logger = new Logger('KeycardZone');

export interface JsonResponse {
  readonly status: number;
  readonly contentType: string;
  /** The parsed body when it is JSON, else `undefined`. */
  readonly json: unknown;
}

/**
 * GET or POST with a timeout, returning the status and the JSON body when there is one.
 * Rejects on network errors and timeouts only; an HTTP error status is a normal result.
 */
export async function fetchJson(
  url: string,
  init: RequestInit & { timeoutMs: number; maxBytes?: number },
): Promise<JsonResponse> {
  const { timeoutMs, maxBytes, ...rest } = init;
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { ...rest, signal, headers: { accept: 'application/json', ...rest.headers } });
  } catch (error) {
    if (signal.aborted) throw new Error(`no answer within ${timeoutMs} ms`, { cause: error });
    throw new Error(`network error (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message})`, { cause: error });
  }
  const contentType = response.headers.get('content-type') ?? '';
  let text: string;
  try {
    text = await readLimitedBody(response, maxBytes ?? MAX_ZONE_RESPONSE_BYTES, (error) =>
      logger.debug(`Could not cancel an oversized response stream: ${(error as Error).message}`),
    );
  } catch (error) {
    if (signal.aborted) throw new Error(`no answer within ${timeoutMs} ms`, { cause: error });
    throw error;
  }
  let json: unknown;
  if (/\bjson\b/i.test(contentType) || /^\s*[{[]/.test(text)) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined; // Declared or looked like JSON but is not: reported as "no JSON body".
    }
  }
  return { status: response.status, contentType, json };
}
