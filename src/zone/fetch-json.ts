/** Largest response body this library reads from a zone. */
export const MAX_ZONE_RESPONSE_BYTES = 1024 * 1024;

export interface JsonResponse {
  readonly status: number;
  readonly contentType: string;
  /** The parsed body when it is JSON, else `undefined`. */
  readonly json: unknown;
}

/**
 * Reads a response body as text, refusing bodies over `maxBytes` (a hostile or broken
 * server must not make us buffer without bound).
 */
export async function readTextCapped(response: Response, maxBytes = MAX_ZONE_RESPONSE_BYTES): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(`the response is larger than ${maxBytes} bytes`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`the response is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
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
    text = await readTextCapped(response, maxBytes);
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
