/**
 * `npm start`: the demo, on loopback, no account needed.
 *
 * Without Keycard env vars it starts a LocalZone (a real OAuth authorization server with an
 * automatic development login), a small downstream API that accepts only tokens meant for it,
 * and an MCP server protected by nestjs-keycard. With KEYCARD_ZONE_URL or KEYCARD_ZONE_ID set,
 * the MCP server uses that zone instead (its application credential then comes from env too).
 *
 *   npm start                               delegated-access (MCP-Nest)
 *   npm start -- --app delegated-access-sdk  the same tools on the official MCP SDK
 *   npm start -- --app hello-world           the hello-world server
 *   npm start -- --replicas 3                three replicas behind a loopback load balancer, sharing Redis
 */
import { ConsoleLogger, type INestApplication } from '@nestjs/common';
import { ClientSecret, KEYCARD_CONFIG, RedisKeyStorage, WebIdentity, type ApplicationCredential, type KeycardConfig } from 'nestjs-keycard';
import { LocalZone, TOKEN_EXCHANGE_GRANT_TYPE } from 'nestjs-keycard/local-zone';
import type { ExampleAppOptions } from '../shared/app-options.js';
import { clientUrlNotice } from './client-url.js';
import { startDemoRedis, type DemoRedis } from './demo-redis.js';
import { startDownstreamApi, type DownstreamApi, type DownstreamRequestRecord } from './downstream-api.js';
import { RoundRobinProxy } from './load-balancer.js';
import { assertPortsFree, portFromEnv, type DemoPort } from './ports.js';

const APPS = {
  'delegated-access': {
    title: 'delegated-access (MCP-Nest)',
    downstream: true,
    load: async () => (await import('../delegated-access/src/delegated-access.app.js')).createDelegatedAccessApp,
  },
  'delegated-access-sdk': {
    title: 'delegated-access (official MCP SDK)',
    downstream: true,
    load: async () => (await import('../delegated-access-sdk/src/delegated-access-sdk.app.js')).createDelegatedAccessSdkApp,
  },
  'hello-world': {
    title: 'hello-world (MCP-Nest)',
    downstream: false,
    load: async () => (await import('../hello-world/src/hello-world.app.js')).createHelloWorldApp,
  },
} as const;
type AppName = keyof typeof APPS;

const DEMO_USER = 'demo-user';

function appFromArgs(argv: readonly string[]): AppName {
  const index = argv.indexOf('--app');
  const name = index >= 0 ? argv[index + 1] : 'delegated-access';
  if (name && name in APPS) return name as AppName;
  throw new Error(`unknown --app "${name ?? ''}"; use one of: ${Object.keys(APPS).join(', ')}`);
}

/** `--replicas N` (default 1): how many MCP server replicas run behind the load balancer. */
function replicasFromArgs(argv: readonly string[]): number {
  const index = argv.indexOf('--replicas');
  if (index < 0) return 1;
  const count = Number(argv[index + 1]);
  if (!Number.isInteger(count) || count < 1 || count > 16) throw new Error(`--replicas takes a number from 1 to 16, got "${argv[index + 1] ?? ''}"`);
  return count;
}

/**
 * The replicas' logger: errors and warnings, except the listen-address warning. Behind the
 * load balancer each replica listens on a port of its own while the public URL names the
 * balancer's port, which is what that warning is about and exactly what is meant here.
 */
class ReplicaLogger extends ConsoleLogger {
  constructor() {
    super({ logLevels: ['error', 'warn'] });
  }

  override warn(message: unknown, ...rest: unknown[]): void {
    if (typeof message === 'string' && message.startsWith('mcpBaseUrl (MCP_SERVER_URL) is')) return;
    super.warn(message, ...(rest as [string?]));
  }
}

/** Several replicas: the Redis they share, the load balancer on the MCP port, and where each replica listens. */
interface ReplicaSetup {
  readonly redis: DemoRedis;
  readonly ports: number[];
}

function describeRequest(api: string, record: DownstreamRequestRecord): string {
  const who = record.status === 200 ? `token sub=${record.sub} aud=${JSON.stringify(record.aud)}` : `refused: ${record.error}`;
  const fingerprint = record.tokenSha256 ? ` (token sha256 ${record.tokenSha256.slice(0, 12)}…)` : '';
  return `[${api}] ${record.status} GET ${record.path} — ${who}${fingerprint}`;
}

