import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type CallToolResult,
  type FetchLike,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';

/** Options of `DevLoginOAuthProvider`. */
export interface DevLoginOAuthProviderOptions {
  /**
   * Where the zone sends the browser back with `?code=`. Nothing listens there: the
   * provider stops following redirects when it reaches it. Default `http://127.0.0.1:8976/callback`.
   */
  readonly redirectUrl?: string;
  /** `client_name` sent at dynamic client registration. Default `nestjs-keycard demo client`. */
  readonly clientName?: string;
  /** The `fetch` used to follow the authorization redirects. Default: global `fetch`. */
  readonly fetch?: FetchLike;
  /** Told about each step of the flow (for printing). */
  readonly onStep?: (step: string) => void;
}

const MAX_REDIRECTS = 10;

/**
 * An OAuth client for the MCP client SDK that logs in without a browser, for zones with an
 * automatic development login (LocalZone): `redirectToAuthorization(url)` follows the zone's
 * redirects (keeping its cookies) until they reach `redirectUrl`, and keeps the callback's
 * query (`code`, `iss`, `state`) for `finishAuth()`. Everything else is what a real client
 * does: dynamic client registration (public client, PKCE), tokens kept in memory.
 */
export class DevLoginOAuthProvider implements OAuthClientProvider {
  readonly #redirectUrl: string;
  readonly #clientName: string;
  readonly #fetch: FetchLike;
  readonly #onStep: (step: string) => void;
  #clientInformation: StoredOAuthClientInformation | undefined;
  #tokens: StoredOAuthTokens | undefined;
  #codeVerifier: string | undefined;
  #discoveryState: OAuthDiscoveryState | undefined;
  #callback: URLSearchParams | undefined;

  constructor(options: DevLoginOAuthProviderOptions = {}) {
    this.#redirectUrl = options.redirectUrl ?? 'http://127.0.0.1:8976/callback';
    this.#clientName = options.clientName ?? 'nestjs-keycard demo client';
    this.#fetch = options.fetch ?? fetch;
    this.#onStep = options.onStep ?? (() => undefined);
  }

