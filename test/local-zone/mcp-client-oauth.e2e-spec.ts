import {
  discoverAuthorizationServerMetadata,
  exchangeAuthorization,
  refreshAuthorization,
  registerClient,
  startAuthorization,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LocalZone } from '../../src/local-zone/index.js';
import { startCallbackServer, verifyWithZone, type TestServer } from './local-zone-test.helpers.js';

const MCP_RESOURCE = 'http://127.0.0.1:8000/mcp';

describe('LocalZone with the official MCP client OAuth functions', () => {
  let zone: LocalZone;
  let callback: TestServer & { redirectUri: string };

  beforeAll(async () => {
    zone = await LocalZone.start({ user: { sub: 'mcp-user' } });
    callback = await startCallbackServer();
  });

  afterAll(async () => {
    await callback.close();
    await zone.stop();
  });

  it('discovers, registers, authorizes headlessly, exchanges the code and refreshes', async () => {
    const metadata = await discoverAuthorizationServerMetadata(zone.zoneUrl);
    expect(metadata?.issuer).toBe(zone.zoneUrl);

    const client = await registerClient(zone.zoneUrl, {
      metadata,
      clientMetadata: {
        client_name: 'vitest MCP client',
        redirect_uris: [callback.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    });
    expect(client.client_id).toEqual(expect.any(String));

    const { authorizationUrl, codeVerifier } = await startAuthorization(zone.zoneUrl, {
      metadata,
      clientInformation: client,
      redirectUrl: callback.redirectUri,
      scope: 'mcp:tools',
      state: 'state-1',
      resource: new URL(MCP_RESOURCE),
    });
    // A headless client: fetch follows the redirects (login and consent are automatic).
    const query = (await (await fetch(authorizationUrl)).json()) as Record<string, string>;
    expect(query.state).toBe('state-1');

    const tokens = await exchangeAuthorization(zone.zoneUrl, {
      metadata,
      clientInformation: client,
      authorizationCode: query.code ?? '',
      iss: query.iss,
      codeVerifier,
      redirectUri: callback.redirectUri,
      resource: new URL(MCP_RESOURCE),
    });
    const { payload } = await verifyWithZone(zone, tokens.access_token, { audience: MCP_RESOURCE });
    expect(payload).toMatchObject({ sub: 'mcp-user', scope: 'mcp:tools', client_id: client.client_id });
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const refreshed = await refreshAuthorization(zone.zoneUrl, {
      metadata,
      clientInformation: client,
      refreshToken: tokens.refresh_token ?? '',
      resource: new URL(MCP_RESOURCE),
    });
    const again = await verifyWithZone(zone, refreshed.access_token, { audience: MCP_RESOURCE });
    expect(again.payload.sub).toBe('mcp-user');
    expect(zone.serverErrors).toEqual([]);
  });
});
