import type { KeycardAuthInfo, KeycardTokenClaims, KeycardUser } from '../auth/keycard-user.interface.js';
import {
  DEFAULT_FAKE_CLIENT_ID,
  DEFAULT_FAKE_SUBJECT,
  DEFAULT_FAKE_TOKEN_LIFETIME_SECONDS,
  TESTING_MCP_BASE_URL,
  TESTING_ZONE_URL,
} from './testing.constants.js';

/** The caller a test pretends to be (what `FakeKeycardGuard` admits). */
export interface FakeKeycardUserOptions {
  /**
   * The subject (`sub`).
   * @default 'test-user'
   */
  readonly sub?: string;
  /**
   * The OAuth client the token was issued to (`client_id`).
   * @default 'test-client'
   */
  readonly clientId?: string;
  /**
   * The token's scopes (also written to the `scope` claim).
   * @default []
   */
  readonly scopes?: readonly string[];
  /**
   * More claims, e.g. `{ email: 'alice@example.com' }`. They may replace `iss`, `aud` and `iat`;
   * `sub`, `exp`, `scope` and `client_id` always follow the options above.
   * @default {}
   */
  readonly claims?: Readonly<Record<string, unknown>>;
  /**
   * The bearer token handed to grants (`req.auth.token`, `ctx.http.authInfo.token`).
   * @default an unsigned JWT (`alg: none`) carrying the claims: readable, never accepted by a real verifier
   */
  readonly token?: string;
  /**
   * Expiry of the token, in seconds since the epoch.
   * @default one hour after the request
   */
  readonly expiresAt?: number;
  /**
   * The MCP resource URL the request counts as accepted for.
   * @default the request's own URL (`http://<host><path>`)
   */
  readonly resource?: string;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An unsigned compact JWT (`alg: none`, empty signature): decodable, never verifiable. */
function unsignedJwt(claims: KeycardTokenClaims): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
}

/**
 * The `KeycardUser` the fake guard writes to `req.user`: the same shape `KeycardAuthGuard`
 * produces from a verified token. `resource` is used when the options name none.
 */
export function fakeKeycardUser(options: FakeKeycardUserOptions = {}, resource = `${TESTING_MCP_BASE_URL}mcp`): KeycardUser {
  const now = Math.floor(Date.now() / 1000);
  const sub = options.sub ?? DEFAULT_FAKE_SUBJECT;
  const clientId = options.clientId ?? DEFAULT_FAKE_CLIENT_ID;
  const scopes = Object.freeze([...(options.scopes ?? [])]);
  const expiresAt = options.expiresAt ?? now + DEFAULT_FAKE_TOKEN_LIFETIME_SECONDS;
  const acceptedFor = options.resource ?? resource;
  const claims: KeycardTokenClaims = Object.freeze({
    iss: TESTING_ZONE_URL,
    aud: acceptedFor,
    iat: now,
    ...options.claims,
    sub,
    exp: expiresAt,
    client_id: clientId,
    ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
  });
  return Object.freeze({
    sub,
    clientId,
    scopes,
    claims,
    token: options.token ?? unsignedJwt(claims),
    expiresAt,
    resource: acceptedFor,
  });
}

/** The MCP SDK `AuthInfo` the guard writes to `req.auth` for `user`, as `KeycardAuthGuard` does. */
export function fakeAuthInfo(user: KeycardUser): KeycardAuthInfo {
  const resource = new URL(user.resource);
  const path = resource.pathname === '/' ? '' : resource.pathname.replace(/\/$/, '');
  return {
    token: user.token,
    clientId: user.clientId ?? '',
    scopes: [...user.scopes],
    expiresAt: user.expiresAt,
    resource,
    resourceMetadataUrl: `${resource.origin}/.well-known/oauth-protected-resource${path}`,
    extra: { sub: user.sub, claims: user.claims },
  };
}