  get redirectUrl(): string {
    return this.#redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.#clientName,
      redirect_uris: [this.#redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.#clientInformation;
  }

  saveClientInformation(clientInformation: StoredOAuthClientInformation): void {
    this.#clientInformation = clientInformation;
    this.#onStep(`registered as OAuth client ${clientInformation.client_id} (dynamic client registration)`);
  }

  tokens(): StoredOAuthTokens | undefined {
    return this.#tokens;
  }

  saveTokens(tokens: StoredOAuthTokens): void {
    this.#tokens = tokens;
    this.#onStep(`got an access token${tokens.scope ? ` (scope "${tokens.scope}")` : ''}: ${describeJwt(tokens.access_token)}`);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.#codeVerifier = codeVerifier;
  }

  codeVerifier(): string {
    if (!this.#codeVerifier) throw new Error('no PKCE code verifier: the authorization flow was not started');
    return this.#codeVerifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discoveryState = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discoveryState;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client') this.#clientInformation = undefined;
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.#codeVerifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.#discoveryState = undefined;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const scope = authorizationUrl.searchParams.get('scope');
    this.#onStep(
      `authorization request (code + PKCE ${authorizationUrl.searchParams.get('code_challenge_method') ?? '?'}` +
        `${scope ? `, scope "${scope}"` : ''}) to ${authorizationUrl.origin}${authorizationUrl.pathname}`,
    );
    this.#callback = await followToRedirectUri(authorizationUrl, this.#redirectUrl, this.#fetch);
    this.#onStep('automatic development login: redirected back with an authorization code');
  }

  /** The query of the last authorization callback (`code`, `iss`, `state`); consumed by this call. */
  takeCallback(): URLSearchParams {
    const callback = this.#callback;
    if (!callback) throw new Error('no authorization callback: redirectToAuthorization() has not completed');
    this.#callback = undefined;
    return callback;
  }

  /** True when an authorization callback is waiting for `finishAuth()`. */
  hasCallback(): boolean {
    return this.#callback !== undefined;
  }
}

/**
 * Follows the authorization endpoint's redirects (with `redirect: 'manual'`, carrying cookies
 * between hops) until one points at `redirectUri`; returns that redirect's query.
 */
export async function followToRedirectUri(start: URL, redirectUri: string, fetchFn: FetchLike = fetch): Promise<URLSearchParams> {
  const target = new URL(redirectUri);
  const cookies = new Map<string, string>();
  let url = start;
  for (let hop = 0; hop < MAX_REDIRECTS; hop += 1) {
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetchFn(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = response.headers.get('location');
    await response.body?.cancel();
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new Error(
        `the authorization server answered ${response.status} at ${url.origin}${url.pathname} instead of redirecting: ` +
          'this zone needs an interactive login (use a browser-based client such as the MCP Inspector)',
      );
    }
    const next = new URL(location, url);
    if (next.origin === target.origin && next.pathname === target.pathname) {
      const error = next.searchParams.get('error');
      if (error) {
        throw new Error(`authorization failed: ${error}${next.searchParams.has('error_description') ? ` — ${next.searchParams.get('error_description')}` : ''}`);
      }
      if (!next.searchParams.has('code')) throw new Error('the authorization callback has no code');
      return next.searchParams;
    }
    url = next;
  }
  throw new Error(`more than ${MAX_REDIRECTS} redirects from the authorization server`);
}

/** Options of `connectWithDevLogin()`. */
export interface ConnectOptions {
  /** Protocol era negotiation of the client: `'legacy'` (2025 `initialize`) or `'auto'` (probe 2026-07-28 first). */
  readonly versionNegotiation?: VersionNegotiationMode;
  /** The `fetch` of the transport (every MCP and OAuth request goes through it). */
  readonly fetch?: FetchLike;
}

/** A connected MCP client and its transport. */
export interface ConnectedClient {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
}

/**
 * Connects an MCP client to `serverUrl`, logging in through `provider` when the server
 * answers 401: discovery (RFC 9728 + RFC 8414), registration, authorization code + PKCE,
 * then a second connect with the token.
 */
export async function connectWithDevLogin(serverUrl: URL, provider: DevLoginOAuthProvider, options: ConnectOptions = {}): Promise<ConnectedClient> {
  const newClient = (): Client =>
    new Client(
      { name: 'nestjs-keycard-demo-client', version: '0.1.0' },
      { versionNegotiation: { mode: options.versionNegotiation ?? 'legacy' } },
    );
  const newTransport = (): StreamableHTTPClientTransport =>
    new StreamableHTTPClientTransport(serverUrl, { authProvider: provider, ...(options.fetch && { fetch: options.fetch }) });

  const first = newClient();
  const firstTransport = newTransport();
  try {
    await first.connect(firstTransport);
    return { client: first, transport: firstTransport };
  } catch (error) {
    if (!(error instanceof UnauthorizedError) || !provider.hasCallback()) throw error;
    await firstTransport.finishAuth(provider.takeCallback());
    await first.close();
  }
  const client = newClient();
  const transport = newTransport();
  await client.connect(transport);
  return { client, transport };
}

/**
 * `client.callTool()`, completing a step-up authorization on the way: when the server answers
 * 403 `insufficient_scope`, the transport asks the zone for the missing scope (through the
 * provider's automatic login), and this finishes that authorization and calls again.
 */
export async function callToolWithStepUp(
  connected: ConnectedClient,
  provider: DevLoginOAuthProvider,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  try {
    return (await connected.client.callTool({ name, arguments: args })) as CallToolResult;
  } catch (error) {
    if (!(error instanceof UnauthorizedError) || !provider.hasCallback()) throw error;
    await connected.transport.finishAuth(provider.takeCallback());
    return (await connected.client.callTool({ name, arguments: args })) as CallToolResult;
  }
}

/** A token-free description of a JWT: its `sub`, `aud` and `scope` claims. */
export function describeJwt(token: string): string {
  const [, payload] = token.split('.');
  if (!payload) return 'an opaque token';
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const parts = [`sub=${String(claims.sub)}`, `aud=${JSON.stringify(claims.aud)}`];
    if (claims.scope !== undefined) parts.push(`scope="${String(claims.scope)}"`);
    return `JWT ${parts.join(' ')}`;
  } catch {
    return 'a token that is not a readable JWT';
  }
}
