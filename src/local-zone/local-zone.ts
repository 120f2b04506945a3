import type { IncomingMessage, ServerResponse } from 'node:http';

import type { OidcError, Provider } from 'oidc-provider';

import { mintAccessToken } from './access-token-minter.js';
import { ClientConsentPolicy } from './client-consent.policy.js';
import { randomSecret, withClientDefaults } from './client-metadata.defaults.js';
import { FaultInjector } from './fault-injector.js';
import { InteractionCookieRelay } from './interaction-cookie-relay.js';
import {
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_MAX_EXCHANGE_RECORDS,
  DEFAULT_USER_SUB,
  ROUTES,
} from './local-zone.constants.js';
import { LocalZoneError } from './local-zone.error.js';
import type {
  LocalZoneClientMetadata,
  LocalZoneRegisteredClient,
  LocalZoneWorkloadIdentity,
} from './local-zone-client.interface.js';
import { anonymousExchangeClientMetadata, demoClientMetadata } from './local-zone-demo-clients.js';
import type { LocalZoneFault, LocalZoneFaultTarget } from './local-zone-fault.interface.js';
import type { LocalZoneJwks, LocalZoneOptions, LocalZoneTokenStyle, LocalZoneUser } from './local-zone-options.interface.js';
import { validateLocalZoneOptions } from './local-zone-options.validation.js';
import type { ExchangeRequestRecord, LocalZoneRequestCounts } from './local-zone-records.interface.js';
import { MemoryStore } from './memory-store.adapter.js';
import type { MintAccessTokenOptions } from './mint-access-token-options.interface.js';
import { RequestRecorder } from './request-recorder.js';
import { WorkloadIdentityRegistry } from './workload-identity.registry.js';
import { ZoneHttpFront } from './zone-http-front.js';
import { LOOPBACK_HOST, ZoneHttpServer } from './zone-http-server.js';
import { ZoneKeys } from './zone-keys.js';
import { createZoneProvider } from './zone-provider.factory.js';
import { splitScope, ZoneScopes } from './zone-scopes.js';

/**
 * A real OAuth 2.1 authorization server on 127.0.0.1 (oidc-provider) that stands in for a
 * Keycard zone in tests, benchmarks and the demo: RFC 8414 / OIDC discovery, JWKS,
 * authorization code + PKCE with an automatic development login, dynamic client
 * registration, client credentials, refresh tokens and RFC 8693 token exchange, plus
 * test hooks (mint tokens, read exchange requests, inject faults, rotate keys).
 *
 * ```ts
 * const zone = await LocalZone.start();
 * // ... point the app at zone.zoneUrl, e.g. with the demo client `demo-client` / `demo-secret` ...
 * await zone.stop();
 * ```
 */
export class LocalZone {
  /** Shape of the login tokens this zone issues. */
  readonly tokenStyle: LocalZoneTokenStyle;

  private readonly store = new MemoryStore();
  private readonly faults = new FaultInjector();
  private readonly recorder: RequestRecorder;
  private readonly workloads = new WorkloadIdentityRegistry();
  private readonly cookies = new InteractionCookieRelay();
  private readonly cookieKeys = [randomSecret(), randomSecret()];
  private readonly scopes: ZoneScopes;
  private readonly ttlSeconds: number;
  private readonly errors: unknown[] = [];
  private readonly server: ZoneHttpServer;
  private readonly observe: ZoneHttpFront['observe'];
  private provider: Provider | undefined;
  private providerCallback: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  private boundPort = 0;
  private currentUser: LocalZoneUser;
  private substituteUserClients: ReadonlySet<string>;
  private stopping: Promise<void> | undefined;

  private constructor(
    options: LocalZoneOptions,
    private readonly keys: ZoneKeys,
  ) {
    this.tokenStyle = options.tokenStyle ?? 'resource';
    this.ttlSeconds = options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
    this.scopes = new ZoneScopes(options.scopes);
    this.recorder = new RequestRecorder(options.maxExchangeRecords ?? DEFAULT_MAX_EXCHANGE_RECORDS);
    this.currentUser = { sub: options.user?.sub ?? DEFAULT_USER_SUB, claims: { ...options.user?.claims } };
    this.substituteUserClients = new Set(options.substituteUserClients ?? []);
    const consent = new ClientConsentPolicy({
      store: this.store,
      scopes: this.scopes,
      learnScopes: (scopes) => this.learnScopes(scopes),
      registerClient: (metadata) => this.registerClient(metadata),
    });
    const front = new ZoneHttpFront({
      faults: this.faults,
      recorder: this.recorder,
      workloads: this.workloads,
      allowAnonymousExchange: options.allowAnonymousExchange ?? false,
      dispatch: (req, res) => this.dispatch(req, res),
      learnScopes: (scopes) => this.learnScopes(scopes),
      defaultScopeFor: (clientId) => this.defaultScopeFor(clientId),
      authorizeScopes: (clientId, scopes) => consent.authorizeScopes(clientId, scopes),
      resolveClientDocument: (clientId) => consent.resolveClientDocument(clientId),
    });
    this.observe = front.observe;
    this.server = new ZoneHttpServer(
      (req, res) => front.handle(req, res),
      (err) => this.errors.push(err),
    );
  }

