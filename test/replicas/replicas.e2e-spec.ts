import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { LocalZone, TOKEN_EXCHANGE_GRANT_TYPE } from 'nestjs-keycard/local-zone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDownstreamApi, type DownstreamApi } from '../../apps/demo/downstream-api.js';
import { connectWithDevLogin, DevLoginOAuthProvider, type ConnectedClient } from '../../apps/demo/dev-login.js';
import { toolJson } from '../mcp/mcp-e2e.helpers.js';
import { RedisTestServer } from '../redis/redis-server.js';
import { buildForReplicas, type ReplicaBuild } from './fixtures/replica-build.js';
import { ReplicaCluster } from './fixtures/replica-cluster.js';
import { RoundRobinProxy } from '../../apps/demo/load-balancer.js';

const USER = 'alice';
/** The scope every tool call of the delegated-access app needs. */
const TOOLS_SCOPE = 'mcp:tools';
const REPLICAS = 3;

/**
 * Three replicas of the delegated-access MCP server (child processes) behind a round-robin
 * load balancer, sharing a real Redis: the WebIdentity key (RedisKeyStorage), the exchanged
 * tokens and the exchange lease. The zone knows the server as a private_key_jwt client whose
 * jwks_uri is on the load balancer, so it fetches the JWKS from whichever replica answers.
 */
describe('three replicas behind a load balancer, sharing Redis', () => {
  let redis: RedisTestServer;
  let zone: LocalZone;
  let api: DownstreamApi;
  let proxy: RoundRobinProxy;
  let build: ReplicaBuild;
  let cluster: ReplicaCluster | undefined;
  let clientId: string;
  const clients: Client[] = [];

  const mcpUrl = () => new URL(`${proxy.url}/mcp`);

  beforeAll(async () => {
    [redis, zone, proxy, build] = await Promise.all([
      RedisTestServer.start(),
      LocalZone.start({ user: { sub: USER } }),
      RoundRobinProxy.start(),
      buildForReplicas(),
    ]);
    api = await startDownstreamApi({ zoneUrl: zone.zoneUrl });
    const registered = await zone.registerClient({
      client_name: 'replicated MCP server',
      grant_types: [TOKEN_EXCHANGE_GRANT_TYPE],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: `${proxy.url}/.well-known/jwks.json`,
    });
    clientId = registered.client_id;
    cluster = await ReplicaCluster.start(build.path('test/replicas/fixtures/replica-main.ts'), REPLICAS, {
      ZONE_URL: zone.zoneUrl,
      MCP_BASE_URL: proxy.url,
      REDIS_URL: redis.url,
      CLIENT_ID: clientId,
      DEMO_API_URL: api.url,
      // The burst counts exchanges with a healthy Redis: a CPU-starved CI machine must not pass for a
      // slow Redis (which, by design, makes a replica exchange on its own).
      REDIS_COMMAND_TIMEOUT_MS: '1000',
    });
    proxy.setUpstreams(cluster.ports);
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await cluster?.stop();
    await Promise.all([proxy?.close(), api?.close(), zone?.stop()]);
    await redis?.stop();
    await build?.remove();
  }, 60_000);

  /** An MCP client that presents `token` (the one every call of a burst shares). */
  async function tokenClient(token: string): Promise<Client> {
    const client = new Client({ name: 'burst', version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
    clients.push(client);
    await client.connect(new StreamableHTTPClientTransport(mcpUrl(), { authProvider: { token: async () => token } }));
    return client;
  }

  async function listEvents(client: Client): Promise<Record<string, unknown>> {
    const result = (await client.callTool({ name: 'list_events', arguments: {} })) as CallToolResult;
    expect(result.isError ?? false, JSON.stringify(result)).toBe(false);
    return toolJson(result);
  }

  it('every replica signs with the one shared key and serves the same JWKS', async () => {
    const jwks = await Promise.all((cluster as ReplicaCluster).ports.map(async (port) => (await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`)).json()));
    expect(jwks[0]).toMatchObject({ keys: [{ kty: 'RSA', alg: 'RS256' }] });
    expect(jwks[1]).toEqual(jwks[0]);
    expect(jwks[2]).toEqual(jwks[0]);
  });

  it('the official MCP client goes through discovery and OAuth, and @Grant tool calls on every replica exchange with private_key_jwt', async () => {
    const provider = new DevLoginOAuthProvider();
    const connected: ConnectedClient = await connectWithDevLogin(mcpUrl(), provider);
    clients.push(connected.client);
    const servedBefore = [...proxy.served];
    zone.clearRecords();
    for (let i = 0; i < 6; i++) {
      expect(await listEvents(connected.client)).toMatchObject({ owner: USER, tokenAudience: api.resources.calendar });
    }
    // The calls were spread over every replica...
    proxy.served.forEach((count, index) => expect(count, `replica ${index}`).toBeGreaterThan(servedBefore[index] ?? 0));
    // ...the zone fetched the JWKS through the load balancer and accepted every assertion.
    expect(proxy.jwksServedBy.length).toBeGreaterThan(0);
    expect(zone.exchangeRequests.length).toBeGreaterThan(0);
    for (const request of zone.exchangeRequests) {
      expect(request).toMatchObject({ clientAuthMethod: 'private_key_jwt', clientId, status: 200, resources: [api.resources.calendar] });
    }
    // One token, one resource: exchanged once across the three replicas.
    expect(zone.exchangeCount).toBe(1);
  });

  it('a burst of 200 calls with one fresh token over 3 replicas makes exactly one exchange per resource', async () => {
    const token = await zone.mintAccessToken({ sub: 'burst-user', resource: mcpUrl().href, scope: TOOLS_SCOPE });
    const callers = await Promise.all(Array.from({ length: 4 }, () => tokenClient(token)));
    zone.clearRecords();
    // Slow the zone down so that the calls really overlap on every replica.
    zone.setFault('token', { latencyMs: 300 });
    const servedBefore = [...proxy.served];
    try {
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => listEvents(callers[i % callers.length] as Client)));
      expect(results.every((body) => body.owner === 'burst-user')).toBe(true);
    } finally {
      zone.clearFaults('token');
    }
    proxy.served.forEach((count, index) => expect(count - (servedBefore[index] ?? 0), `replica ${index}`).toBeGreaterThanOrEqual(60));
    expect(zone.exchangeRequests.map((request) => request.resources)).toEqual([[api.resources.calendar]]);
    expect(proxy.failures).toBe(0);
  });

  it('killing Redis mid-run loses no request; each replica carries on with its own cache', async () => {
    const tokens = await Promise.all([1, 2, 3].map((n) => zone.mintAccessToken({ sub: `wave-${n}`, resource: mcpUrl().href, scope: TOOLS_SCOPE })));
    const callers = await Promise.all(tokens.map((token) => tokenClient(token)));
    const wave = (caller: Client) => Promise.all(Array.from({ length: 30 }, () => listEvents(caller)));

    const before = await wave(callers[0] as Client);
    const during = Promise.all([wave(callers[1] as Client), redis.kill().then(() => wave(callers[2] as Client))]);
    const [second, third] = await during;
    for (const body of [...before, ...second, ...third]) expect(body).toMatchObject({ tokenAudience: api.resources.calendar });
    expect(proxy.failures).toBe(0);
    // The replicas still answer, and the keys they publish did not change.
    const jwks = await Promise.all((cluster as ReplicaCluster).ports.map(async (port) => (await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`)).json()));
    expect(jwks[1]).toEqual(jwks[0]);
    expect(jwks[2]).toEqual(jwks[0]);
  });
});
