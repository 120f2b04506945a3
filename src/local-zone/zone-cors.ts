import type { IncomingMessage, ServerResponse } from 'node:http';

/** Preflights are cached by browsers for this long (seconds). */
const MAX_AGE_SECONDS = 600;

/**
 * CORS for the zone endpoints oidc-provider leaves without it (dynamic client
 * registration): a development zone, so any browser origin may call it — MCP clients
 * that run in a browser (the MCP Inspector) register from their own origin.
 */
export function allowAnyOrigin(req: IncomingMessage, res: ServerResponse): void {
  if (req.headers.origin === undefined) return;
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-expose-headers', 'www-authenticate');
}

/** Answers a CORS preflight (204) for the given methods. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, methods: readonly string[]): void {
  res.statusCode = 204;
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-allow-methods', [...methods, 'OPTIONS'].join(', '));
  const requested = req.headers['access-control-request-headers'];
  res.setHeader('access-control-allow-headers', typeof requested === 'string' && requested ? requested : 'authorization, content-type');
  res.setHeader('access-control-max-age', String(MAX_AGE_SECONDS));
  res.setHeader('vary', 'origin, access-control-request-headers');
  res.end();
}
