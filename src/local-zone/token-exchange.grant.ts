import { randomUUID } from 'node:crypto';

import type { OidcClient, OidcKoaContext, Provider } from 'oidc-provider';

import type { FaultInjector } from './fault-injector.js';
import {
  ACCESS_TOKEN_TYPE,
  ANONYMOUS_EXCHANGE_CLIENT_ID,
  JWT_TOKEN_TYPE,
  SUBSTITUTE_USER_JWT_TYP,
  SUBSTITUTE_USER_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT_TYPE,
} from './local-zone.constants.js';
import { errors } from './oidc-provider.loader.js';
import { JwtRejectedError, rejectionReason } from './zone-jwt.js';
import type { ZoneKeys } from './zone-keys.js';
import { splitScope, type ZoneScopes } from './zone-scopes.js';

/** Form parameters of an RFC 8693 request. */
const PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
  'resource',
  'audience',
  'scope',
];

/** Parameters that may repeat. */
const REPEATABLE = ['resource', 'audience'];

const ACCEPTED_TOKEN_TYPES = new Set([ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE]);
const ACCEPTED_SUBJECT_TOKEN_TYPES = new Set([ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE, SUBSTITUTE_USER_TOKEN_TYPE]);

export interface TokenExchangeDeps {
  readonly issuer: string;
  readonly keys: ZoneKeys;
  readonly scopes: ZoneScopes;
  readonly faults: FaultInjector;
  readonly accessTokenTtlSeconds: number;
  /** Impersonation policy: may this client exchange substitute-user tokens? */
  readonly substituteUserAllowed: (clientId: string) => boolean;
}

function invalidRequest(description: string): Error {
  return new errors.InvalidRequest(description);
}

function invalidGrant(description: string): Error {
  const err = new errors.InvalidGrant();
  err.error_description = description;
  return err;
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function many(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  return typeof value === 'string' && value.length > 0 ? [value] : [];
}

function checkResource(resource: string): void {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw new errors.InvalidTarget(`resource indicator must be an absolute URI: ${resource}`);
  }
  if (url.hash || resource.includes('#')) {
    throw new errors.InvalidTarget(`resource indicator must not contain a fragment: ${resource}`);
  }
}

/**
 * RFC 8693 token exchange: validates the `subject_token` (a JWT this zone signed, not
 * expired), requires `resource`, and issues a JWT access token with `aud` = the resource,
 * `sub` = the subject's `sub`, `scope` as requested (within what the client may ask).
 */
export function registerTokenExchangeGrant(provider: Provider, deps: TokenExchangeDeps): void {
  provider.registerGrantType(TOKEN_EXCHANGE_GRANT_TYPE, (ctx) => handleTokenExchange(ctx, deps), PARAMETERS, REPEATABLE);
}

