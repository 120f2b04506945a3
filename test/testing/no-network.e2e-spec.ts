import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeycardAuthGuard } from '../../src/auth/keycard-auth.guard.js';
import { GrantService } from '../../src/grant/grant.service.js';
import { KeycardModule } from '../../src/keycard.module.js';
import { fakeKeycardGuard } from '../../src/testing/fake-keycard.guard.js';
import type { MockAccessOptions } from '../../src/testing/mock-access-context.js';
import { mockGrants, type MockGrantService } from '../../src/testing/mock-grant.service.js';
import { overrideKeycard } from '../../src/testing/override-keycard.js';
import { API, CALENDAR, type AccessSummary } from './fixtures/access-summary.js';
import { ADAPTERS, callJson, connectMcp, fixtureAppModule, startApp, type AdapterName } from './fixtures/fixture-app.js';
import { recordConnections, type ConnectionLog } from './fixtures/outbound-connections.js';
import { startTripwireZone } from './fixtures/tripwire-zone.js';

const KEYCARD_ENV = [
  'KEYCARD_ZONE_URL', 'KEYCARD_ZONE_ID', 'KEYCARD_BASE_URL', 'MCP_SERVER_URL', 'KEYCARD_CLIENT_ID', 'KEYCARD_CLIENT_SECRET',
  'KEYCARD_APPLICATION_CREDENTIAL_TYPE', 'KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
];

const SCENARIOS: readonly MockAccessOptions[] = [
  {},
  { accessToken: 'my_custom_token_123' },
  { resourceTokens: { [API]: 'api_token_123' } },
  { hasErrors: true, errorMessage: 'Token exchange failed' },
];

beforeEach(() => {
  for (const name of KEYCARD_ENV) vi.stubEnv(name, undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** Drives every kind of handler through every scenario; returns what the `sync` handlers reported. */
async function exerciseEverything(url: string, grants: MockGrantService, adapter: AdapterName): Promise<string[]> {
  const mcp = await connectMcp(url, '/mcp');
  const sdk = await connectMcp(url, '/sdk');
  const statuses: string[] = [];
  for (const scenario of SCENARIOS) {
    grants.configure(scenario);
    const http = await request(url).get('/api/sync').expect(200);
    const tool = await callJson<AccessSummary>(mcp, 'sync');
    const sdkTool = await callJson<AccessSummary>(sdk, 'sync');
    statuses.push(`${adapter}:${http.body.status}/${tool.status}/${sdkTool.status}`);
  }
  await callJson(mcp, 'whoami');
  await callJson(sdk, 'whoami');
  return statuses;
}

const EXPECTED_STATUSES = ['success', 'success', 'partial_error', 'error'];

function onlyTheApp(log: ConnectionLog, url: string): void {
  const { port } = new URL(url);
  expect(log.targets.length).toBeGreaterThan(0);
  expect(log.targets.filter((target) => target !== `127.0.0.1:${port}`)).toEqual([]);
}

describe.each(ADAPTERS)('no request leaves the process (%s)', (adapter) => {
  it('with the app’s own configuration pointing at a tripwire zone: mockGrants + fakeKeycardGuard never contact it', async () => {
    const zone = await startTripwireZone();
    const connections = recordConnections();
    const grants = mockGrants();
    const moduleRef = await Test.createTestingModule({
      imports: [fixtureAppModule(KeycardModule.forRoot({ zoneUrl: zone.url, mcpBaseUrl: 'http://localhost:3000' }))],
    })
      .overrideGuard(KeycardAuthGuard)
      .useValue(fakeKeycardGuard({ sub: 'alice' }))
      .overrideProvider(GrantService)
      .useValue(grants)
      .compile();
    const { url } = await startApp(moduleRef, adapter);

    const statuses = await exerciseEverything(url, grants, adapter);
    await request(url).get('/.well-known/oauth-protected-resource/mcp').expect(200);

    expect(statuses).toEqual(EXPECTED_STATUSES.map((status) => `${adapter}:${status}/${status}/${status}`));
    expect(grants.calls).toHaveLength(SCENARIOS.length * 3);
    expect(zone.requests).toEqual([]);
    onlyTheApp(connections, url);
  });

  it('with no zone configured at all: overrideKeycard boots an app whose KeycardModule.forRoot({}) could not', async () => {
    const connections = recordConnections();
    const AppModule = fixtureAppModule(KeycardModule.forRoot({}));
    await expect(Test.createTestingModule({ imports: [AppModule] }).compile()).rejects.toThrow(/no Keycard zone is configured/);

    const grants = mockGrants();
    const moduleRef = await overrideKeycard(Test.createTestingModule({ imports: [AppModule] }), { access: grants }).compile();
    const { url } = await startApp(moduleRef, adapter);

    const statuses = await exerciseEverything(url, grants, adapter);
    // The authorization-server mirror needs the zone: the offline zone answers, no connection is made.
    const mirror = await request(url).get('/.well-known/oauth-authorization-server');

    expect(statuses).toEqual(EXPECTED_STATUSES.map((status) => `${adapter}:${status}/${status}/${status}`));
    expect(mirror.status).toBe(502);
    onlyTheApp(connections, url);
  });

  it('control: the tripwire and the connection log do see a real GrantService reaching for the zone', async () => {
    const zone = await startTripwireZone();
    const connections = recordConnections();
    const moduleRef = await Test.createTestingModule({
      imports: [fixtureAppModule(KeycardModule.forRoot({ zoneUrl: zone.url, mcpBaseUrl: 'http://localhost:3000' }))],
    })
      .overrideGuard(KeycardAuthGuard)
      .useValue(fakeKeycardGuard({ sub: 'alice' }))
      .compile();
    const { url } = await startApp(moduleRef, adapter);

    const { body } = await request(url).get('/api/sync').expect(200);

    expect(body).toMatchObject({ status: 'error', error: 'the authorization server is unreachable', tokens: {} });
    expect(zone.requests.length).toBeGreaterThan(0);
    expect(connections.targets).toContain(new URL(zone.url).host);
  });
});
