import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../mcp/mcp-e2e.helpers.js';
import { ADMIN_SCOPE, describeExchanges, startDemoStack, stepsSeen, TOOLS_SCOPE, USER, type DemoAppName, type DemoStack } from './fixtures/demo-stack.js';
import { createClientSandbox, type ClientSandbox } from './fixtures/headless-browser.js';
import { installedVersion, packageDir } from './fixtures/installed-version.js';
import { toolJson, type TextResult } from './fixtures/tool-result.js';

const MCP_REMOTE_VERSION = '0.15.1';
/** Every request through mcp-remote (which may include a login) must answer within this bound. */
const REQUEST_TIMEOUT_MS = 60_000;
/** The whole flow (two logins, five requests) on a loaded machine. */
const FLOW_TIMEOUT_MS = 240_000;


const combinations: ReadonlyArray<{ app: DemoAppName; platform: 'express' | 'fastify' }> = [
  { app: 'mcp-nest', platform: 'express' },
  { app: 'mcp-nest', platform: 'fastify' },
  { app: 'official-sdk', platform: 'express' },
  { app: 'official-sdk', platform: 'fastify' },
];

describe(`mcp-remote ${MCP_REMOTE_VERSION} as a child process speaking MCP over stdio`, () => {
  let stack: DemoStack;

  beforeAll(async () => {
    stack = await startDemoStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('is the pinned version', () => {
    expect(installedVersion('mcp-remote')).toBe(MCP_REMOTE_VERSION);
  });

  describe.each(combinations)('$app on $platform', ({ app: name, platform }) => {
    let sandbox: ClientSandbox;
    let client: Client;
    let stderr = '';

    afterEach(async () => {
      // Closing the client ends the mcp-remote process (stdin closed, then SIGTERM/SIGKILL).
      await client?.close();
      sandbox?.remove();
    });

    it('logs in headlessly, lists tools, calls whoami and a @Grant tool, and steps up for admin_report', { timeout: FLOW_TIMEOUT_MS }, async () => {
      const app = await stack.startApp(name, platform);
      try {
        sandbox = createClientSandbox('mcp-remote');
        const callbackPort = await freePort();
        const transport = new StdioClientTransport({
          command: process.execPath,
          args: [`${packageDir('mcp-remote')}/dist/proxy.js`, app.mcpUrl.href, String(callbackPort), '--allow-http', '--host', '127.0.0.1'],
          // Its own config dir, never ~/.mcp-auth.
          env: { ...sandbox.env, MCP_REMOTE_CONFIG_DIR: `${sandbox.dir}/mcp-auth` },
          stderr: 'pipe',
        });
        transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        client = new Client({ name: 'mcp-remote-host', version: '1.0.0' });
        const diagnostics = () => `mcp-remote stderr:\n${stderr}\nbrowser:\n${sandbox.browserLog()}\nserver:\n${describeExchanges(app.exchanges)}`;
        const options = { timeout: REQUEST_TIMEOUT_MS };

        await client.connect(transport, options).catch((error: unknown) => {
          throw new Error(`${String(error)}\n${diagnostics()}`);
        });
        expect(stepsSeen(app.exchanges), diagnostics()).toMatchObject({ challenged: true, readMetadata: true });
        expect(stack.zone.requestCounts.registration, diagnostics()).toBeGreaterThan(0);

        const step = <T>(promise: Promise<T>): Promise<T> =>
          promise.catch((error: unknown) => {
            throw new Error(`${String(error)}\n${diagnostics()}`);
          });
        const { tools } = await step(client.listTools({}, options));
        expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['whoami', 'list_events']));

        const whoami = toolJson(await step(client.callTool({ name: 'whoami', arguments: {} }, undefined, options)));
        expect(whoami).toMatchObject({ sub: USER, resource: app.mcpUrl.href, scopes: [TOOLS_SCOPE] });

        const events = toolJson(await step(client.callTool({ name: 'list_events', arguments: {} }, undefined, options)));
        expect(events).toMatchObject({ owner: USER, tokenAudience: stack.api.resources.calendar });

        const report = await step(client.callTool({ name: 'admin_report', arguments: {} }, undefined, options));
        expect((report as TextResult).isError ?? false, diagnostics()).toBe(false);
        expect(toolJson(report).scopes).toEqual(expect.arrayContaining([TOOLS_SCOPE, ADMIN_SCOPE]));
        expect(stepsSeen(app.exchanges).steppedUp, diagnostics()).toBe(true);
      } finally {
        await client?.close();
        await app.app.close();
      }
    });
  });
});
