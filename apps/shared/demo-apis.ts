/**
 * The downstream APIs of the demo, as protected resources (RFC 8707 resource indicators).
 *
 * `npm start` runs a small local API (apps/demo/downstream-api.ts) at `DEMO_API_URL`
 * (default `http://127.0.0.1:9998`). Each path below is its own resource: the API accepts
 * only tokens whose `aud` is exactly that URL, so the MCP server has to exchange the caller's
 * token (`@Grant`) — passing the caller's token through would be refused.
 *
 * The URLs are read once, when this module is first imported (decorators such as
 * `@Grant(CALENDAR_API)` are evaluated then).
 */
export const DEMO_API_URL = (process.env.DEMO_API_URL ?? 'http://127.0.0.1:9998').replace(/\/+$/, '');

/** The calendar API: `GET {CALENDAR_API}/events`. */
export const CALENDAR_API = `${DEMO_API_URL}/calendar`;

/** The payroll API: `GET {PAYROLL_API}/payslips`. The demo zone refuses tokens for it. */
export const PAYROLL_API = `${DEMO_API_URL}/payroll`;

/** What a downstream API answered, or why it failed. */
export type DownstreamResult =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | { readonly ok: false; readonly status?: number; readonly error: string };

/**
 * `GET url` with `Authorization: Bearer <token>` (an exchanged token, never the caller's).
 * Never throws: network errors and non-2xx answers become `{ ok: false }`.
 */
export async function getWithToken(url: string, accessToken: string): Promise<DownstreamResult> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(5_000),
    });
  } catch (error) {
    return { ok: false, error: `cannot reach ${url}: ${(error as Error).message}` };
  }
  const text = await response.text();
  const body = parseBody(text);
  if (!response.ok) {
    const detail = typeof body === 'object' && body !== null && 'error_description' in body ? String(body.error_description) : text;
    return { ok: false, status: response.status, error: `${url} answered ${response.status}: ${detail}` };
  }
  return { ok: true, status: response.status, body };
}

/** The body as JSON when it is JSON, else the text itself. */
function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
