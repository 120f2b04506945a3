import { fail, pass, type DoctorCheck } from './doctor-check.js';
import { bearerParams, describeAnswer, isFailure, type DoctorHttp, type ProbeAnswer, type ProbeFailure } from './doctor-http.js';

/** What the server probes found, for the zone and token probes. */
export interface ServerFindings {
  readonly checks: DoctorCheck[];
  /** The zone the protected-resource metadata names. */
  readonly zoneUrl?: string;
  /** The scope the 401 challenge names (the endpoint's required scopes). */
  readonly challengeScope?: string;
  readonly resource?: string;
}

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'nestjs-keycard-doctor', version: '1' } },
});
const BROWSER_ORIGIN = 'http://localhost:6274';

const SERVER_URL_FIX = (origin: string) =>
  `set the server's public URL to ${origin}: MCP_SERVER_URL=${origin} (or mcpBaseUrl: '${origin}'), or give clients the URL the server names`;

/** RFC 9728 §3.1: the metadata of `https://host/a/b` is at `https://host/.well-known/oauth-protected-resource/a/b`. */
export function wellKnownUrl(resource: URL, name: string): string {
  const path = resource.pathname === '/' ? '' : resource.pathname.replace(/\/+$/, '');
  return `${resource.origin}/.well-known/${name}${path}`;
}

/** Same URL except for a trailing slash. */
function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

function hostMismatchFix(found: string, asked: string): string {
  const f = new URL(found);
  const a = new URL(asked);
  if (f.origin !== a.origin) {
    return `\`resource\` is ${found} but you asked for ${asked}: use the same host in the client (${f.origin}), or set MCP_SERVER_URL=${a.origin} (mcpBaseUrl) so the server names the URL clients use` +
      (a.hostname === 'localhost' || f.hostname === 'localhost' ? ' — localhost and 127.0.0.1 are different resources' : '');
  }
  return `\`resource\` is ${found} but you asked for ${asked}: give clients ${found}, or make the MCP route and mcpPath ${a.pathname}`;
}

function challengeCheck(url: string, answer: ProbeAnswer | ProbeFailure): { check: DoctorCheck; params?: Record<string, string> } {
  const label = `POST ${url} without a token → ${describeAnswer(answer)}`;
  if (isFailure(answer)) {
    return { check: fail(label, `nothing answers at ${new URL(url).origin}: start the server, or check the host and port (the server may listen elsewhere)`) };
  }
  if (answer.status === 404) {
    return { check: fail(label, `no MCP route at ${new URL(url).pathname}: check the URL given to the client, the controller's path and mcpPath`) };
  }
  if (answer.status >= 200 && answer.status < 300) {
    return { check: fail(label, 'the MCP endpoint answers without a token: put KeycardAuthGuard on the MCP route (@UseGuards(KeycardAuthGuard)) or make it global') };
  }
  const params = bearerParams(answer.headers.get('www-authenticate'));
  if (answer.status !== 401 || !params) {
    return { check: fail(label, 'expected 401 with WWW-Authenticate: Bearer resource_metadata="…": KeycardAuthGuard must be the guard answering this route') };
  }
  if (!params.resource_metadata) {
    return { check: fail(`${label}, challenge without resource_metadata`, 'the 401 does not name the metadata URL: KeycardAuthGuard adds it; another guard or a proxy answered this request'), params };
  }
  return { check: pass(`${label} with resource_metadata="${params.resource_metadata}"${params.scope ? `, scope="${params.scope}"` : ''}`), params };
}

function documentCheck(label: string, answer: ProbeAnswer | ProbeFailure, missingFix: string): DoctorCheck {
  const line = `GET ${answer.url} → ${describeAnswer(answer)}`;
  if (isFailure(answer)) return fail(`${label}: ${line}`, missingFix);
  if (answer.status !== 200) {
    return fail(`${label}: ${line}`, answer.html ? `${missingFix} (the HTML page comes from another route or a proxy, not from nestjs-keycard)` : missingFix);
  }
  if (!answer.json) return fail(`${label}: ${line}, not a JSON object`, `${missingFix} (something else answers this URL with ${answer.html ? 'HTML' : 'non-JSON'})`);
  return pass(`${label}: ${line}`);
}

/**
 * Probes an MCP server the way Claude Code, Cursor, VS Code and the MCP Inspector do: the 401
 * challenge, the protected-resource metadata it names and the RFC 9728 locations, the
 * authorization-server mirror older clients read, and a browser's CORS preflight.
 */