  /** Starts a zone on 127.0.0.1 (by default on a free port). */
  static async start(options: LocalZoneOptions = {}): Promise<LocalZone> {
    validateLocalZoneOptions(options);
    const zone = new LocalZone(options, await ZoneKeys.create());
    zone.boundPort = await zone.server.listen(options.port ?? 0);
    try {
      zone.rebuildProvider();
      await zone.registerClient(anonymousExchangeClientMetadata());
      if (options.demoClients ?? true) {
        for (const metadata of demoClientMetadata()) await zone.registerClient(metadata);
      }
    } catch (err) {
      await zone.stop();
      throw err;
    }
    return zone;
  }

  /** The zone URL, which is also the issuer: `http://127.0.0.1:<port>`, no trailing slash. */
  get zoneUrl(): string {
    return `http://${LOOPBACK_HOST}:${this.boundPort}`;
  }

  /** Same as `zoneUrl`. */
  get issuer(): string {
    return this.zoneUrl;
  }

  get port(): number {
    return this.boundPort;
  }

  get tokenEndpoint(): string {
    return `${this.zoneUrl}${ROUTES.token}`;
  }

  get jwksUri(): string {
    return `${this.zoneUrl}${ROUTES.jwks}`;
  }

  get authorizationEndpoint(): string {
    return `${this.zoneUrl}${ROUTES.authorization}`;
  }

  get registrationEndpoint(): string {
    return `${this.zoneUrl}${ROUTES.registration}`;
  }

  /** RFC 8414 metadata URL. */
  get metadataUrl(): string {
    return `${this.zoneUrl}/.well-known/oauth-authorization-server`;
  }

  /** The user the automatic development login signs in. */
  get user(): LocalZoneUser {
    return { sub: this.currentUser.sub, claims: { ...this.currentUser.claims } };
  }

  /** Changes the development user for later logins. */
  setUser(user: LocalZoneUser): void {
    if (typeof user.sub !== 'string' || user.sub.length === 0) throw new LocalZoneError('user.sub must be a non-empty string');
    this.currentUser = { sub: user.sub, claims: { ...user.claims } };
  }

  /**
   * Impersonation policy: the confidential clients allowed to exchange substitute-user tokens
   * from now on (replaces the list given to `start()`; an empty list refuses every one).
   */
  setSubstituteUserClients(clientIds: readonly string[]): void {
    if (!Array.isArray(clientIds) || clientIds.some((c) => typeof c !== 'string' || c.length === 0)) {
      throw new LocalZoneError('substitute-user clients must be a list of client ids');
    }
    this.substituteUserClients = new Set(clientIds);
  }

  /** `kid` of the key that signs tokens now. */
  get currentKid(): string {
    return this.keys.current.kid;
  }

  /** The published key set (what `jwksUri` serves). */
  get jwks(): LocalZoneJwks {
    return this.keys.publicJwks;
  }

  /** Token-exchange requests received since start or the last `clearRecords()`, oldest first (the latest `maxExchangeRecords`). */
  get exchangeRequests(): readonly ExchangeRequestRecord[] {
    return this.recorder.exchangeRequests;
  }

  /** Number of token-exchange requests received since start or the last `clearRecords()` (all of them, even beyond `maxExchangeRecords`). */
  get exchangeCount(): number {
    return this.recorder.exchangeCount;
  }

  /** Requests received per endpoint since start or the last `clearRecords()`. */
  get requestCounts(): LocalZoneRequestCounts {
    return this.recorder.requestCounts;
  }

  /** Errors the zone hit while handling requests (oidc-provider server errors included). Empty when healthy. */
  get serverErrors(): readonly unknown[] {
    return [...this.errors];
  }

  /** Forgets the recorded exchange requests and request counts. */
  clearRecords(): void {
    this.recorder.clear();
  }

  /** Injects a fault into an endpoint (or `'all'`), replacing that target's previous fault. */
  setFault(target: LocalZoneFaultTarget, fault: LocalZoneFault): void {
    this.faults.set(target, fault);
  }

