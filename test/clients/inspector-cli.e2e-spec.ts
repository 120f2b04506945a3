import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../mcp/mcp-e2e.helpers.js';
import { ChildProcesses, type ChildResult } from './fixtures/child-process.js';
import { ADMIN_SCOPE, describeExchanges, startDemoStack, stepsSeen, TOOLS_SCOPE, USER, type DemoAppName, type DemoStack, type RecordedApp } from './fixtures/demo-stack.js';
import { createClientSandbox, type ClientSandbox } from './fixtures/headless-browser.js';
import { installedVersion, packageDir } from './fixtures/installed-version.js';
import { node22Binary } from './fixtures/node22.js';
import { toolJson } from './fixtures/tool-result.js';

const INSPECTOR_VERSION = '2.12.0';
/** One Inspector CLI run (a login included) must finish within this bound. */
const RUN_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = RUN_TIMEOUT_MS + 10_000;

const combinations: ReadonlyArray<{ app: DemoAppName; platform: 'express' | 'fastify' }> = [
  { app: 'mcp-nest', platform: 'express' },
  { app: 'mcp-nest', platform: 'fastify' },
  { app: 'official-sdk', platform: 'express' },
  { app: 'official-sdk', platform: 'fastify' },
];

describe(`MCP Inspector CLI ${INSPECTOR_VERSION} (@modelcontextprotocol/inspector, Node 22) with its own OAuth`, () => {
  let stack: DemoStack;
  const children = new ChildProcesses();

  beforeAll(async () => {
    stack = await startDemoStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  afterEach(() => {
    children.killAll();
  });

  it('is the pinned version', () => {
    expect(installedVersion('@modelcontextprotocol/inspector')).toBe(INSPECTOR_VERSION);
  });

  describe.each(combinations)('$app on $platform', ({ app: name, platform }) => {
    let app: RecordedApp;
    let sandbox: ClientSandbox;
    let callbackUrl: string;

    beforeAll(async () => {
      app = await stack.startApp(name, platform);
      sandbox = createClientSandbox('mcp-inspector');
      callbackUrl = `http://127.0.0.1:${await freePort()}/oauth/callback`;
    });

    afterAll(async () => {
      children.killAll();
      sandbox?.remove();
      await app?.app.close();
    });

    /**
     * One `mcp-inspector --cli` run; its OAuth state lives in the sandbox's HOME. `target`: the
     * server URL (ad hoc, as `npx @modelcontextprotocol/inspector --cli <url>`), or a session
     * config file and server name.
     */
    async function inspector(target: string[], ...args: string[]): Promise<ChildResult & { json: () => Record<string, unknown> }> {
      const result = await children.run(
        node22Binary(),
        [
          `${packageDir('@modelcontextprotocol/inspector')}/clients/cli/build/index.js`,
          ...target,
          '--callback-url', callbackUrl,
          '--format', 'json',
          ...args,
        ],
        // MCP_AUTO_OPEN_ENABLED: open the "browser" although stdout is not a terminal.
        { env: { ...sandbox.env, MCP_AUTO_OPEN_ENABLED: 'true' }, timeoutMs: RUN_TIMEOUT_MS },
      );
      const diagnostics = `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}\nbrowser:\n${sandbox.browserLog()}\nserver:\n${describeExchanges(app.exchanges)}`;
      expect(result.code, diagnostics).toBe(0);
      // `--format json` prints `{ "result": <the MCP result> }`.
      return { ...result, json: () => (JSON.parse(result.stdout) as { result: Record<string, unknown> }).result };
    }

    const adHoc = (): string[] => ['--server-url', app.mcpUrl.href, '--transport', 'http'];

    /** The `scope` of each authorization request the headless browser made. */
    const authorizationScopes = (): string[] =>
      [...sandbox.browserLog().matchAll(/\/auth\?\S*/g)].map((m) => new URL(m[0], stack.zone.zoneUrl).searchParams.get('scope') ?? '');

    it('tools/list: 401 → discovery → registration → code + PKCE through the headless browser → the tools', { timeout: TEST_TIMEOUT_MS }, async () => {
      const registrations = stack.zone.requestCounts.registration;
      const listed = (await inspector(adHoc(), '--method', 'tools/list')).json();
      const names = ((listed.tools ?? []) as Array<{ name: string }>).map((t) => t.name);
      expect(names, JSON.stringify(listed)).toEqual(expect.arrayContaining(['whoami', 'list_events']));
      expect(stepsSeen(app.exchanges), describeExchanges(app.exchanges)).toMatchObject({ challenged: true, readMetadata: true });
      expect(stack.zone.requestCounts.registration).toBeGreaterThan(registrations);
      // Unlike the SDK clients, the Inspector asks for every scope in scopes_supported at once,
      // not the scope the 401 named (SEP-835 puts the challenge's scope first).
      expect(authorizationScopes()[0]?.split(' ')).toEqual(expect.arrayContaining([TOOLS_SCOPE, ADMIN_SCOPE]));
    });

    it('whoami names the user and the resource', { timeout: TEST_TIMEOUT_MS }, async () => {
      const whoami = toolJson((await inspector(adHoc(), '--method', 'tools/call', '--tool-name', 'whoami')).json());
      expect(whoami).toMatchObject({ sub: USER, resource: app.mcpUrl.href });
      expect(whoami.scopes).toEqual(expect.arrayContaining([TOOLS_SCOPE]));
    });

    it('list_events (@Grant) reaches the calendar API with an exchanged token', { timeout: TEST_TIMEOUT_MS }, async () => {
      const events = toolJson((await inspector(adHoc(), '--method', 'tools/call', '--tool-name', 'list_events')).json());
      expect(events).toMatchObject({ owner: USER, tokenAudience: stack.api.resources.calendar });
    });

    it('admin_report: 200 at once — Inspector 2.12.0 asks for every scope in scopes_supported, so it never needs the step-up', { timeout: TEST_TIMEOUT_MS }, async () => {
      // Named client behaviour (not ours): the Inspector ignores the scope the 401 challenge names
      // (SEP-835 puts it first) and a configured `oauth.scopes` (its SDK ranks that below
      // scopes_supported), so every login already carries demo:admin and no 403 happens. The
      // step-up path itself is covered with the SDK 1.x client and mcp-remote.
      const report = toolJson((await inspector(adHoc(), '--method', 'tools/call', '--tool-name', 'admin_report')).json());
      expect(report.scopes).toEqual(expect.arrayContaining([TOOLS_SCOPE, ADMIN_SCOPE]));
      expect(authorizationScopes().at(-1)?.split(' ')).toEqual(expect.arrayContaining([TOOLS_SCOPE, ADMIN_SCOPE]));
      expect(app.exchanges.filter((e) => e.status === 403), describeExchanges(app.exchanges)).toEqual([]);
    });
  });
});
