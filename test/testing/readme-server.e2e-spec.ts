// Runs the complete server of README.md (test/testing/fixtures/readme-server.ts) as its `main()` starts it.
import { Logger, type INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordConnections } from './fixtures/outbound-connections.js';
import { main } from './fixtures/readme-server.js';

describe('README.md complete server', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    Logger.overrideLogger(false); // main() keeps Nest's default logger; this file runs in its own worker
    app = await main(0);
    url = await app.getUrl();
  });
  afterAll(() => app?.close());

  it('answers an MCP request without a token with the MCP challenge, contacting no zone', async () => {
    const connections = recordConnections();
    const res = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(
      'resource_metadata="http://localhost:8000/.well-known/oauth-protected-resource/mcp"',
    );
    expect(connections.targets.filter((target) => !target.startsWith('127.0.0.1:'))).toEqual([]);
  });

  it('publishes its protected-resource metadata for the zone of its zone id', async () => {
    const res = await fetch(`${url}/.well-known/oauth-protected-resource/mcp`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      resource: 'http://localhost:8000/mcp',
      authorization_servers: ['https://your-zone-id.keycard.cloud'],
      bearer_methods_supported: ['header'],
    });
  });
});
