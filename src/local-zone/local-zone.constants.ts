/** RFC 8693 grant type. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** RFC 8693 token type identifiers LocalZone accepts and issues. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** Keycard's subject token type for impersonation: an unsigned token naming the user (`{"sub": id}`). */
export const SUBSTITUTE_USER_TOKEN_TYPE = 'urn:keycard:params:oauth:token-type:substitute-user';
/** The `typ` header of a substitute-user token. */
export const SUBSTITUTE_USER_JWT_TYP = 'vnd.kc.su+jwt';

/** RFC 7523 client assertion type. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Default port of the `npm run zone` CLI. */
export const DEFAULT_CLI_PORT = 9999;

/** Signing algorithm of every token LocalZone issues. */
export const SIGNING_ALG = 'RS256';

/** Default development user (the automatic login signs this subject in). */
export const DEFAULT_USER_SUB = 'local-user';

/** Default number of token-exchange requests a zone keeps in `exchangeRequests`. */
export const DEFAULT_MAX_EXCHANGE_RECORDS = 10_000;

/** Default lifetime of issued access tokens, in seconds. */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600;

/**
 * Confidential demo client, registered in every zone unless `demoClients: false`:
 * client_secret_basic or client_secret_post; grants client_credentials, token exchange,
 * authorization_code (+ PKCE) and refresh_token; redirect URIs on loopback.
 */
export const DEMO_CLIENT_ID = 'demo-client';
export const DEMO_CLIENT_SECRET = 'demo-secret';

/**
 * Public demo client (token_endpoint_auth_method `none`), registered in every zone unless
 * `demoClients: false`: authorization_code (+ PKCE) and refresh_token; native application,
 * so any port on `http://127.0.0.1/...` or `http://localhost/...` redirect URIs matches.
 */
export const DEMO_PUBLIC_CLIENT_ID = 'demo-public';

/** Redirect URIs registered for both demo clients. */
export const DEMO_REDIRECT_URIS: readonly string[] = [
  'http://127.0.0.1/callback',
  'http://localhost/callback',
];

/** Internal public client used for unauthenticated exchanges when `allowAnonymousExchange` is on. */
export const ANONYMOUS_EXCHANGE_CLIENT_ID = 'local-zone-anonymous-exchange';

/** Path of the automatic development login (oidc-provider "interaction"). */
export const INTERACTION_PATH_PREFIX = '/interaction/';

/** oidc-provider route paths LocalZone configures. */
export const ROUTES = {
  authorization: '/auth',
  token: '/token',
  jwks: '/jwks',
  registration: '/reg',
} as const;

/** Scopes that belong to OpenID Connect itself, never to a resource server. */
export const OIDC_SCOPES: readonly string[] = ['openid', 'offline_access', 'profile', 'email'];

/** Largest request body LocalZone reads before oidc-provider sees it. */
export const MAX_BODY_BYTES = 64 * 1024;
