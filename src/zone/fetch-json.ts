import { Logger } from '@nestjs/common';
import { readLimitedBody } from './read-limited-body.js';

/** Largest response body this library reads from a zone. */
export const MAX_ZONE_RESPONSE_BYTES = 1024 * 1024;

/** Redirects followed per request, all on the origin of the URL asked for. */
const MAX_SAME_ORIGIN_REDIRECTS = 3;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const logger = new Logger('KeycardZone');

export interface JsonResponse {
  readonly status: number;
  readonly contentType: string;
  /** The parsed body when it is JSON, else `undefined`. */
  readonly json: unknown;
}

/**
 * GET (the zone's metadata and key set) with a timeout, returning the status and the JSON
 * body when there is one. Rejects on network errors, timeouts and redirects it does not
 * follow; an HTTP error status is a normal result.
 *
 * Redirects are followed by hand (`redirect: 'manual'`), only on the origin of `url` and at
 * most `MAX_SAME_ORIGIN_REDIRECTS` times: a zone that answers with a redirect to another
 * origin could otherwise hand the guard an attacker's keys or token endpoint.
 */
export async function fetchJson(
  url: string,
  init: Omit<RequestInit, 'redirect' | 'signal'> & { timeoutMs: number; maxBytes?: number },
): Promise<JsonResponse> {
  const { timeoutMs, maxBytes, ...rest } = init;
  const signal = AbortSignal.timeout(timeoutMs);
  const origin = new URL(url).origin;
  let target = url;
  let response: Response;
  for (let redirects = 0; ; redirects++) {
    try {
      response = await fetch(target, { ...rest, signal, redirect: 'manual', headers: { accept: 'application/json', ...rest.headers } });
    } catch (error) {
      if (signal.aborted) throw new Error(`no answer within ${timeoutMs} ms`, { cause: error });
      throw new Error(`network error (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message})`, { cause: error });
    }
    if (!REDIRECT_STATUSES.has(response.status)) break;
    await response.body?.cancel().catch((error: unknown) => logger.debug(`Could not discard a redirect body: ${(error as Error).message}`));
    target = redirectTarget(target, response, origin, redirects);
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

/** Where a redirect answer points, when it may be followed; throws otherwise (another origin, too many hops, no Location). */
function redirectTarget(from: string, response: Response, origin: string, redirectsSoFar: number): string {
  const location = response.headers.get('location');
  let next: URL | undefined;
  try {
    next = location === null ? undefined : new URL(location, from);
  } catch {
    next = undefined;
  }
  if (next === undefined) throw new Error(`${from} answered HTTP ${response.status} (a redirect) without a usable Location`);
  if (next.origin !== origin) {
    throw new Error(`${from} answered HTTP ${response.status}, a redirect to another origin (${next.origin}); redirects to another origin are never followed`);
  }
  if (redirectsSoFar >= MAX_SAME_ORIGIN_REDIRECTS) {
    throw new Error(`${from} answered HTTP ${response.status}, a redirect, after ${MAX_SAME_ORIGIN_REDIRECTS} redirects already; giving up`);
  }
  return next.href;
}
