// Code quoted verbatim by docs/keycard-parity.md (`<!-- recipe: NAME -->` → `// #region NAME`).
import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import {
  AccessContext,
  AccessCtx,
  ClientSecret,
  Grant,
  KeycardAuthGuard,
  KeycardZonesGuard,
  type KeycardModuleOptions,
  type KeycardUser,
} from 'nestjs-keycard';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone } from 'nestjs-keycard/local-zone';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MCP_RESOURCE } from '../grant-e2e/fixtures/resources.js';
import { startParityApp, type ParityApp } from './fixtures/parity-app.js';

const CALENDAR_API = 'https://calendar.example.com';
const OPENAI_KEY = 'urn:vault:openai-api-key';

// #region parity-retryable
@Controller('calendar')
@UseGuards(KeycardAuthGuard)
export class CalendarTool {
  @Get('today')
  @Grant(CALENDAR_API, { scopes: 'calendar:read' })
  today(@AccessCtx() access: AccessContext): { text: string } {
    const error = access.getError() ?? access.getResourceErrors(CALENDAR_API);
    if (error?.retryable) {
      return { text: 'The calendar service is not answering right now. Please try again in a minute.' };
    }
    if (error) {
      return { text: `I am not allowed to read your calendar (${error.code ?? 'refused'}). Ask your administrator to grant access.` };
    }
    const { accessToken } = access.access(CALENDAR_API);
    return { text: `Connected to the calendar with a ${accessToken.length}-character delegated token.` };
  }
}
// #endregion parity-retryable

// #region parity-impersonation
@Controller('support')
@UseGuards(KeycardAuthGuard)
export class SupportTool {
  /** A support agent reads the calendar of the customer named in the request, not their own. */
  @Get('customer-calendar')
  @Grant(CALENDAR_API, {
    scopes: 'calendar:read',
    userIdentifier: ({ user, request }) => {
      const customer = (request as { query?: { customer?: string } }).query?.customer;
      if (!user?.scopes.includes('support') || !customer) throw new Error('only support agents may act for a named customer');
      return customer;
    },
  })
  customerCalendar(@AccessCtx() access: AccessContext): { actingFor: string | null; error: string | null } {
    if (access.hasErrors()) return { actingFor: null, error: (access.getError() ?? access.getResourceErrors(CALENDAR_API))?.message ?? null };
    const payload = access.access(CALENDAR_API).accessToken.split('.')[1] ?? '';
    return { actingFor: (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub: string }).sub, error: null };
  }
}
// #endregion parity-impersonation

// #region parity-stacked
@Controller('assistant')
@UseGuards(KeycardAuthGuard)
@Grant(CALENDAR_API, { scopes: 'calendar:read' }) // every tool of this class reads the calendar
export class AssistantTools {
  @Get('plan')
  @Grant([CALENDAR_API, OPENAI_KEY], { scopes: { [CALENDAR_API]: 'calendar:write' } }) // ...this one also writes it and uses the vaulted key
  plan(@AccessCtx() access: AccessContext): { granted: string[] } {
    // One exchange per resource: the calendar with 'calendar:read calendar:write', the vaulted key.
    return { granted: access.getSuccessfulResources() };
  }
}
// #endregion parity-stacked

// #region parity-zones
/** One MCP endpoint per zone: /alpha/mcp and /beta/mcp, each verified against its own zone. */
@Controller(':zoneId/mcp')
@UseGuards(KeycardZonesGuard)
export class ZonedMcpEndpoint {
  @Get()
  whoami(@Req() req: { user?: KeycardUser }): { sub: string | undefined; zone: unknown } {
    return { sub: req.user?.sub, zone: req.user?.claims.iss };
  }
}

