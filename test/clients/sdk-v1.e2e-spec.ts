import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCOPE, describeExchanges, startDemoStack, stepsSeen, TOOLS_SCOPE, USER, type DemoAppName, type DemoStack, type RecordedApp } from './fixtures/demo-stack.js';
import { installedVersion } from './fixtures/installed-version.js';
import { HeadlessSdkV1Provider } from './fixtures/sdk-v1-headless.provider.js';
import { toolJson, type TextResult } from './fixtures/tool-result.js';

const SDK_VERSION = '1.32.2';


/** Runs `call`; when the transport stops for an authorization (401 or step-up 403), finishes it and runs `call` again. */
async function withLogin<T>(transport: StreamableHTTPClientTransport, provider: HeadlessSdkV1Provider, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof UnauthorizedError) || !provider.hasCode()) throw error;
    await transport.finishAuth(provider.takeCode());
    return call();
  }
}

const combinations: ReadonlyArray<{ app: DemoAppName; platform: 'express' | 'fastify' }> = [
  { app: 'mcp-nest', platform: 'express' },
  { app: 'mcp-nest', platform: 'fastify' },
  { app: 'official-sdk', platform: 'express' },
  { app: 'official-sdk', platform: 'fastify' },
];

describe(`@modelcontextprotocol/sdk ${SDK_VERSION} (Streamable HTTP + its OAuth) against the demo apps`, () => {
  let stack: DemoStack;

  beforeAll(async () => {
    stack = await startDemoStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('is the pinned version', async () => {
    expect(installedVersion('@modelcontextprotocol/sdk')).toBe(SDK_VERSION);
  });

  describe.each(combinations)('$app on $platform', ({ app: name, platform }) => {
    let app: RecordedApp;
    let provider: HeadlessSdkV1Provider;
    let client: Client;
    let transport: StreamableHTTPClientTransport;

    beforeAll(async () => {
      app = await stack.startApp(name, platform);
      // Without refresh tokens: see HeadlessSdkV1Provider for the SDK 1.32.2 step-up bug they trigger.
      provider = new HeadlessSdkV1Provider('http://127.0.0.1:33418/callback', false);
      const connect = async () => {
        client = new Client({ name: 'sdk-v1-client', version: SDK_VERSION });
        transport = new StreamableHTTPClientTransport(app.mcpUrl, { authProvider: provider });
        await client.connect(transport);
      };
      await withLogin({ finishAuth: (code: string) => transport.finishAuth(code) } as StreamableHTTPClientTransport, provider, connect);
    });

    afterAll(async () => {
      await client?.close();
      await app?.app.close();
    });

    it('discovers (401 → metadata), registers, and logs in with code + PKCE for the challenged scope', () => {
      const seen = stepsSeen(app.exchanges);
      expect(seen, describeExchanges(app.exchanges)).toMatchObject({ challenged: true, readMetadata: true });
      const authorization = provider.authorizationUrls[0];
      expect(authorization?.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorization?.searchParams.get('resource')).toBe(app.mcpUrl.href);
      expect(authorization?.searchParams.get('scope')).toBe(TOOLS_SCOPE);
      expect(provider.clientInformation()?.client_id).toEqual(expect.any(String));
    });

    it('lists the tools; MCP-Nest ones advertise oauth2 securitySchemes', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['whoami', 'list_events', 'daily_briefing']));
      if (name === 'mcp-nest') {
        for (const tool of tools) expect(tool._meta?.securitySchemes, tool.name).toEqual([{ type: 'oauth2' }]);
      }
    });

    it('whoami names the user, the registered client and the resource', async () => {
      const whoami = toolJson(await client.callTool({ name: 'whoami', arguments: {} }));
      expect(whoami).toMatchObject({ sub: USER, clientId: provider.clientInformation()?.client_id, resource: app.mcpUrl.href });
    });

    it('list_events (@Grant) reaches the calendar API with an exchanged token', async () => {
      const result = await client.callTool({ name: 'list_events', arguments: {} });
      expect((result as TextResult).isError ?? false).toBe(false);
      expect(toolJson(result)).toMatchObject({ owner: USER, tokenAudience: stack.api.resources.calendar });
    });

    it('admin_report: 403 insufficient_scope → re-authorization with the scope → 200', async () => {
      const before = provider.authorizationUrls.length;
      const result = await withLogin(transport, provider, () => client.callTool({ name: 'admin_report', arguments: {} }));
      expect((result as TextResult).isError ?? false).toBe(false);
      expect(toolJson(result).scopes).toEqual(expect.arrayContaining([TOOLS_SCOPE, ADMIN_SCOPE]));
      const stepUp = provider.authorizationUrls[before];
      expect(stepUp?.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining([TOOLS_SCOPE, ADMIN_SCOPE]));
      expect(stepsSeen(app.exchanges).steppedUp, describeExchanges(app.exchanges)).toBe(true);
      if (name === 'mcp-nest') {
        // Now listed (MCP-Nest hides tools whose scopes the token lacks), with its scopes.
        const { tools } = await client.listTools();
        expect(tools.find((t) => t.name === 'admin_report')?._meta?.securitySchemes).toEqual([{ type: 'oauth2', scopes: [TOOLS_SCOPE, ADMIN_SCOPE] }]);
      }
    });
  });

  it('SDK 1.32.2 bug, named: with a refresh token, a step-up 403 makes it refresh (no new scope) and give up', async () => {
    const app = await stack.startApp('mcp-nest', 'express');
    const provider = new HeadlessSdkV1Provider('http://127.0.0.1:33419/callback', true);
    const client = new Client({ name: 'sdk-v1-client', version: SDK_VERSION });
    let transport = new StreamableHTTPClientTransport(app.mcpUrl, { authProvider: provider });
    try {
      await client.connect(transport).catch(async (error: unknown) => {
        if (!(error instanceof UnauthorizedError)) throw error;
        await transport.finishAuth(provider.takeCode());
        transport = new StreamableHTTPClientTransport(app.mcpUrl, { authProvider: provider });
        await client.connect(transport);
      });
      expect(provider.tokens()?.refresh_token).toEqual(expect.any(String));
      const authorizations = provider.authorizationUrls.length;
      await expect(client.callTool({ name: 'admin_report', arguments: {} })).rejects.toThrow('Server returned 403 after trying upscoping');
      // It never went back to the authorization endpoint for the scope.
      expect(provider.authorizationUrls).toHaveLength(authorizations);
    } finally {
      await client.close();
      await app.app.close();
    }
  });
});
