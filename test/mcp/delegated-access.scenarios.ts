import type { INestApplication } from '@nestjs/common';
import {
  ClientCredentialsProvider,
  Client,
  InsufficientScopeError,
  StreamableHTTPClientTransport,
  type CallToolResult,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ExampleAppOptions, HttpPlatform } from '../../apps/shared/app-options.js';
import { startDownstreamApi, type DownstreamApi } from '../../apps/demo/downstream-api.js';
import { callToolWithStepUp, connectWithDevLogin, DevLoginOAuthProvider, type ConnectedClient } from '../../apps/demo/dev-login.js';
import { ClientSecret } from 'nestjs-keycard';
import { LocalZone, TOKEN_EXCHANGE_GRANT_TYPE } from 'nestjs-keycard/local-zone';
import { jwtClaims, listenOnLoopback, recordingFetch, sha256, toolJson, type HttpExchange, type RunningApp } from './mcp-e2e.helpers.js';

/** The scope every call needs (the apps' `requiredScopes`), and the one `admin_report` needs on top (both apps). */
const TOOLS_SCOPE = 'mcp:tools';
const ADMIN_SCOPE = 'demo:admin';
const USER = 'alice';
const ERAS: ReadonlyArray<{ mode: VersionNegotiationMode; era: 'legacy' | 'modern' }> = [
  { mode: 'legacy', era: 'legacy' },
  { mode: 'auto', era: 'modern' },
];

export interface DelegatedAccessServerSpec {
  /** Loads the app factory. Imported after the downstream API runs: the app reads `DEMO_API_URL` when imported. */
  readonly load: () => Promise<(options: ExampleAppOptions) => Promise<INestApplication>>;
  readonly platforms: readonly HttpPlatform[];
  /**
   * Whether `tools/list` shows a tool whose scope the token lacks. MCP-Nest hides
   * `@ToolScopes()` tools from callers without the scopes; the SDK lists every tool.
   */
  readonly listsToolsBeyondScope: boolean;
}

function firstIndex(exchanges: readonly HttpExchange[], match: (e: HttpExchange) => boolean, from = 0): number {
  const index = exchanges.findIndex((e, i) => i >= from && match(e));
  expect(index, `no such HTTP exchange after #${from} in:\n${exchanges.map((e) => `${e.method} ${e.url} ${e.status}`).join('\n')}`).toBeGreaterThanOrEqual(from);
  return index;
}

/**
 * The delegated-access tools (`whoami`, `list_events`, `daily_briefing`, `admin_report`) driven
 * by the real MCP client against a real LocalZone and a downstream API that only accepts
 * tokens meant for it — once per HTTP platform and protocol era.
 */
