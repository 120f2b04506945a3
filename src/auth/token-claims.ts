import type { KeycardConfig } from '../config/keycard-options.interface.js';
import { withoutTrailingSlash } from '../config/zone-url.js';
import type { KeycardTokenClaims } from './keycard-user.interface.js';
import { TokenRejectedError } from './token-verification.errors.js';

/** The parts of the configuration the claim checks read. */
export type ClaimCheckConfig = Pick<
  KeycardConfig,
  'issuer' | 'zoneUrl' | 'audiences' | 'mcpBaseUrl' | 'resources' | 'clockToleranceSeconds'
>;

/** Outcome of the audience check: which MCP resource the token is for, when it names one. */
export interface AudienceMatch {
  /** A configured resource URL, or `undefined` when the token names the MCP base URL or an extra audience. */
  readonly resourceUrl: string | undefined;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

function sameUrl(a: string, b: string): boolean {
  return withoutTrailingSlash(a) === withoutTrailingSlash(b);
}

/** `scope` (space separated) and `scp` (array, or a space-separated string), without duplicates. */
export function readScopes(claims: Record<string, unknown>): string[] {
  const scopes = new Set<string>();
  for (const value of [...strings(claims.scope), ...strings(claims.scp)]) {
    for (const scope of value.split(/\s+/)) if (scope) scopes.add(scope);
  }
  return [...scopes];
}

/** The required scopes the granted ones do not include. */
export function missingScopes(granted: readonly string[], required: readonly string[]): string[] {
  const have = new Set(granted);
  return [...new Set(required)].filter((scope) => !have.has(scope));
}

/** `iss` must be the zone (a trailing slash on either side is ignored). */
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
 * MCP servers accept only tokens meant for themselves. Accepted when `aud` (string or
 * array) contains one of the configured audiences (resource URLs and the MCP base URL, with
 * or without trailing slash, and the extra audiences); or when `aud` names the zone itself
 * and the `resource` claim names one of this server's resource URLs or its base URL (the
 * shape of Keycard's login tokens).
 */
export function matchAudience(claims: Record<string, unknown>, config: ClaimCheckConfig): AudienceMatch {
  const audiences = strings(claims.aud);
  const resourceFor = (url: string): string | undefined =>
    config.resources.find((resource) => sameUrl(resource.resourceUrl, url))?.resourceUrl;

  const accepted = audiences.find((audience) => config.audiences.includes(audience));
  if (accepted !== undefined) return { resourceUrl: resourceFor(accepted) };

  if (audiences.some((audience) => sameUrl(audience, config.zoneUrl))) {
    const ours = [config.mcpBaseUrl, ...config.resources.map((resource) => resource.resourceUrl)];
    const named = strings(claims.resource).find((value) => ours.some((url) => sameUrl(url, value)));
    if (named !== undefined) return { resourceUrl: resourceFor(named) };
    throw new TokenRejectedError('the token was issued for another resource');
  }
  throw new TokenRejectedError('the token was issued for another audience');
}

/** `sub` must be a non-empty string. */
function checkSubject(claims: Record<string, unknown>): void {
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new TokenRejectedError('the token has no subject (sub)');
}

/** Every claim check, in order; returns the claims typed and the matched resource. */
export function checkClaims(
  payload: unknown,
  config: ClaimCheckConfig,
  nowSeconds: number,
): { claims: KeycardTokenClaims; audience: AudienceMatch } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TokenRejectedError('the token payload is not a JSON object');
  }
  const claims = payload as Record<string, unknown>;
  checkIssuer(claims, config);
  checkTimes(claims, config, nowSeconds);
  const audience = matchAudience(claims, config);
  checkSubject(claims);
  return { claims: claims as KeycardTokenClaims, audience };
}
