import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalZone } from '../../src/local-zone/index.js';
import { CapturingLogger } from '../auth/fixtures/capturing-logger.js';
import { ADAPTERS, startApp, type RunningApp } from '../auth/fixtures/start-app.js';
import { leakedSecrets } from './fixtures/log-tap.js';
import { RESOURCE, ReliabilityAppModule } from './fixtures/reliability-app.js';

/** Requests per kind of bad token. */
const PER_KIND = 150;

describe.each(ADAPTERS)('rejected-token logging is bounded (%s)', (adapter) => {
  const logger = new CapturingLogger();
  const sent: string[] = [];
  let zone: LocalZone;
  let running: RunningApp;

  beforeAll(async () => {
    zone = await LocalZone.start();
    running = await startApp(adapter, ReliabilityAppModule.forRoot({ zoneUrl: zone.zoneUrl }), { logger });
  });

  afterAll(async () => {
    await running?.app.close();
    await zone?.stop();
  });

  it(`writes one warn line per distinct reason for ${PER_KIND * 3} rejected tokens, the rest at debug, and no token`, async () => {
    const kinds = [
      () => zone.mintAccessToken({ resource: RESOURCE, expiresIn: -600 }),
      () => zone.mintAccessToken({ resource: 'https://elsewhere.example/mcp' }),
      () => zone.mintAccessToken({ resource: RESOURCE, claims: { sub: '' } }),
    ];
    for (const kind of kinds) {
      for (let i = 0; i < PER_KIND; i++) {
        const token = await kind();
        sent.push(token);
        const response = await fetch(`${running.url}/mcp`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(401);
      }
    }
    const warnings = logger.lines.filter((line) => line.level === 'warn' && line.text.includes('bearer token'));
    expect(warnings.map((line) => line.text.replace(/ KeycardAuthGuard$/, '')).sort()).toEqual([
      'Rejected a bearer token: the token has expired',
      'Rejected a bearer token: the token has no subject (sub)',
      'Rejected a bearer token: the token was issued for another audience',
    ]);
    const debug = logger.lines.filter((line) => line.level === 'debug' && line.text.startsWith('Rejected a bearer token:'));
    expect(debug).toHaveLength(PER_KIND * 3 - 3);
    expect(leakedSecrets(logger.text, sent, 16)).toEqual([]);
  }, 60_000);
});
