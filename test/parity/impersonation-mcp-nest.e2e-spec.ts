import { Module } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { MCP_STRATEGY, McpController, Tool, type McpStrategy } from '@rekog/mcp-nest';
import { AccessContext, AccessCtx, ClientSecret, Grant, KeycardModule } from 'nestjs-keycard';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone } from 'nestjs-keycard/local-zone';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { GuardedMcpEndpoint, mcpNestProviders } from '../testing/fixtures/mcp-nest-tools.js';
import { claimsOf } from '../grant-e2e/fixtures/grant-report.js';

const API = 'https://api.example.com';
const MCP_BASE = 'http://localhost:8000';
const SUBSTITUTE_USER = 'urn:keycard:params:oauth:token-type:substitute-user';

/** An admin tool that reads the API as the user named in its arguments. */
@McpController()
class ImpersonatingTools {
  @Tool({ name: 'read_as', description: 'Reads the API as a user', parameters: z.object({ user: z.string() }) })
  @Grant(API, { userIdentifier: ({ args }) => (args as { user: string }).user })
  readAs(@AccessCtx() access: AccessContext): string {
    if (access.hasErrors()) return JSON.stringify({ error: access.getError() ?? access.getResourceErrors(API) });
    return JSON.stringify({ sub: claimsOf(access.access(API).accessToken).sub });
  }
}

describe.each(['express', 'fastify'] as const)('impersonation in an MCP-Nest tool: userIdentifier reads the tool arguments (%s)', (adapter) => {
  let zone: LocalZone;

  beforeAll(async () => {
    zone = await LocalZone.start({ substituteUserClients: [DEMO_CLIENT_ID] });
  });

  afterAll(async () => {
    await zone?.stop();
  });

  it('exchanges a substitute-user token for the user the real MCP client named in the call', async () => {
    @Module({
      imports: [KeycardModule.forRoot({ zoneUrl: zone.zoneUrl, mcpBaseUrl: MCP_BASE, applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET) })],
      controllers: [GuardedMcpEndpoint, ImpersonatingTools],
      providers: [...mcpNestProviders],
    })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = adapter === 'fastify' ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false }) : moduleRef.createNestApplication({ logger: false });
    onTestFinished(() => app.close());
    app.connectMicroservice({ strategy: app.get<McpStrategy>(MCP_STRATEGY) });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
    const token = await zone.mintAccessToken({ sub: 'admin', resource: `${MCP_BASE}/mcp` });
    const client = new Client({ name: 'parity-test', version: '1.0.0' });
    onTestFinished(() => client.close());
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));

    const results: unknown[] = [];
    for (const user of ['maria', 'nils']) {
      const result = (await client.callTool({ name: 'read_as', arguments: { user } })) as CallToolResult;
      const first = result.content[0];
      const text = first?.type === 'text' ? first.text : '""';
      const parsed: unknown = JSON.parse(text);
      results.push(typeof parsed === 'string' ? JSON.parse(parsed) : parsed);
    }

    expect(results).toEqual([{ sub: 'maria' }, { sub: 'nils' }]);
    const subjects = zone.exchangeRequests.map((record) => ({
      type: record.subjectTokenType,
      sub: (JSON.parse(Buffer.from(record.subjectToken?.split('.')[1] ?? '', 'base64url').toString()) as { sub: string }).sub,
    }));
    expect(subjects).toEqual([
      { type: SUBSTITUTE_USER, sub: 'maria' },
      { type: SUBSTITUTE_USER, sub: 'nils' },
    ]);
    zone.clearRecords();
  });
});
