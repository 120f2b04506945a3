import type { INestApplication } from '@nestjs/common';
import type { CallToolResult, VersionNegotiationMode } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHelloWorldApp } from '../../apps/hello-world/src/hello-world.app.js';
import type { HttpPlatform } from '../../apps/shared/app-options.js';
import { connectWithDevLogin, DevLoginOAuthProvider, type ConnectedClient } from '../../apps/demo/dev-login.js';
import { LocalZone } from 'nestjs-keycard/local-zone';
import { listenOnLoopback, toolJson, type RunningApp } from './mcp-e2e.helpers.js';

const combinations: ReadonlyArray<{ platform: HttpPlatform; mode: VersionNegotiationMode }> = [
  { platform: 'express', mode: 'legacy' },
  { platform: 'express', mode: 'auto' },
  { platform: 'fastify', mode: 'legacy' },
  { platform: 'fastify', mode: 'auto' },
];

describe('apps/hello-world: greets the token subject', () => {
  let zone: LocalZone;

  beforeAll(async () => {
    zone = await LocalZone.start({ user: { sub: 'grace' } });
  });

  afterAll(async () => {
    await zone?.stop();
  });

  describe.each(combinations)('on $platform, client negotiation "$mode"', ({ platform, mode }) => {
    let running: RunningApp;
    let connected: ConnectedClient;
    let provider: DevLoginOAuthProvider;

    beforeAll(async () => {
      running = await listenOnLoopback(
        (mcpBaseUrl): Promise<INestApplication> => createHelloWorldApp({ zoneUrl: zone.zoneUrl, mcpBaseUrl, platform, logger: ['error'] }),
      );
      provider = new DevLoginOAuthProvider();
      connected = await connectWithDevLogin(running.mcpUrl, provider, { versionNegotiation: mode });
    });

    afterAll(async () => {
      await connected?.client.close();
      await running?.app.close();
    });

    it('refuses an MCP request without a token', async () => {
      const response = await fetch(running.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain(`resource_metadata="${running.metadataUrl}"`);
    });

    it('hello_world greets the subject of the access token', async () => {
      const result = (await connected.client.callTool({ name: 'hello_world', arguments: { greeting: 'Hi' } })) as CallToolResult;
      expect(result.content).toEqual([{ type: 'text', text: 'Hi, grace!' }]);
    });

    it('whoami shows req.user and req.auth as the guard set them', async () => {
      const summary = toolJson((await connected.client.callTool({ name: 'whoami', arguments: {} })) as CallToolResult);
      const clientId = provider.clientInformation()?.client_id;
      expect(summary).toMatchObject({
        sub: 'grace',
        clientId,
        resource: running.mcpUrl.href,
        authInfo: { clientId, resource: running.mcpUrl.href },
      });
    });
  });
});
