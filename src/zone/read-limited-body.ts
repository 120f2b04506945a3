/** The answer was larger than the allowed number of bytes. Internal: mapped to `TokenExchangeError`. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/**
 * Reads a response body as UTF-8 text, stopping (and cancelling the stream) as soon as it
 * exceeds `limit` bytes, so a hostile server cannot make us buffer an unbounded answer.
 * `onCancelError` hears about a failure to cancel the stream (the size error is thrown anyway).
 */
export async function readLimitedBody(
  response: Response,
  limit: number,
  onCancelError: (error: unknown) => void,
): Promise<string> {
  const body = response.body;
  if (!body) {
    return '';
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await body.cancel().catch(onCancelError);
    throw new ResponseTooLargeError(limit);
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(onCancelError);
      throw new ResponseTooLargeError(limit);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}