async function main(): Promise<void> {
  const appName = appFromArgs(process.argv.slice(2));
  const replicas = replicasFromArgs(process.argv.slice(2));
  const entry = APPS[appName];
  const externalZone = Boolean(process.env.KEYCARD_ZONE_URL || process.env.KEYCARD_ZONE_ID);
  const zonePort = portFromEnv('DEMO_ZONE_PORT', 9999);
  const apiPort = portFromEnv('DEMO_API_PORT', 9998);
  const mcpPort = portFromEnv('PORT', 8000);
  const ports: DemoPort[] = [{ port: mcpPort, what: 'MCP server', env: 'PORT' }];
  if (entry.downstream) ports.push({ port: apiPort, what: 'downstream API', env: 'DEMO_API_PORT' });
  if (!externalZone) ports.push({ port: zonePort, what: 'local zone', env: 'DEMO_ZONE_PORT' });
  await assertPortsFree(ports);

  const closers: Array<() => Promise<unknown>> = [];
  const shutdown = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => console.error(`while stopping: ${(error as Error).message}`));
  };
  process.once('SIGINT', () => void shutdown().then(() => process.exit(0)));
  process.once('SIGTERM', () => void shutdown().then(() => process.exit(0)));

  try {
    const options: { -readonly [K in keyof ExampleAppOptions]: ExampleAppOptions[K] } = {
      mcpBaseUrl: process.env.MCP_SERVER_URL || `http://127.0.0.1:${mcpPort}`,
      logger: ['error', 'warn'],
    };
    const apiUrl = (process.env.DEMO_API_URL || `http://127.0.0.1:${apiPort}`).replace(/\/+$/, '');
    // The apps read DEMO_API_URL when they are imported (`@Grant(CALENDAR_API)`).
    process.env.DEMO_API_URL = apiUrl;

    let replicaSetup: ReplicaSetup | undefined;
    if (replicas > 1) {
      const redis = await startDemoRedis();
      closers.push(() => redis.stop());
      replicaSetup = { redis, ports: [] };
      options.redis = { url: redis.url };
    }
    /** Each replica's credential (one shared WebIdentity key in Redis when there are several). */
    let credentialFor = (): ApplicationCredential | undefined => options.applicationCredential;

    let zone: LocalZone | undefined;
    if (!externalZone) {
      zone = await LocalZone.start({ port: zonePort, user: { sub: DEMO_USER } });
      closers.push(() => zone!.stop());
      options.zoneUrl = zone.zoneUrl;
      // The MCP server's own client at the zone: it authenticates its token exchanges.
      const server = await zone.registerClient({ client_name: `${appName} MCP server`, grant_types: [TOKEN_EXCHANGE_GRANT_TYPE] });
      options.applicationCredential = new ClientSecret(server.client_id, server.client_secret ?? '');
      if (replicaSetup) {
        // Replicas sign private_key_jwt assertions with one key kept in Redis; the zone fetches
        // the JWKS through the load balancer, from whichever replica answers.
        const shared = await zone.registerClient({
          client_name: `${appName} MCP server (replicas)`,
          grant_types: [TOKEN_EXCHANGE_GRANT_TYPE],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: `${options.mcpBaseUrl!.replace(/\/+$/, '')}/.well-known/jwks.json`,
        });
        const redisUrl = replicaSetup.redis.url;
        credentialFor = () => new WebIdentity({ serverName: `${appName} MCP server`, clientId: shared.client_id, keyStorage: new RedisKeyStorage({ url: redisUrl }) });
      }
      if (entry.downstream) {
        // Zone policy for the demo: no payroll access for anyone, so `daily_briefing` shows a partial error.
        zone.setFault('token', {
          failResources: [`${apiUrl}/payroll`],
          failResourcesWith: { error: 'access_denied', errorDescription: `${DEMO_USER} has no access to the payroll API` },
        });
      }
    }

    const createApp = (await entry.load()) as (options: ExampleAppOptions) => Promise<INestApplication>;
    const apps: INestApplication[] = [];
    for (let i = 0; i < replicas; i++) {
      const replica = await createApp({ ...options, applicationCredential: credentialFor(), ...(replicas > 1 && { logger: new ReplicaLogger() }) });
      closers.push(() => replica.close());
      apps.push(replica);
    }
    const app = apps[0]!;
    const config = app.get<KeycardConfig>(KEYCARD_CONFIG);

    let api: DownstreamApi | undefined;
    if (entry.downstream) {
      api = await startDownstreamApi({
        zoneUrl: config.zoneUrl,
        port: apiPort,
        onRequest: (record) => console.log(describeRequest(record.path.startsWith('/payroll') ? 'payroll API' : 'calendar API', record)),
      });
      closers.push(() => api!.close());
    }
    if (replicaSetup) {
      for (const replica of apps) {
        await replica.listen(0, '127.0.0.1');
        replicaSetup.ports.push((replica.getHttpServer().address() as { port: number }).port);
      }
      const proxy = await RoundRobinProxy.start(mcpPort);
      closers.push(() => proxy.close());
      proxy.setUpstreams(replicaSetup.ports);
    } else {
      await app.listen(mcpPort, '127.0.0.1');
    }
    printBanner({ appTitle: entry.title, appName, config, zone, api, mcpPort, replicas: replicaSetup });
  } catch (error) {
    await shutdown();
    throw error;
  }
}

