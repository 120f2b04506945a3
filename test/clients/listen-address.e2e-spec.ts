import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenAddressMismatch } from '../../src/config/listen-address.js';
import { LocalZone } from 'nestjs-keycard/local-zone';
import { AuthFixtureModule } from '../auth/fixtures/auth-fixture.module.js';
import { CapturingLogger } from '../auth/fixtures/capturing-logger.js';
import { ADAPTERS, startApp, type RunningApp } from '../auth/fixtures/start-app.js';
import { freePort } from '../mcp/mcp-e2e.helpers.js';

describe('listenAddressMismatch', () => {
  it('names both when a loopback mcpBaseUrl has another port than the server listens on', () => {
    const message = listenAddressMismatch('http://127.0.0.1:8000/', { address: '127.0.0.1', port: 8200 });
    expect(message).toContain('mcpBaseUrl (MCP_SERVER_URL) is http://127.0.0.1:8000/ but this server listens on 127.0.0.1:8200');
    expect(message).toContain('Set MCP_SERVER_URL=http://127.0.0.1:8200 (mcpBaseUrl), or listen on port 8000.');
    expect(listenAddressMismatch('http://localhost/', { address: '127.0.0.1', port: 8000 })).toContain('on port 80');
  });

  it('names an address clients given the URL cannot reach', () => {
    expect(listenAddressMismatch('http://[::1]:8000/', { address: '127.0.0.1', port: 8000 })).toContain('[::1] and 127.0.0.1 are different addresses');
    expect(listenAddressMismatch('http://127.0.0.1:8000/', { address: '::1', port: 8000 })).toContain('127.0.0.1 and ::1 are different addresses');
    expect(listenAddressMismatch('http://127.0.0.1:8000/', { address: '10.1.2.3', port: 8000 })).toContain('listening only on 10.1.2.3');
  });

  it('is quiet when the URL can be the listen address, or a proxy may sit in between', () => {
    expect(listenAddressMismatch('http://127.0.0.1:8000/', { address: '127.0.0.1', port: 8000 })).toBeUndefined();
    expect(listenAddressMismatch('http://localhost:8000/', { address: '127.0.0.1', port: 8000 })).toBeUndefined();
    expect(listenAddressMismatch('http://localhost:8000/', { address: '::', port: 8000 })).toBeUndefined();
    expect(listenAddressMismatch('https://mcp.example.com/', { address: '127.0.0.1', port: 8000 })).toBeUndefined();
  });
});

describe.each(ADAPTERS)('startup warning on %s', (adapter) => {
  let zone: LocalZone;
  const apps: RunningApp[] = [];

  beforeAll(async () => {
    zone = await LocalZone.start();
  });

  afterAll(async () => {
    for (const running of apps) await running.app.close();
    await zone?.stop();
  });

  it('warns once listening when mcpBaseUrl names another port, naming both', async () => {
    const logger = new CapturingLogger();
    const publicPort = await freePort();
    const running = await startApp(adapter, AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl, mcpBaseUrl: `http://127.0.0.1:${publicPort}` }), { logger });
    apps.push(running);
    const listening = new URL(running.url).port;
    const warnings = logger.lines.filter((line) => line.level === 'warn' && line.text.includes('mcpBaseUrl (MCP_SERVER_URL)'));
    expect(warnings, logger.text).toHaveLength(1);
    expect(warnings[0]!.text).toContain(`is http://127.0.0.1:${publicPort}/ but this server listens on 127.0.0.1:${listening}`);
  });

  it('says nothing when the server listens where mcpBaseUrl points', async () => {
    const logger = new CapturingLogger();
    const port = await freePort();
    const module = AuthFixtureModule.forRoot({ zoneUrl: zone.zoneUrl, mcpBaseUrl: `http://127.0.0.1:${port}` });
    const { NestFactory } = await import('@nestjs/core');
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const app = adapter === 'express' ? await NestFactory.create(module, { logger }) : await NestFactory.create(module, new FastifyAdapter(), { logger });
    await app.listen(port, '127.0.0.1');
    apps.push({ app, url: `http://127.0.0.1:${port}` });
    expect(logger.lines.filter((line) => line.text.includes('mcpBaseUrl (MCP_SERVER_URL)')), logger.text).toEqual([]);
  });
});
