import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';

/** Options of `startDownstreamApi()`. */
export interface DownstreamApiOptions {
  /** The zone whose tokens the API accepts (`iss`); its JWKS is found through its metadata. */
  readonly zoneUrl: string;
  /** Port on `host`. Default `0` (a free port). */
  readonly port?: number;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Told about every request once answered (e.g. to print it). */
  readonly onRequest?: (record: DownstreamRequestRecord) => void;
}

/** One request the API answered (no token: a SHA-256 fingerprint of it). */
export interface DownstreamRequestRecord {
  readonly path: string;
  readonly status: number;
  /** SHA-256 (hex) of the bearer token, when one was sent. */
  readonly tokenSha256?: string;
  /** Claims of an accepted token. */
  readonly sub?: string;
  readonly aud?: string | string[];
  /** Why a token was refused. */
  readonly error?: string;
}

/** A running downstream API. */
export interface DownstreamApi {
  /** Base URL, e.g. `http://127.0.0.1:9998`. */
  readonly url: string;
  /** Its resources: a token is accepted only when its `aud` is the resource it is sent to. */
  readonly resources: { readonly calendar: string; readonly payroll: string };
  /** Requests received, oldest first. */
  readonly requests: readonly DownstreamRequestRecord[];
  close(): Promise<void>;
}

/** SHA-256 hex of a token, to compare tokens in logs and tests without keeping them. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

interface ZoneKeys {
  readonly issuer: string;
  readonly jwks: ReturnType<typeof createRemoteJWKSet>;
}

/**
 * A small resource server standing in for real downstream APIs (a calendar, a payroll
 * service). It verifies bearer JWTs against the zone's JWKS and accepts a token only when
 * its `aud` is the URL of the resource it is sent to — exactly what token exchange
 * produces, and exactly what a passed-through MCP token (aud = the MCP server) is not.
 *
 * - `GET /calendar/events` — resource `{url}/calendar`
 * - `GET /payroll/payslips` — resource `{url}/payroll`
 */
export async function startDownstreamApi(options: DownstreamApiOptions): Promise<DownstreamApi> {
  const requests: DownstreamRequestRecord[] = [];
  const record = (entry: DownstreamRequestRecord): void => {
    requests.push(entry);
    options.onRequest?.(entry);
  };
  let zoneKeys: Promise<ZoneKeys> | undefined;
  const keys = (): Promise<ZoneKeys> => {
    zoneKeys ??= discoverZoneKeys(options.zoneUrl).catch((error: unknown) => {
      zoneKeys = undefined; // retry discovery on the next request
      throw error;
    });
    return zoneKeys;
  };

  let baseUrl = '';
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      send(res, 500, { error: 'server_error', error_description: (error as Error).message });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', baseUrl).pathname;
    const route = ROUTES.find((r) => r.path === path);
    if (!route || req.method !== 'GET') {
      send(res, 404, { error: 'not_found', error_description: `no ${req.method} ${path}` });
      return;
    }
    const resource = `${baseUrl}${route.resourcePath}`;
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) {
      record({ path, status: 401, error: 'no bearer token' });
      challenge(res, resource, 'no bearer token');
      return;
    }
    const fingerprint = tokenFingerprint(token);
    let claims: JWTPayload;
    try {
      const { issuer, jwks } = await keys();
      ({ payload: claims } = await jwtVerify(token, jwks, { issuer, audience: resource, algorithms: ['RS256', 'ES256'] }));
    } catch (error) {
      const reason = describeJoseError(error, resource);
      record({ path, status: 401, tokenSha256: fingerprint, error: reason });
      challenge(res, resource, reason);
      return;
    }
    const sub = claims.sub ?? 'unknown';
    record({ path, status: 200, tokenSha256: fingerprint, sub, aud: claims.aud });
    send(res, 200, { resource, tokenAudience: claims.aud, owner: sub, ...route.data() });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${address.port}`;

  return {
    url: baseUrl,
    resources: { calendar: `${baseUrl}/calendar`, payroll: `${baseUrl}/payroll` },
    requests,
    close: () => closeServer(server),
  };
}

const ROUTES: ReadonlyArray<{ path: string; resourcePath: string; data: () => Record<string, unknown> }> = [
  {
    path: '/calendar/events',
    resourcePath: '/calendar',
    data: () => ({ events: ['09:30 Stand-up', '13:00 Lunch with the Keycard team', '16:00 Review delegated access'] }),
  },
  {
    path: '/payroll/payslips',
    resourcePath: '/payroll',
    data: () => ({ payslips: ['2025-10: 4200 EUR net'] }),
  },
];

async function discoverZoneKeys(zoneUrl: string): Promise<ZoneKeys> {
  const base = zoneUrl.replace(/\/+$/, '');
  for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) continue;
    const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (typeof metadata.issuer === 'string' && typeof metadata.jwks_uri === 'string') {
      return { issuer: metadata.issuer, jwks: createRemoteJWKSet(new URL(metadata.jwks_uri)) };
    }
  }
  throw new Error(`no authorization server metadata with issuer and jwks_uri at ${base}`);
}

function describeJoseError(error: unknown, resource: string): string {
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') {
    return `the token's audience is not ${resource} (a token meant for another server?)`;
  }
  if (error instanceof joseErrors.JOSEError) return `invalid token (${error.code}): ${error.message}`;
  return `cannot verify the token: ${(error as Error).message}`;
}

function challenge(res: ServerResponse, resource: string, description: string): void {
  res.setHeader('www-authenticate', `Bearer realm="${resource}", error="invalid_token", error_description="${description.replace(/["\\]/g, "'")}"`);
  send(res, 401, { error: 'invalid_token', error_description: description });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
