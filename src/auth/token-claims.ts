import type { KeycardConfig, KeycardResourceConfig } from '../config/keycard-options.interface.js';
import { sameUrl } from '../config/zone-url.js';
import type { KeycardTokenClaims } from './keycard-user.interface.js';
import { TokenRejectedError } from './token-verification.errors.js';

/** The parts of the configuration the claim checks read. */
export type ClaimCheckConfig = Pick<
  KeycardConfig,
  'issuer' | 'zoneUrl' | 'extraAudiences' | 'mcpBaseUrl' | 'clockToleranceSeconds'
>;

/** Outcome of the audience check: the MCP endpoint (resource) the token was accepted for. */
export interface AudienceMatch {
  /** The resource URL of the endpoint the request hit (the only one the token can be accepted for). */
  readonly resourceUrl: string;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

/**
 * `scope` (space separated) and `scp` (array, or a space-separated string), without duplicates.
 * Split on the space character only (RFC 6749 §3.3): other whitespace (tab, NBSP, U+3000,
 * U+FEFF, ...) is part of a scope, so `"readonly\u00a0admin"` is one scope, not `admin`.
 */
export function readScopes(claims: Record<string, unknown>): string[] {
  const scopes = new Set<string>();
  for (const value of [...strings(claims.scope), ...strings(claims.scp)]) {
    for (const scope of value.split(' ')) if (scope) scopes.add(scope);
  }
  return [...scopes];
}

/** The required scopes the granted ones do not include. */
export function missingScopes(granted: readonly string[], required: readonly string[]): string[] {
  const have = new Set(granted);
  return [...new Set(required)].filter((scope) => !have.has(scope));
}

/** `iss` must be the zone, exactly, up to one trailing slash. */
function checkIssuer(claims: Record<string, unknown>, config: ClaimCheckConfig): void {
  if (typeof claims.iss !== 'string' || !sameUrl(claims.iss, config.issuer)) {
    throw new TokenRejectedError('the token was not issued by the configured authorization server');
  }
}

/** `exp` required and in the future; `nbf` and `iat` (when present) not in the future; with the clock tolerance. */
export function checkTimes(claims: Record<string, unknown>, config: ClaimCheckConfig, nowSeconds: number): void {
  const tolerance = config.clockToleranceSeconds;
  const { exp, nbf, iat } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new TokenRejectedError('the token has no expiry (exp)');
  if (exp <= nowSeconds - tolerance) throw new TokenRejectedError('the token has expired');
  if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) {
    throw new TokenRejectedError('the token has an invalid nbf claim');
  }
  if (typeof nbf === 'number' && nbf > nowSeconds + tolerance) throw new TokenRejectedError('the token is not valid yet (nbf)');
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) {
    throw new TokenRejectedError('the token has an invalid iat claim');
  }
  if (typeof iat === 'number' && iat > nowSeconds + tolerance) throw new TokenRejectedError('the token is issued in the future (iat)');
}

/**
 * Whether `audience` is accepted at `endpoint`: the endpoint's resource URL or the MCP base
 * URL (up to one trailing slash), or one of the extra audiences (exactly). The base URL and
 * the extra audiences are server-wide; a resource URL is accepted at its own endpoint only.
 */
function isEndpointAudience(audience: string, endpoint: KeycardResourceConfig, config: ClaimCheckConfig): boolean {
  return sameUrl(audience, endpoint.resourceUrl) || sameUrl(audience, config.mcpBaseUrl) || config.extraAudiences.includes(audience);
}

/**
 * MCP servers accept only tokens meant for themselves, and each MCP endpoint only tokens
 * meant for it. `endpoint` is the MCP resource of the request (the one its challenge names,
 * `KeycardTokenVerifier.resourceForRequest`). Accepted when `aud` (string or array) names
 * the endpoint, the MCP base URL or an extra audience; or when `aud` names the zone itself
 * and the `resource` claim names the endpoint or the MCP base URL (the shape of Keycard's
 * login tokens). A token for another endpoint of this server is refused.
 *
 * The one audience rule: the full verification and the verified-token cache both call it.
 */
export function matchAudience(claims: Record<string, unknown>, config: ClaimCheckConfig, endpoint: KeycardResourceConfig): AudienceMatch {
  const audiences = strings(claims.aud);
  if (audiences.some((audience) => isEndpointAudience(audience, endpoint, config))) return { resourceUrl: endpoint.resourceUrl };

  if (audiences.some((audience) => sameUrl(audience, config.zoneUrl))) {
    const named = strings(claims.resource).some((value) => sameUrl(value, endpoint.resourceUrl) || sameUrl(value, config.mcpBaseUrl));
    if (named) return { resourceUrl: endpoint.resourceUrl };
    throw new TokenRejectedError('the token was issued for another resource');
  }
  throw new TokenRejectedError('the token was issued for another audience');
}

/** `sub` must be a non-empty string. */
function checkSubject(claims: Record<string, unknown>): void {
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new TokenRejectedError('the token has no subject (sub)');
}

/** Every claim check, in order, for a request to `endpoint`; returns the claims typed and the matched resource. */
export function checkClaims(
  payload: unknown,
  config: ClaimCheckConfig,
  nowSeconds: number,
  endpoint: KeycardResourceConfig,
): { claims: KeycardTokenClaims; audience: AudienceMatch } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TokenRejectedError('the token payload is not a JSON object');
  }
  const claims = payload as Record<string, unknown>;
  checkIssuer(claims, config);
  checkTimes(claims, config, nowSeconds);
  const audience = matchAudience(claims, config, endpoint);
  checkSubject(claims);
  return { claims: claims as KeycardTokenClaims, audience };
}
