import type { OidcClient, OidcKoaContext, OidcMiddleware, OidcTokenInstance } from 'oidc-provider';

import { devLoginMiddleware } from './dev-login.middleware.js';
import type { FaultInjector } from './fault-injector.js';
import type { InteractionCookieRelay } from './interaction-cookie-relay.js';
import { INTERACTION_TTL_SECONDS } from './interaction-cookie-relay.js';
import { INTERACTION_PATH_PREFIX, ROUTES, SIGNING_ALG } from './local-zone.constants.js';
import type { LocalZoneTokenStyle, LocalZoneUser } from './local-zone-options.interface.js';
import { Provider } from './oidc-provider.loader.js';
import { memoryStoreAdapterFactory, type MemoryStore } from './memory-store.adapter.js';
import { registerTokenExchangeGrant } from './token-exchange.grant.js';
import type { ZoneKeys } from './zone-keys.js';
import { splitScope, type ZoneScopes } from './zone-scopes.js';

const DAY = 24 * 60 * 60;

/** Everything a zone's oidc-provider instance is built from; it outlives rebuilds. */
export interface ZoneProviderDeps {
  readonly issuer: string;
  readonly keys: ZoneKeys;
  readonly store: MemoryStore;
  readonly cookieKeys: readonly string[];
  readonly tokenStyle: LocalZoneTokenStyle;
  readonly accessTokenTtlSeconds: number;
  readonly scopes: ZoneScopes;
  readonly faults: FaultInjector;
  readonly cookies: InteractionCookieRelay;
  readonly user: () => LocalZoneUser;
  /** Whether this client may exchange substitute-user tokens (impersonation policy). */
  readonly substituteUserAllowed: (clientId: string) => boolean;
  /** Runs around every request oidc-provider handles (records answers). */
  readonly observe: OidcMiddleware;
  /** oidc-provider's internal errors and Koa errors. */
  readonly onServerError: (err: unknown) => void;
}

function resourceServerInfo(deps: ZoneProviderDeps, ctx: OidcKoaContext, resource: string, client?: OidcClient) {
  deps.scopes.learn(splitScope(ctx.oidc?.params?.scope));
  return {
    scope: deps.scopes.forClient(client?.scope).join(' '),
    audience: deps.tokenStyle === 'keycard' ? deps.issuer : resource,
    accessTokenFormat: 'jwt',
    accessTokenTTL: deps.accessTokenTtlSeconds,
    jwt: { sign: { alg: SIGNING_ALG, kid: deps.keys.current.kid } },
  };
}

function accountClaims(deps: ZoneProviderDeps, accountId: string): Record<string, unknown> {
  const user = deps.user();
  return { ...(user.sub === accountId ? user.claims : undefined), sub: accountId };
}

/**
 * Builds the oidc-provider instance of a zone. Called at start and again after a key
 * rotation or when new scopes must be known; the store keeps clients, grants and
 * sessions across rebuilds.
 */
export function createZoneProvider(deps: ZoneProviderDeps): Provider {
  const ttl = deps.accessTokenTtlSeconds;
  const provider = new Provider(deps.issuer, {
    adapter: memoryStoreAdapterFactory(deps.store),
    jwks: deps.keys.privateJwks,
    cookies: {
      keys: [...deps.cookieKeys],
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    routes: { ...ROUTES },
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture'],
      email: ['email', 'email_verified'],
    },
    scopes: deps.scopes.providerScopes(),
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: SIGNING_ALG,
    },
    pkce: { required: () => true },
    // Clients may name themselves by the URL of their metadata (MCP 2025-11-25); the zone's
    // front fetches the document and registers the client before oidc-provider sees it.
    discovery: { client_id_metadata_document_supported: true },
    // A development zone: any browser origin may call it.
    clientBasedCORS: () => true,
    features: {
      devInteractions: { enabled: false },
      // Keycard zones issue Bearer tokens: no DPoP binding, no PAR.
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      registration: { enabled: true, initialAccessToken: false },
      clientCredentials: { enabled: true },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // Without a `resource`, tokens are for the zone itself: every access token is a JWT.
        defaultResource: async (_ctx: OidcKoaContext, _client: OidcClient, oneOf?: string[]) =>
          oneOf ? (oneOf.length === 1 ? oneOf[0] : oneOf) : deps.issuer,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx: OidcKoaContext, resource: string, client?: OidcClient) =>
          resourceServerInfo(deps, ctx, resource, client),
      },
    },
    extraTokenClaims: async (_ctx: OidcKoaContext, token: OidcTokenInstance) => {
      const resource = token.resourceServer?.identifier();
      return deps.tokenStyle === 'keycard' && resource && resource !== deps.issuer ? { resource } : undefined;
    },
    findAccount: async (_ctx: OidcKoaContext, accountId: string) => ({
      accountId,
      claims: async () => accountClaims(deps, accountId),
    }),
    interactions: { url: async (_ctx: OidcKoaContext, interaction: { uid: string }) => `${INTERACTION_PATH_PREFIX}${interaction.uid}` },
    issueRefreshToken: async (_ctx: OidcKoaContext, client: OidcClient) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: ttl,
      ClientCredentials: ttl,
      IdToken: ttl,
      AuthorizationCode: 300,
      RefreshToken: 14 * DAY,
      Interaction: INTERACTION_TTL_SECONDS,
      Session: DAY,
      Grant: 14 * DAY,
    },
    renderError: async (ctx: OidcKoaContext, out: Record<string, unknown>) => {
      ctx.type = 'json';
      ctx.body = out;
    },
    // oidc-provider refuses to fetch special-use addresses (SSRF protection); a loopback
    // zone must fetch loopback `jwks_uri`s, so its dispatcher is dropped.
    fetch: (url: string, options: Record<string, unknown>) => {
      const { dispatcher: _dispatcher, ...rest } = options;
      return globalThis.fetch(url, rest as RequestInit);
    },
  });

  provider.on('server_error', (_ctx, err) => deps.onServerError(err));
  provider.on('error', (err) => deps.onServerError(err));

  provider.use(deps.observe);
  provider.use(devLoginMiddleware(provider, { userSub: () => deps.user().sub, cookies: deps.cookies }));
  registerTokenExchangeGrant(provider, {
    issuer: deps.issuer,
    keys: deps.keys,
    scopes: deps.scopes,
    faults: deps.faults,
    accessTokenTtlSeconds: ttl,
    substituteUserAllowed: deps.substituteUserAllowed,
  });
  return provider;
}