export async function probeServer(http: DoctorHttp, mcpUrl: string): Promise<ServerFindings> {
  const checks: DoctorCheck[] = [];
  const asked = new URL(mcpUrl);

  const challengeAnswer = await http.request(mcpUrl, { method: 'POST', headers: { ...MCP_HEADERS, origin: BROWSER_ORIGIN }, body: INITIALIZE });
  const challenge = challengeCheck(mcpUrl, challengeAnswer);
  checks.push(challenge.check);
  if (isFailure(challengeAnswer)) return { checks };
  if (challenge.params && !(challengeAnswer.headers.get('access-control-expose-headers') ?? '').toLowerCase().includes('www-authenticate')) {
    checks.push(
      fail(
        'the 401 does not expose WWW-Authenticate to browsers (Access-Control-Expose-Headers)',
        'browser-based clients (the MCP Inspector) cannot read the challenge: let KeycardModule answer CORS for the MCP route',
      ),
    );
  }

  const standard = wellKnownUrl(asked, 'oauth-protected-resource');
  const advertised = challenge.params?.resource_metadata;
  if (advertised && new URL(advertised, asked).origin !== asked.origin) {
    checks.push(fail(`the challenge sends clients to ${advertised}, another origin than ${asked.origin}`, SERVER_URL_FIX(asked.origin)));
  }
  const metadataUrl = advertised ? new URL(advertised, asked).href : standard;
  const metadataAnswer = await http.request(metadataUrl, { headers: { origin: BROWSER_ORIGIN } });
  const metadataCheck = documentCheck(
    'protected-resource metadata',
    metadataAnswer,
    `serve RFC 9728 metadata at ${metadataUrl}: KeycardModule does (WellKnownController); with a global prefix, exclude '.well-known/{*path}'`,
  );
  checks.push(metadataCheck);
  if (advertised && !sameUrl(metadataUrl, standard)) {
    checks.push(documentCheck('RFC 9728 location of the metadata', await http.request(standard), `serve the metadata at ${standard} too (clients without the challenge look there): check mcpBaseUrl and mcpPath`));
  }

  const metadata = !isFailure(metadataAnswer) && metadataAnswer.status === 200 ? metadataAnswer.json : undefined;
  let zoneUrl: string | undefined;
  let resource: string | undefined;
  if (metadata) {
    resource = typeof metadata.resource === 'string' ? metadata.resource : undefined;
    if (!resource) {
      checks.push(fail('the metadata has no `resource`', 'the document is not RFC 9728 metadata: is KeycardModule serving it?'));
    } else if (sameUrl(resource, mcpUrl)) {
      checks.push(pass(`\`resource\` is ${resource}, the URL you asked for`));
    } else {
      checks.push(fail(`\`resource\` is ${resource}, not ${mcpUrl}`, hostMismatchFix(resource, mcpUrl)));
    }
    const servers = Array.isArray(metadata.authorization_servers) ? metadata.authorization_servers.filter((s): s is string => typeof s === 'string') : [];
    zoneUrl = servers[0];
    checks.push(
      zoneUrl
        ? pass(`authorization_servers: ${servers.join(', ')}`)
        : fail('the metadata names no authorization server', 'set the zone: KEYCARD_ZONE_URL or KEYCARD_ZONE_ID (zoneUrl / zoneId)'),
    );
    const scopes = Array.isArray(metadata.scopes_supported) ? metadata.scopes_supported : [];
    checks.push(
      scopes.length > 0 || !challenge.params?.scope
        ? pass(`scopes_supported: ${scopes.length > 0 ? scopes.join(' ') : '(none: the server requires no scope)'}`)
        : fail('the challenge names a scope but the metadata lists no scopes_supported', 'list every scope in scopes_supported (nestjs-keycard does: requiredScopes, @RequireScopes, @ToolScopes, scopesSupported)'),
    );
    if (!isFailure(metadataAnswer) && !metadataAnswer.headers.get('access-control-allow-origin')) {
      checks.push(fail('the metadata answer has no CORS header', 'browser-based clients (the MCP Inspector) cannot read it: serve it through KeycardModule, which answers CORS'));
    }
  }

  const root = `${asked.origin}/.well-known/oauth-protected-resource`;
  if (!sameUrl(root, metadataUrl)) {
    checks.push(documentCheck('root protected-resource metadata', await http.request(root), `serve ${root} (some clients read the root document): KeycardModule serves it for the first MCP endpoint`));
  }
  checks.push(
    documentCheck(
      'authorization server metadata mirror (older clients, Cursor)',
      await http.request(`${asked.origin}/.well-known/oauth-authorization-server`),
      "older clients look for the zone's metadata on the MCP server: KeycardModule mirrors it (a 502 means the server cannot reach the zone)",
    ),
  );

  // Older clients (Cursor) also try these; a 404 is fine, but it must be JSON, not an HTML page.
  const fallbacks = [
    `${asked.origin}${asked.pathname.replace(/\/+$/, '')}/.well-known/oauth-protected-resource`,
    wellKnownUrl(asked, 'openid-configuration'),
    `${asked.origin}/.well-known/openid-configuration`,
  ];
  const notJson: string[] = [];
  for (const url of fallbacks) {
    const answer = await http.request(url);
    if (!isFailure(answer) && answer.html) notJson.push(`${new URL(url).pathname} → ${describeAnswer(answer)}`);
  }
  checks.push(
    notJson.length === 0
      ? pass('fallback discovery paths older clients try answer JSON (a 404 there is normal)')
      : fail(`fallback discovery paths answer HTML: ${notJson.join(', ')}`, 'clients that try these paths fail on "Not Found is not valid JSON": answer unknown paths with JSON (the Nest default), not a proxy or framework HTML page'),
  );

  const preflight = await http.request(mcpUrl, {
    method: 'OPTIONS',
    headers: { origin: BROWSER_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, mcp-protocol-version' },
  });
  const allowHeaders = isFailure(preflight) ? '' : (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
  const preflightOk =
    !isFailure(preflight) && preflight.status >= 200 && preflight.status < 300 && !!preflight.headers.get('access-control-allow-origin') &&
    (allowHeaders === '*' || ['authorization', 'mcp-protocol-version'].every((h) => allowHeaders.includes(h)));
  checks.push(
    preflightOk
      ? pass(`CORS preflight OPTIONS ${mcpUrl} → ${describeAnswer(preflight)}`)
      : fail(
          `CORS preflight OPTIONS ${mcpUrl} → ${describeAnswer(preflight)}${allowHeaders ? `, allows ${allowHeaders}` : ''}`,
          'browser-based clients (the MCP Inspector) cannot call the server: KeycardModule answers preflights for the MCP route; make sure nothing (another CORS setup, a proxy) answers OPTIONS first',
        ),
  );

  return { checks, zoneUrl, resource, challengeScope: challenge.params?.scope };
}
