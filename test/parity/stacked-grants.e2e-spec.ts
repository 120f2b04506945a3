import { ClientSecret } from 'nestjs-keycard';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone, type ExchangeRequestRecord } from 'nestjs-keycard/local-zone';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AdapterKind } from '../grant-e2e/fixtures/grant-fixture.module.js';
import { API, CALENDAR, FILES, MCP_RESOURCE } from '../grant-e2e/fixtures/resources.js';
import { startParityApp, type ParityApp } from './fixtures/parity-app.js';
import { StackedRoutes, StackedSdkRoutes } from './fixtures/stacked-routes.controller.js';

describe.each<AdapterKind>(['express', 'fastify'])('stacked grants (%s)', (adapter) => {
  let zone: LocalZone;
  let app: ParityApp;
  let subject: string;

  const byResource = (): Record<string, ExchangeRequestRecord[]> => {
    const result: Record<string, ExchangeRequestRecord[]> = {};
    for (const record of zone.exchangeRequests) (result[record.resources.join(' ')] ??= []).push(record);
    return result;
  };

  beforeAll(async () => {
    zone = await LocalZone.start();
    app = await startParityApp({
      keycard: { zoneUrl: zone.zoneUrl, applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET) },
      controllers: [StackedRoutes, StackedSdkRoutes],
      adapter,
    });
  });

  beforeEach(async () => {
    zone.clearRecords();
    // A new caller per test: nothing cached by an earlier test answers.
    subject = await zone.mintAccessToken({ sub: `stack-${Math.random().toString(36).slice(2)}`, resource: MCP_RESOURCE });
  });

  afterAll(async () => {
    await app?.close();
    await zone?.stop();
  });

  it('@Grant on the class and the method combine: resources and scopes merged, one exchange per resource', async () => {
    const { status, body } = await app.get('/stacked/both', subject);

    expect(status).toBe(200);
    expect(body.status).toBe('success');
    expect(body.successful).toEqual([API, CALENDAR]);
    const records = byResource();
    expect(Object.keys(records).sort()).toEqual([API, CALENDAR].sort());
    expect(records[API]).toHaveLength(1);
    expect(records[CALENDAR]).toHaveLength(1);
    expect(records[API]?.[0]?.scope).toBe('read write');
    expect(records[CALENDAR]?.[0]?.scope).toBe('cal:read');
    expect(body.resources[API]?.token).toMatchObject({ aud: API, scope: 'read write' });
  });

  it('withGrant combines a list of grant definitions the same way', async () => {
    const { body } = await app.get('/stacked-sdk', subject);

    expect(body.successful).toEqual([API, CALENDAR]);
    const records = byResource();
    expect(records[API]?.map((r) => r.scope)).toEqual(['read write']);
    expect(records[CALENDAR]?.map((r) => r.scope)).toEqual(['cal:read']);
  });

  it('AccessContext.merge joins the class grant with one the handler made itself', async () => {
    const { body } = await app.get('/stacked/merged', subject);

    expect(body).toMatchObject({ status: 'success', successful: [API, FILES] });
    expect(body.resources[API]?.token).toMatchObject({ aud: API, scope: 'read' });
    expect(body.resources[FILES]?.token).toMatchObject({ aud: FILES });
    expect(Object.keys(byResource()).sort()).toEqual([API, FILES].sort());
  });

  it('merge keeps a refusal next to the tokens, with its retryable flag', async () => {
    zone.setFault('token', { failResources: [FILES], failResourcesWith: { status: 403, error: 'access_denied' } });
    try {
      const { body } = await app.get('/stacked/merged', subject);
      expect(body).toMatchObject({ status: 'partial_error', successful: [API], failed: [FILES] });
      expect(body.resources[FILES]?.resourceError).toMatchObject({ code: 'access_denied', retryable: false });
    } finally {
      zone.clearFaults();
    }
  });
});