async function handleTokenExchange(ctx: OidcKoaContext, deps: TokenExchangeDeps): Promise<void> {
  const oidc = ctx.oidc;
  const params = oidc?.params ?? {};
  const client = oidc?.client;

  const subjectToken = single(params.subject_token);
  if (!subjectToken) throw invalidRequest('missing required parameter subject_token');
  const subjectTokenType = single(params.subject_token_type);
  if (!subjectTokenType) throw invalidRequest('missing required parameter subject_token_type');
  if (!ACCEPTED_SUBJECT_TOKEN_TYPES.has(subjectTokenType)) {
    throw invalidRequest(`unsupported subject_token_type ${subjectTokenType}`);
  }
  const requestedTokenType = single(params.requested_token_type);
  if (requestedTokenType && !ACCEPTED_TOKEN_TYPES.has(requestedTokenType)) {
    throw invalidRequest(`unsupported requested_token_type ${requestedTokenType}`);
  }
  if (single(params.actor_token) && !single(params.actor_token_type)) {
    throw invalidRequest('actor_token_type is required with actor_token');
  }

  const resources = many(params.resource);
  if (resources.length === 0) throw invalidRequest('missing required parameter resource');
  resources.forEach(checkResource);

  let subject: Record<string, unknown>;
  let actor: Record<string, unknown> | undefined;
  if (subjectTokenType === SUBSTITUTE_USER_TOKEN_TYPE) {
    subject = substituteUser(subjectToken, client, deps);
    actor = { sub: client?.clientId };
  } else {
    try {
      subject = await deps.keys.verify(subjectToken, { issuer: deps.issuer, requiredClaims: ['exp', 'sub'] });
    } catch (err) {
      if (err instanceof JwtRejectedError) throw invalidGrant(`subject_token is invalid: ${rejectionReason(err)}`);
      throw err;
    }
  }

  const requestedScopes = [...new Set(splitScope(params.scope))];
  const disallowed = deps.scopes.firstDisallowed(requestedScopes, client?.scope);
  if (disallowed !== undefined) throw new errors.InvalidScope('requested scope is not allowed', disallowed);
  deps.scopes.learn(requestedScopes);

  const failure = deps.faults.resourceFailure(resources);
  if (failure) {
    const err = new errors.CustomOIDCProviderError(failure.error, failure.errorDescription);
    err.status = failure.status;
    err.statusCode = failure.status;
    throw err;
  }

  const now = Math.floor(Date.now() / 1000);
  const ttl = deps.accessTokenTtlSeconds;
  const clientId = client && client.clientId !== ANONYMOUS_EXCHANGE_CLIENT_ID ? client.clientId : undefined;
  const scope = requestedScopes.length ? requestedScopes.join(' ') : undefined;
  const accessToken = await deps.keys.sign(
    withoutUndefined({
      iss: deps.issuer,
      sub: subject.sub,
      aud: resources.length === 1 ? resources[0] : resources,
      iat: now,
      exp: now + ttl,
      jti: randomUUID(),
      scope,
      client_id: clientId,
      // RFC 8693 §4.1: the client acting for the impersonated user.
      act: actor,
    }),
  );

  ctx.body = withoutUndefined({
    access_token: accessToken,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: ttl,
    scope,
  });
}

function unauthorizedClient(description: string): Error {
  const err = new errors.CustomOIDCProviderError('unauthorized_client', description);
  err.status = 400;
  err.statusCode = 400;
  return err;
}

/**
 * Impersonation: checks the policy (a confidential client on the `substituteUserClients`
 * list), then reads the unsigned substitute-user token: header `{"typ":"vnd.kc.su+jwt","alg":"none"}`,
 * payload with a non-empty `sub`, empty signature. Returns its claims.
 */
function substituteUser(token: string, client: OidcClient | undefined, deps: TokenExchangeDeps): Record<string, unknown> {
  if (!client || client.clientId === ANONYMOUS_EXCHANGE_CLIENT_ID || client.clientAuthMethod === 'none') {
    throw unauthorizedClient('substitute-user exchanges are only accepted from authenticated confidential clients');
  }
  if (!deps.substituteUserAllowed(client.clientId)) {
    throw unauthorizedClient(`client ${client.clientId} may not impersonate users (not in the zone's substitute-user policy)`);
  }
  const parts = token.split('.');
  if (parts.length !== 3 || parts[2] !== '') {
    throw invalidGrant('substitute-user token must be an unsigned JWT: header.payload. (empty signature)');
  }
  const header = decodeJson(parts[0] as string);
  const payload = decodeJson(parts[1] as string);
  if (!header || header.typ !== SUBSTITUTE_USER_JWT_TYP || header.alg !== 'none') {
    throw invalidGrant(`substitute-user token header must be {"typ":"${SUBSTITUTE_USER_JWT_TYP}","alg":"none"}`);
  }
  if (!payload || typeof payload.sub !== 'string' || payload.sub.length === 0) {
    throw invalidGrant('substitute-user token must name the user in a non-empty "sub"');
  }
  return { sub: payload.sub };
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function withoutUndefined(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}