function printBanner(input: {
  appTitle: string;
  appName: AppName;
  config: KeycardConfig;
  zone: LocalZone | undefined;
  api: DownstreamApi | undefined;
  mcpPort: number;
  replicas?: ReplicaSetup;
}): void {
  const { config, zone, api } = input;
  const mcpUrl = config.resources[0]!.resourceUrl;
  const lines = [
    '',
    'nestjs-keycard demo is running',
    '',
    zone
      ? `  Zone            ${zone.zoneUrl}  (LocalZone: automatic login as "${DEMO_USER}", no password)`
      : `  Zone            ${config.zoneUrl}  (from KEYCARD_ZONE_URL / KEYCARD_ZONE_ID)`,
    ...(api
      ? [
          `  Downstream API  ${api.resources.calendar}  and  ${api.resources.payroll}`,
          '                  accepts only tokens whose aud is its own URL: the MCP server must exchange tokens',
        ]
      : []),
    `  MCP server      ${mcpUrl}  — ${input.appTitle}, listening on 127.0.0.1:${input.mcpPort}`,
    `  Metadata        ${config.resources[0]!.metadataUrl}`,
    ...(input.replicas
      ? [`  Replicas        ${input.replicas.ports.length} on 127.0.0.1:${input.replicas.ports.join(', :')} behind a round-robin load balancer on :${input.mcpPort}`,
         `                  sharing Redis ${input.replicas.redis.url} (${input.replicas.redis.origin}): exchanged tokens, exchange lease, WebIdentity key`]
      : []),
    '',
    ...clientUrlNotice(mcpUrl),
    '',
    'Connect a client:',
    `  Scripted client   npm run demo:client -- ${mcpUrl}   (another terminal: discovery, login, tool calls)`,
    '  MCP Inspector     npx @modelcontextprotocol/inspector',
    `                    Transport "Streamable HTTP", URL ${mcpUrl}, then Connect (OAuth runs in the browser)`,
    `  Claude Code       claude mcp add --transport http keycard-demo ${mcpUrl}`,
    `  Cursor            ~/.cursor/mcp.json: { "mcpServers": { "keycard-demo": { "url": "${mcpUrl}" } } }`,
    `  Claude Desktop    claude_desktop_config.json: { "mcpServers": { "keycard-demo": { "command": "npx", "args": ["-y", "mcp-remote", "${mcpUrl}"] } } }`,
    '',
    ...(input.appName === 'hello-world'
      ? ['Tools: hello_world (greets the token subject), whoami']
      : [
          'Tools:',
          '  whoami          who the server thinks you are (req.user)',
          '  list_events     @Grant(calendar API): calls it with an exchanged token',
          `  daily_briefing  @Grant(calendar + payroll)${zone ? ': the zone refuses payroll → partial error' : ''}`,
          '  admin_report    needs scope demo:admin (every call needs mcp:tools) → 403 insufficient_scope, the client steps up',
        ]),
    '',
    'Ctrl+C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
