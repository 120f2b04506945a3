// The recipes of docs/testing.md, on the complete server of README.md (fixtures/readme-server.ts). Every
// `#region` below is quoted there verbatim, and test/testing/docs-sync.spec.ts fails when the two drift apart.
import { Test, type TestingModule } from '@nestjs/testing';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { MCP_STRATEGY, type McpStrategy } from '@rekog/mcp-nest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { KeycardAuthGuard } from '../../src/auth/keycard-auth.guard.js';
import { GrantService } from '../../src/grant/grant.service.js';
import { ClientSecret } from '../../src/credentials/index.js';
import { KeycardModule } from '../../src/keycard.module.js';
import { KEYCARD_MODULE_OPTIONS } from '../../src/keycard.module-definition.js';
import { LocalZone } from '../../src/local-zone/local-zone.js';
import { fakeKeycardGuard } from '../../src/testing/fake-keycard.guard.js';
import { mockAccessContext } from '../../src/testing/mock-access-context.js';
import { mockGrants } from '../../src/testing/mock-grant.service.js';
import { overrideKeycard } from '../../src/testing/override-keycard.js';
import { ApiTools, AppModule } from './fixtures/readme-server.js';


// #region connect
/** Starts the app on loopback and connects the real MCP client; both are closed after the test. */
async function connectMcpClient(moduleRef: TestingModule, bearerToken?: string): Promise<Client> {
  const app = moduleRef.createNestApplication({ logger: false });
  app.connectMicroservice({ strategy: app.get<McpStrategy>(MCP_STRATEGY) });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  onTestFinished(async () => {
    await client.close();
    await app.close();
  });
  const headers: Record<string, string> = bearerToken ? { Authorization: `Bearer ${bearerToken}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', await app.getUrl()), { requestInit: { headers } }));
  return client;
}

/** The text a tool answered with. */
async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  return JSON.stringify(result.content);
}
// #endregion connect

describe('docs/testing.md recipes', () => {
  // #region default-token
  it('gives every resource test_access_token by default', async () => {
    const moduleRef = await overrideKeycard(Test.createTestingModule({ imports: [AppModule] })).compile();
    const client = await connectMcpClient(moduleRef);

    const text = await callTool(client, 'call_external_api', { query: 'test' });

    expect(text).toContain('API result for test with token test_access_token');
  });
  // #endregion default-token

  // #region custom-token
  it('gives every resource a custom token', async () => {
    const moduleRef = await overrideKeycard(Test.createTestingModule({ imports: [AppModule] }), {
      access: { accessToken: 'my_custom_token_123' },
    }).compile();
    const client = await connectMcpClient(moduleRef);

    const text = await callTool(client, 'call_external_api', { query: 'test' });

    expect(text).toContain('with token my_custom_token_123');
  });
  // #endregion custom-token

  // #region resource-tokens
  it('gives each resource its own token', async () => {
    const moduleRef = await overrideKeycard(Test.createTestingModule({ imports: [AppModule] }), {
      access: {
        resourceTokens: {
          'https://api.example.com': 'api_token_123',
          'https://calendar-api.com': 'calendar_token_456',
        },
      },
    }).compile();
    const client = await connectMcpClient(moduleRef);

    const text = await callTool(client, 'sync_data');

    expect(text).toContain('API: api_token_123, Calendar: calendar_token_456');
  });
  // #endregion resource-tokens

  // #region error
  it('lets the tool report a failed token exchange', async () => {
    const moduleRef = await overrideKeycard(Test.createTestingModule({ imports: [AppModule] }), {
      access: { hasErrors: true, errorMessage: 'Token exchange failed' },
    }).compile();
    const client = await connectMcpClient(moduleRef);

    const text = await callTool(client, 'call_external_api', { query: 'test' });

    expect(text).toContain('Authentication failed');
    expect(text).toContain('Token exchange failed');
  });
  // #endregion error

  // #region fake-user
  it('runs tools as a fake caller and records the grants they asked for', async () => {
    const grants = mockGrants();
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideGuard(KeycardAuthGuard)
      .useValue(fakeKeycardGuard({ sub: 'alice', scopes: ['mcp:tools', 'calendar:read'] }))
      .overrideProvider(GrantService)
      .useValue(grants)
      .compile();
    const client = await connectMcpClient(moduleRef);

    expect(await callTool(client, 'whoami')).toContain('alice with scopes mcp:tools calendar:read');
    await callTool(client, 'sync_data');

    expect(grants.calls.map((call) => call.resources)).toEqual([['https://api.example.com', 'https://calendar-api.com']]);
  });
  // #endregion fake-user

  // #region unit
  it('calls a tool method directly with a mock AccessContext', () => {
    // Without `resources`, mockAccessContext() answers any resource (as the Python mock_access_context).
    expect(new ApiTools().callExternalApi({ query: 'q' }, mockAccessContext())).toBe('API result for q with token test_access_token');

    // With `resources`, only those were requested, as @Grant would: the others fail.
    const access = mockAccessContext({
      resourceTokens: { 'https://api.example.com': 'api_token_123' },
      resources: ['https://api.example.com', 'https://calendar-api.com'],
    });

    expect(new ApiTools().syncData(access)).toBe('Failed: https://calendar-api.com');
  });
  // #endregion unit

  // #region local-zone
  it('exchanges real tokens at a LocalZone', async () => {
    const zone = await LocalZone.start();
    onTestFinished(() => zone.stop());
    const { client_id, client_secret } = await zone.registerClient();
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(KEYCARD_MODULE_OPTIONS)
      .useValue({
        zoneUrl: zone.zoneUrl,
        mcpBaseUrl: 'http://localhost:8000',
        applicationCredential: new ClientSecret(client_id, client_secret!),
      })
      .compile();
    const token = await zone.mintAccessToken({ sub: 'alice', resource: 'http://localhost:8000/mcp' });
    const client = await connectMcpClient(moduleRef, token);

    const text = await callTool(client, 'sync_data');

    expect(text).toMatch(/API: ey[\w-]+\.[\w-]+\.[\w-]+, Calendar: ey/);
    expect(zone.exchangeRequests.map((request) => [request.subjectToken === token, request.resources])).toEqual(
      expect.arrayContaining([
        [true, ['https://api.example.com']],
        [true, ['https://calendar-api.com']],
      ]),
    );
  });
  // #endregion local-zone
});