export function describeDelegatedAccessServer(spec: DelegatedAccessServerSpec): void {
  let zone: LocalZone;
  let api: DownstreamApi;
  let serverCredential: ClientSecret;
  let serverClientId: string;
  let createApp: (options: ExampleAppOptions) => Promise<INestApplication>;

  beforeAll(async () => {
    zone = await LocalZone.start({ user: { sub: USER } });
    api = await startDownstreamApi({ zoneUrl: zone.zoneUrl });
    vi.stubEnv('DEMO_API_URL', api.url);
    createApp = await spec.load();
    // The MCP server's own client at the zone, for token exchange (client_secret_basic).
    const server = await zone.registerClient({ client_name: 'delegated-access MCP server', grant_types: [TOKEN_EXCHANGE_GRANT_TYPE] });
    serverClientId = server.client_id;
    serverCredential = new ClientSecret(server.client_id, server.client_secret ?? '');
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await api?.close();
    await zone?.stop();
  });

  const combinations = spec.platforms.flatMap((platform) => ERAS.map((era) => ({ platform, ...era })));

  describe.each(combinations)('on $platform, client negotiation "$mode"', ({ platform, mode, era }) => {
    let running: RunningApp;
    let provider: DevLoginOAuthProvider;
    let connected: ConnectedClient;
    let http: ReturnType<typeof recordingFetch>;
    const extraClients: Client[] = [];

    beforeAll(async () => {
      running = await listenOnLoopback((mcpBaseUrl) =>
        createApp({ zoneUrl: zone.zoneUrl, mcpBaseUrl, applicationCredential: serverCredential, platform, logger: ['error'] }),
      );
      http = recordingFetch();
      provider = new DevLoginOAuthProvider({ fetch: http.fetch });
      connected = await connectWithDevLogin(running.mcpUrl, provider, { versionNegotiation: mode, fetch: http.fetch });
    });

    afterAll(async () => {
      for (const client of extraClients) await client.close();
      await connected?.client.close();
      await running?.app.close();
    });

    function accessToken(): string {
      const token = provider.tokens()?.access_token;
      if (!token) throw new Error('the client has no access token');
      return token;
    }

    it('gets 401 with resource_metadata, then discovers, registers, logs in with code + PKCE and connects', () => {
      const { exchanges } = http;
      const mcp = running.mcpUrl.href;
      const challenged = firstIndex(exchanges, (e) => e.url === mcp && e.status === 401);
      expect(exchanges[challenged]?.wwwAuthenticate).toContain(`resource_metadata="${running.metadataUrl}"`);
      const prm = firstIndex(exchanges, (e) => e.method === 'GET' && e.url === running.metadataUrl && e.status === 200, challenged);
      const asMetadata = firstIndex(exchanges, (e) => e.url.startsWith(`${zone.zoneUrl}/.well-known/`) && e.status === 200, prm);
      const registration = firstIndex(exchanges, (e) => e.method === 'POST' && e.url === zone.registrationEndpoint && e.status === 201, asMetadata);
      const authorization = firstIndex(exchanges, (e) => e.url.startsWith(`${zone.authorizationEndpoint}?`), registration);
      const token = firstIndex(exchanges, (e) => e.method === 'POST' && e.url === zone.tokenEndpoint && e.status === 200, authorization);
      firstIndex(exchanges, (e) => e.method === 'POST' && e.url === mcp && e.status === 200, token);

      const authorizationRequest = new URL(exchanges[authorization]!.url);
      expect(authorizationRequest.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorizationRequest.searchParams.get('resource')).toBe(mcp);
      const claims = jwtClaims(accessToken());
      expect(claims).toMatchObject({ iss: zone.issuer, sub: USER, aud: mcp });
      expect(connected.client.getProtocolEra()).toBe(era);
    });

    it('lists the tools and tells the caller who they are (req.user / ctx.http.authInfo)', async () => {
      const { tools } = await connected.client.listTools();
      const unscoped = ['daily_briefing', 'list_events', 'whoami'];
      expect(tools.map((tool) => tool.name).sort()).toEqual(spec.listsToolsBeyondScope ? ['admin_report', ...unscoped] : unscoped);
      const whoami = toolJson((await connected.client.callTool({ name: 'whoami', arguments: {} })) as CallToolResult);
      expect(whoami).toMatchObject({ sub: USER, clientId: provider.clientInformation()?.client_id, resource: running.mcpUrl.href });
    });

    it('list_events calls the calendar API with a token exchanged for it, never with the caller’s token', async () => {
      const exchangesBefore = zone.exchangeCount;
      const requestsBefore = api.requests.length;
      const result = (await connected.client.callTool({ name: 'list_events', arguments: {} })) as CallToolResult;
      expect(result.isError ?? false).toBe(false);
      const body = toolJson(result);
      expect(body).toMatchObject({ owner: USER, resource: api.resources.calendar, tokenAudience: api.resources.calendar });
      expect(body.events).toHaveLength(3);

      const exchanges = zone.exchangeRequests.slice(exchangesBefore);
      expect(exchanges).toHaveLength(1);
      expect(exchanges[0]).toMatchObject({
        grantType: TOKEN_EXCHANGE_GRANT_TYPE,
        subjectToken: accessToken(),
        resources: [api.resources.calendar],
        clientId: serverClientId,
        clientAuthMethod: 'client_secret_basic',
        status: 200,
      });
      const seen = api.requests.slice(requestsBefore);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ path: '/calendar/events', status: 200, sub: USER, aud: api.resources.calendar });
      expect(seen[0]!.tokenSha256).not.toBe(sha256(accessToken()));
    });

    it('the calendar API refuses the caller’s own token (so a passed-through token would fail)', async () => {
      const response = await fetch(`${api.resources.calendar}/events`, { headers: { authorization: `Bearer ${accessToken()}` } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_token' });
    });

    it('daily_briefing keeps the calendar and reports the payroll exchange the zone refused (partial error)', async () => {
      zone.setFault('token', {
        failResources: [api.resources.payroll],
        failResourcesWith: { error: 'access_denied', errorDescription: 'no payroll access for this user' },
      });
      try {
        const result = (await connected.client.callTool({ name: 'daily_briefing', arguments: {} })) as CallToolResult;
        expect(result.isError ?? false).toBe(false);
        const body = toolJson(result);
        expect(body.status).toBe('partial_error');
        expect(body.failed).toEqual([api.resources.payroll]);
        expect(body.calendar).toMatchObject({ owner: USER, tokenAudience: api.resources.calendar });
        expect(body.payroll).toMatchObject({
          error: `Token exchange failed for ${api.resources.payroll}`,
          code: 'access_denied',
          description: 'no payroll access for this user',
        });
      } finally {
        zone.clearFaults('token');
      }
    });

    it('admin_report without its scope: 403 insufficient_scope, surfaced as InsufficientScopeError to a token-only client', async () => {
      const client = new Client({ name: 'token-only', version: '1.0.0' }, { versionNegotiation: { mode } });
      extraClients.push(client);
      const token = accessToken();
      await client.connect(new StreamableHTTPClientTransport(running.mcpUrl, { authProvider: { token: async () => token } }));
      const error = await client.callTool({ name: 'admin_report', arguments: {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InsufficientScopeError);
      expect(error).toMatchObject({ requiredScope: `${TOOLS_SCOPE} ${ADMIN_SCOPE}` });
      expect((error as InsufficientScopeError).resourceMetadataUrl?.href).toBe(running.metadataUrl);
    });

    it('admin_report with an OAuth client: steps up to the missing scope and succeeds', async () => {
      const result = await callToolWithStepUp(connected, provider, 'admin_report');
      expect(result.isError ?? false).toBe(false);
      expect(toolJson(result).scopes).toContain(ADMIN_SCOPE);
      expect(String(jwtClaims(accessToken()).scope).split(' ')).toContain(ADMIN_SCOPE);
      const { tools } = await connected.client.listTools({}, { cacheMode: 'refresh' });
      expect(tools.map((tool) => tool.name)).toContain('admin_report');
    });

    it('a machine client (client credentials) calls tools, and its tools get exchanged tokens too', async () => {
      const machine = await zone.registerClient({ client_name: 'reporting job', grant_types: ['client_credentials'] });
      const client = new Client({ name: 'machine', version: '1.0.0' }, { versionNegotiation: { mode } });
      extraClients.push(client);
      const machineAuth = new ClientCredentialsProvider({
        clientId: machine.client_id,
        clientSecret: machine.client_secret ?? '',
        expectedIssuer: zone.issuer,
      });
      await client.connect(new StreamableHTTPClientTransport(running.mcpUrl, { authProvider: machineAuth }));
      const whoami = toolJson((await client.callTool({ name: 'whoami', arguments: {} })) as CallToolResult);
      expect(whoami).toMatchObject({ sub: machine.client_id, clientId: machine.client_id });

      const exchangesBefore = zone.exchangeCount;
      const events = toolJson((await client.callTool({ name: 'list_events', arguments: {} })) as CallToolResult);
      expect(events).toMatchObject({ owner: machine.client_id, tokenAudience: api.resources.calendar });
      expect(zone.exchangeRequests.slice(exchangesBefore)[0]?.subjectToken).toBe(machineAuth.tokens()?.access_token);
    });
  });
}
