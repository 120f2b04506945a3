/** One HTTP answer as the doctor reads it. */
export interface ProbeAnswer {
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as a JSON object, when it is one. */
  readonly json: Record<string, unknown> | undefined;
  /** The body is an HTML page (a framework's or a proxy's error page, a login page). */
  readonly html: boolean;
}

/** A request that got no HTTP answer at all. */
export interface ProbeFailure {
  readonly url: string;
  readonly error: string;
}

const MAX_BODY_CHARS = 256 * 1024;

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (error.name === 'TimeoutError') return 'no answer in time';
  if (typeof cause?.code === 'string') return `${cause.code}${typeof cause.message === 'string' ? ` (${cause.message})` : ''}`;
  return error.message;
}

/** Makes HTTP requests the way MCP clients do, each bounded by a timeout; never throws. */
export class DoctorHttp {
  constructor(private readonly timeoutMs: number) {}

  async request(url: string, init: RequestInit = {}): Promise<ProbeAnswer | ProbeFailure> {
    try {
      const response = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      const text = (await response.text()).slice(0, MAX_BODY_CHARS);
      let json: Record<string, unknown> | undefined;
      try {
        const parsed: unknown = JSON.parse(text);
        json = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      const type = response.headers.get('content-type') ?? '';
      const html = type.includes('text/html') || /^\s*<(!doctype|html)/i.test(text);
      return { url, status: response.status, headers: response.headers, text, json, html };
    } catch (error) {
      return { url, error: describeError(error) };
    }
  }
}

export function isFailure(answer: ProbeAnswer | ProbeFailure): answer is ProbeFailure {
  return 'error' in answer;
}

/** A short description of an answer for a check line: `404 HTML`, `200 JSON`, `ECONNREFUSED`. */
export function describeAnswer(answer: ProbeAnswer | ProbeFailure): string {
  if (isFailure(answer)) return answer.error;
  return `${answer.status}${answer.html ? ' HTML' : answer.json ? ' JSON' : answer.text ? ' text' : ''}`;
}

/** The parameters of a `WWW-Authenticate: Bearer ...` challenge. */
export function bearerParams(header: string | null): Record<string, string> | undefined {
  if (!header || !/^\s*bearer\b/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const match of header.matchAll(/([a-zA-Z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params[match[1]!.toLowerCase()] = (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return params;
}
