import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalZone } from '../../src/local-zone/index.js';
import { PRM_URL, RESOURCE } from './fixtures/auth-fixture.module.js';
import { createMcpFixture } from './fixtures/mcp-fixture.module.js';
import { ADAPTERS, startApp, type RunningApp } from './fixtures/start-app.js';

interface TextResult {
  content: { type: string; text: string }[];
  isError?: boolean;
}

describe.each(ADAPTERS)('MCP-Nest tool calls (rpc context) on %s', (adapter) => {
  let zone: LocalZone;
  let guardedRoute: RunningApp;
  let guardedTools: RunningApp;

  async function start(guardRoute: boolean): Promise<RunningApp> {
    const fixture = createMcpFixture({ zoneUrl: zone.zoneUrl, guardRoute });
    return startApp(adapter, fixture.module, {
      beforeListen: async (app) => {
        app.connectMicroservice({ strategy: fixture.strategy });
        await app.startAllMicroservices();
      },
    });
  }

  beforeAll(async () => {
    zone = await LocalZone.start();
    guardedRoute = await start(true);
    guardedTools = await start(false);
  });

  afterAll(async () => {
    await guardedRoute?.app.close();
    await guardedTools?.app.close();
    await zone?.stop();
  });

  async function callTool(app: RunningApp, token: string | undefined, name: string): Promise<TextResult> {
    const client = new Client({ name: 'auth-e2e', version: '0.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`), {
      requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
    });
    await client.connect(transport);
    try {
      return (await client.callTool({ name, arguments: {} })) as TextResult;
    } finally {
      await client.close();
    }
  }

  const parsed = (result: TextResult): Record<string, unknown> => JSON.parse(result.content[0]!.text) as Record<string, unknown>;

  it('refuses an MCP request without a token at the HTTP route, with the challenge', async () => {
    const response = await fetch(`${guardedRoute.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${PRM_URL}"`);
  });

  it('hands tools the verified caller on the raw request, and getHttpRequest() finds it in the rpc context', async () => {
    const token = await zone.mintAccessToken({ resource: RESOURCE, sub: 'dora', scope: 'mcp:tools' });
    const result = await callTool(guardedRoute, token, 'whoami');
    expect(result.isError).toBeFalsy();
    expect(parsed(result)).toEqual({
      sub: 'dora',
      resource: RESOURCE,
      probe: { contextType: 'rpc', sub: 'dora', authScopes: ['mcp:tools'] },
    });
  });

  it('checks @RequireScopes on a tool (rpc guard) against the already verified token', async () => {
    const without = await zone.mintAccessToken({ resource: RESOURCE, scope: 'mcp:tools' });
    const denied = await callTool(guardedRoute, without, 'write_note');
    expect(denied.isError).toBe(true);
    expect(denied.content[0]!.text).toBe('The access token lacks the required scope(s): notes:write.');

    const withScope = await zone.mintAccessToken({ resource: RESOURCE, sub: 'erin', scope: 'notes:write' });
    const written = await callTool(guardedRoute, withScope, 'write_note');
    expect(written.isError).toBeFalsy();
    expect(parsed(written)).toEqual({ written: true, probe: { contextType: 'rpc', sub: 'erin', authScopes: ['notes:write'] } });
  });

  it('verifies the token of the raw request when only the tools are guarded', async () => {
    const anonymous = await callTool(guardedTools, undefined, 'whoami');
    expect(anonymous.isError).toBe(true);
    expect(anonymous.content[0]!.text).toMatch(/^Authentication required/);

    const expired = await zone.mintAccessToken({ resource: RESOURCE, expiresIn: -60 });
    const refused = await callTool(guardedTools, expired, 'whoami');
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toBe('the token has expired');

    const token = await zone.mintAccessToken({ resource: RESOURCE, sub: 'fred' });
    const result = await callTool(guardedTools, token, 'whoami');
    expect(result.isError).toBeFalsy();
    expect(parsed(result)).toEqual({ tool: 'guarded', probe: { contextType: 'rpc', sub: 'fred', authScopes: [] } });
  });
});
