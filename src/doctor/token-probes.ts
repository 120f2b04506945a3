import { fail, pass, type DoctorCheck } from './doctor-check.js';
import { bearerParams, describeAnswer, isFailure, type DoctorHttp } from './doctor-http.js';

/** What the token must match: the server's findings. */
export interface TokenExpectations {
  readonly mcpUrl: string;
  readonly resource?: string;
  readonly zoneUrl?: string;
  readonly issuer?: string;
  readonly challengeScope?: string;
}

const strip = (url: string) => url.replace(/\/+$/, '');

/** The claims of a JWT, read without verifying it (the server verifies; this only explains). */
function claimsOf(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

/**
 * Checks a token against the server (`--token`): its audience or `resource` claim, issuer,
 * expiry and scopes, then whether the server accepts it. The token is never printed.
 */
export async function probeToken(http: DoctorHttp, token: string, expected: TokenExpectations): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const resource = expected.resource ?? expected.mcpUrl;
  const claims = claimsOf(token);
  if (!claims) {
    return [fail('the --token is not a JWT', 'pass the access token the client got from the zone (three base64url parts), not an ID token or a client secret')];
  }
  const audiences = list(claims.aud);
  const base = `${new URL(resource).origin}/`;
  const forResource = audiences.some((a) => strip(a) === strip(resource) || strip(a) === strip(base));
  const zoneAudience = expected.zoneUrl !== undefined && audiences.some((a) => strip(a) === strip(expected.zoneUrl!));
  const resourceClaim = typeof claims.resource === 'string' ? claims.resource : undefined;
  if (forResource) {
    checks.push(pass(`token aud ${audiences.join(' ')} names ${resource}`));
  } else if (zoneAudience && resourceClaim && strip(resourceClaim) === strip(resource)) {
    checks.push(pass(`token aud is the zone and its resource claim names ${resource}`));
  } else {
    checks.push(
      fail(
        `token aud is ${audiences.join(' ') || '(none)'}${resourceClaim ? `, resource ${resourceClaim}` : ''}; the server is ${resource}`,
        `the token was issued for another resource: the client must ask the zone for resource=${resource} (RFC 8707), i.e. be configured with exactly ${resource}`,
      ),
    );
  }
  const issuer = expected.issuer ?? expected.zoneUrl;
  if (issuer !== undefined) {
    checks.push(
      typeof claims.iss === 'string' && strip(claims.iss) === strip(issuer)
        ? pass(`token iss is ${claims.iss}`)
        : fail(`token iss is ${String(claims.iss)}, not ${issuer}`, 'the token comes from another zone: log in again against the zone the server names, or point the server at the right zone'),
    );
  }
  if (typeof claims.exp === 'number') {
    const left = claims.exp - Math.floor(Date.now() / 1000);
    checks.push(left > 0 ? pass(`token expires in ${left} s`) : fail(`token expired ${-left} s ago`, 'get a new token (log in again or refresh)'));
  }
  const scopes = [...list(claims.scope), ...list(claims.scp)];
  const required = list(expected.challengeScope);
  const missing = required.filter((s) => !scopes.includes(s));
  checks.push(
    missing.length === 0
      ? pass(`token scopes: ${scopes.join(' ') || '(none)'}`)
      : fail(`token scopes ${scopes.join(' ') || '(none)'} lack ${missing.join(' ')}`, `the endpoint requires ${required.join(' ')}: log in asking for it (scope=${required.join(' ')})`),
  );

  const answer = await http.request(expected.mcpUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
  const params = isFailure(answer) ? undefined : bearerParams(answer.headers.get('www-authenticate'));
  if (!isFailure(answer) && answer.status !== 401 && answer.status !== 403) {
    checks.push(pass(`the server accepts the token (POST ${expected.mcpUrl} → ${answer.status})`));
  } else {
    const reason = params?.error_description ?? params?.error ?? describeAnswer(answer);
    checks.push(fail(`the server refuses the token: ${isFailure(answer) ? reason : `${answer.status} — ${reason}`}`, 'see the lines above; the README troubleshooting table explains each error_description'));
  }
  return checks;
}