  /** Removes every fault (or one target's); hanging requests then proceed. */
  clearFaults(target?: LocalZoneFaultTarget): void {
    this.faults.clear(target);
  }

  /**
   * Generates a new signing key and makes it current. With `keepOld` (default `true`)
   * the previous keys stay in the JWKS; without, they are dropped (tokens they signed no
   * longer verify). Returns the new `kid`.
   */
  async rotateKeys(options: { keepOld?: boolean } = {}): Promise<string> {
    const kid = await this.keys.rotate(options.keepOld ?? true);
    this.rebuildProvider();
    return kid;
  }

  /** Signs an access token with the zone's current key (or `options.signingKey`); see `MintAccessTokenOptions`. */
  async mintAccessToken(options: MintAccessTokenOptions = {}): Promise<string> {
    return mintAccessToken(
      {
        zoneUrl: this.zoneUrl,
        keys: this.keys,
        tokenStyle: this.tokenStyle,
        userSub: this.currentUser.sub,
        ttlSeconds: this.ttlSeconds,
      },
      options,
    );
  }

  /** Registers (or replaces) a client; see `LocalZoneClientMetadata` for the defaults. */
  async registerClient(metadata: LocalZoneClientMetadata = {}): Promise<LocalZoneRegisteredClient> {
    const complete = withClientDefaults(metadata);
    if (this.scopes.learn(splitScope(complete.scope))) this.rebuildProvider();
    try {
      await this.requireProvider().Client.validate(complete);
    } catch (err) {
      const e = err as Partial<OidcError>;
      if (typeof e.error !== 'string') throw err;
      throw new LocalZoneError(`invalid client metadata for ${complete.client_id}: ${e.error_description ?? e.error}`, { cause: err });
    }
    this.store.set('Client', complete.client_id, { ...complete });
    return complete.client_secret === undefined
      ? { client_id: complete.client_id }
      : { client_id: complete.client_id, client_secret: complete.client_secret };
  }

  /**
   * Registers a workload identity (e.g. an AWS EKS service-account token signer): token
   * requests whose jwt-bearer `client_assertion` verifies against `jwks` authenticate as
   * `clientId`, which is (re-)registered as a confidential client for that purpose.
   */
  async registerWorkloadIdentity(identity: LocalZoneWorkloadIdentity): Promise<void> {
    if (!identity.clientId) throw new LocalZoneError('registerWorkloadIdentity: clientId is required');
    if (!Array.isArray(identity.jwks?.keys) || identity.jwks.keys.length === 0) {
      throw new LocalZoneError('registerWorkloadIdentity: jwks must contain at least one public key');
    }
    const internalSecret = randomSecret();
    await this.registerClient({
      ...identity.metadata,
      client_id: identity.clientId,
      client_secret: internalSecret,
      token_endpoint_auth_method: 'client_secret_post',
    });
    this.workloads.register(identity, internalSecret);
  }

  /** Stops listening and ends every open or hanging connection; resolves once the port is free. */
  async stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.faults.shutdown();
      await this.server.close();
    })();
    return this.stopping;
  }

  private requireProvider(): Provider {
    if (!this.provider) throw new LocalZoneError('LocalZone is not started');
    return this.provider;
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    const callback = this.providerCallback;
    if (!callback) {
      res.statusCode = 503;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'LocalZone is starting' }));
      return;
    }
    callback(req, res).catch((err: unknown) => this.errors.push(err));
  }

  private defaultScopeFor(clientId: string | undefined): string {
    const registered = clientId === undefined ? undefined : this.store.get(`Client:${clientId}`)?.scope;
    return typeof registered === 'string' && registered.trim() ? registered : 'openid';
  }

  private learnScopes(scopes: readonly string[]): void {
    if (this.scopes.learn(scopes)) this.rebuildProvider();
  }

  /** (Re)builds the oidc-provider instance: after a key rotation, or when new scopes must be known. */
  private rebuildProvider(): void {
    this.provider = createZoneProvider({
      issuer: this.zoneUrl,
      keys: this.keys,
      store: this.store,
      cookieKeys: this.cookieKeys,
      tokenStyle: this.tokenStyle,
      accessTokenTtlSeconds: this.ttlSeconds,
      scopes: this.scopes,
      faults: this.faults,
      cookies: this.cookies,
      user: () => this.currentUser,
      substituteUserAllowed: (clientId) => this.substituteUserClients.has(clientId),
      observe: this.observe,
      onServerError: (err) => this.errors.push(err),
    });
    this.providerCallback = this.provider.callback();
  }
}