export function zonedKeycardOptions(alphaUrl: string, betaUrl: string): KeycardModuleOptions {
  return {
    mcpBaseUrl: 'http://localhost:8000',
    // Without zoneUrls, each zone URL is {scheme}://{zoneId}.{host}{:port} of baseUrl (https://alpha.keycard.cloud).
    zones: { ids: ['alpha', 'beta'], zoneUrls: { alpha: alphaUrl, beta: betaUrl } },
    // One client per zone, keyed by issuer URL; a zone missing here gets no exchange at all.
    applicationCredential: new ClientSecret({
      [alphaUrl]: { clientId: 'alpha-app', clientSecret: 'alpha-secret' },
      [betaUrl]: { clientId: 'beta-app', clientSecret: 'beta-secret' },
    }),
  };
}
// #endregion parity-zones

describe('docs/keycard-parity.md zones recipe, run against two LocalZones', () => {
  it('admits a zone’s token on its own path and refuses it on the other zone’s', async () => {
    const alpha = await LocalZone.start();
    const beta = await LocalZone.start();
    const app = await startParityApp({ keycard: zonedKeycardOptions(alpha.zoneUrl, beta.zoneUrl), controllers: [ZonedMcpEndpoint] });
    try {
      const token = await alpha.mintAccessToken({ sub: 'ann', resource: 'http://localhost:8000/alpha/mcp' });
      expect(await app.get('/alpha/mcp', token)).toMatchObject({ status: 200, body: { sub: 'ann', zone: alpha.issuer } });
      expect((await app.get('/beta/mcp', token)).status).toBe(401);
      expect((await app.get('/gamma/mcp', token)).status).toBe(404);
    } finally {
      await app.close();
      await alpha.stop();
      await beta.stop();
    }
  });
});

describe('docs/keycard-parity.md recipes, run against LocalZone', () => {
  let zone: LocalZone;
  let app: ParityApp;
  let caller: string;

  beforeAll(async () => {
    zone = await LocalZone.start({ substituteUserClients: [DEMO_CLIENT_ID] });
    app = await startParityApp({
      keycard: { zoneUrl: zone.zoneUrl, applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET) },
      controllers: [CalendarTool, SupportTool, AssistantTools],
    });
  });

  beforeEach(async () => {
    zone.clearFaults();
    zone.clearRecords();
    caller = await zone.mintAccessToken({ sub: `agent-${Math.random().toString(36).slice(2)}`, scope: 'support', resource: MCP_RESOURCE });
  });

  afterAll(async () => {
    zone?.clearFaults();
    await app?.close();
    await zone?.stop();
  });

  it('retryable: "try again" for a zone outage, "ask an administrator" for a refusal, the token otherwise', async () => {
    zone.setFault('token', { failWith: { status: 503, body: { error: 'temporarily_unavailable' } } });
    expect((await app.get<{ text: string }>('/calendar/today', caller)).body.text).toMatch(/try again/);

    zone.setFault('token', { failResources: [CALENDAR_API], failResourcesWith: { status: 403, error: 'access_denied' } });
    expect((await app.get<{ text: string }>('/calendar/today', caller)).body.text).toMatch(/\(access_denied\)\. Ask your administrator/);

    zone.clearFaults();
    expect((await app.get<{ text: string }>('/calendar/today', caller)).body.text).toMatch(/^Connected to the calendar/);
  });

  it('impersonation: the exchange acts for the named customer; a caller without the support scope gets a global error', async () => {
    const acting = await app.get<{ actingFor: string | null }>('/support/customer-calendar?customer=cust-42', caller);
    expect(acting.body.actingFor).toBe('cust-42');

    const plain = await zone.mintAccessToken({ sub: 'someone', resource: MCP_RESOURCE });
    const refused = await app.get<{ error: string | null }>('/support/customer-calendar?customer=cust-42', plain);
    expect(refused.body.error).toBe('Failed to resolve user identifier: only support agents may act for a named customer');
  });

  it('stacked grants: class and method combine; one exchange per resource, URN included', async () => {
    const { body } = await app.get<{ granted: string[] }>('/assistant/plan', caller);
    expect(body.granted).toEqual([CALENDAR_API, OPENAI_KEY]);
    const byResource = Object.fromEntries(zone.exchangeRequests.map((r) => [r.resources.join(' '), r.scope ?? null]));
    expect(byResource).toEqual({ [CALENDAR_API]: 'calendar:read calendar:write', [OPENAI_KEY]: null });
  });
});
