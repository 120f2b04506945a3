import { fail, pass, type DoctorCheck } from './doctor-check.js';
import { describeAnswer, isFailure, type DoctorHttp } from './doctor-http.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** What the zone probes found, for the token probe. */
export interface ZoneFindings {
  readonly checks: DoctorCheck[];
  readonly issuer?: string;
}

const strip = (url: string) => url.replace(/\/+$/, '');

/**
 * Probes the zone the server names: its RFC 8414 metadata (OpenID configuration as a
 * fallback), the issuer, the key set, PKCE S256, token exchange (for `@Grant`), and how
 * clients can get a client id (dynamic registration or Client ID Metadata Documents).
 */
export async function probeZone(http: DoctorHttp, zoneUrl: string): Promise<ZoneFindings> {
  const checks: DoctorCheck[] = [];
  const base = strip(zoneUrl);
  let answer = await http.request(`${base}/.well-known/oauth-authorization-server`);
  if (!isFailure(answer) && answer.status === 404) answer = await http.request(`${base}/.well-known/openid-configuration`);
  const label = `zone metadata: GET ${answer.url} → ${describeAnswer(answer)}`;
  if (isFailure(answer) || answer.status !== 200 || !answer.json) {
    checks.push(
      fail(
        label,
        isFailure(answer)
          ? `the zone ${zoneUrl} does not answer: start it (npm run zone for a LocalZone) or fix KEYCARD_ZONE_URL / KEYCARD_ZONE_ID; the server answers 503 until it can reach it`
          : `${zoneUrl} serves no RFC 8414 metadata: KEYCARD_ZONE_URL must be the zone's URL (its issuer), not a page or an API under it`,
      ),
    );
    return { checks };
  }
  checks.push(pass(label));
  const metadata = answer.json;

  const issuer = typeof metadata.issuer === 'string' ? metadata.issuer : undefined;
  checks.push(
    issuer && strip(issuer) === base
      ? pass(`issuer is ${issuer}, the URL the server advertises`)
      : fail(`issuer is ${issuer ?? '(missing)'}, not ${zoneUrl}`, `set the zone URL to its issuer: KEYCARD_ZONE_URL=${issuer ?? '<the issuer>'} (zoneUrl); clients and the server compare them exactly`),
  );

  const jwksUri = typeof metadata.jwks_uri === 'string' ? metadata.jwks_uri : undefined;
  if (!jwksUri) {
    checks.push(fail('the zone metadata has no jwks_uri', 'the server cannot verify tokens without the zone keys: use a zone that publishes jwks_uri'));
  } else {
    const jwks = await http.request(jwksUri);
    const keys = !isFailure(jwks) && Array.isArray(jwks.json?.keys) ? (jwks.json.keys as unknown[]) : [];
    checks.push(
      keys.length > 0
        ? pass(`jwks_uri ${jwksUri} → ${keys.length} key(s)`)
        : fail(`jwks_uri ${jwksUri} → ${describeAnswer(jwks)}, no keys`, 'the zone publishes no signing keys where its metadata says: check the zone (tokens cannot be verified)'),
    );
  }

  const methods = Array.isArray(metadata.code_challenge_methods_supported) ? metadata.code_challenge_methods_supported : [];
  checks.push(
    methods.includes('S256')
      ? pass('PKCE S256 supported')
      : fail(`code_challenge_methods_supported is ${JSON.stringify(methods)}`, 'MCP clients refuse a zone that does not advertise PKCE S256: enable it in the zone'),
  );

  const grants = Array.isArray(metadata.grant_types_supported) ? metadata.grant_types_supported : [];
  checks.push(
    grants.includes(TOKEN_EXCHANGE)
      ? pass('token exchange (RFC 8693) supported, for @Grant')
      : fail('the zone does not advertise token exchange (RFC 8693)', '@Grant tools will get exchange errors: enable token exchange in the zone, or use a Keycard zone'),
  );

  const registration = typeof metadata.registration_endpoint === 'string';
  const cimd = metadata.client_id_metadata_document_supported === true;
  checks.push(
    registration || cimd
      ? pass(`clients can get a client id: ${[registration && 'dynamic registration', cimd && 'Client ID Metadata Documents'].filter(Boolean).join(', ')}`)
      : fail('the zone offers neither dynamic client registration nor Client ID Metadata Documents', 'clients need a pre-registered client id then: register one in the zone and configure it in each client'),
  );
  return { checks, issuer };
}
