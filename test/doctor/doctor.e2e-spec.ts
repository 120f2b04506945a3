import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctorCommand } from '../../src/doctor/doctor.command.js';
import { startDemoStack, type DemoStack, type RecordedApp } from '../clients/fixtures/demo-stack.js';
import { startServer, type TestServer } from '../local-zone/local-zone-test.helpers.js';
import { freePort } from '../mcp/mcp-e2e.helpers.js';

/** Runs `nestjs-keycard <args>` in-process; returns the exit code and what it printed. */
async function doctor(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runDoctorCommand(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** The lines of a report that failed, each with its fix. */
function failures(stdout: string): string {
  return stdout
    .split('\n')
    .filter((line, i, lines) => line.startsWith('✘') || (line.startsWith('    fix:') && lines[i - 1]?.startsWith('✘')))
    .join('\n');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

describe('nestjs-keycard doctor', () => {
  let stack: DemoStack;
  let demo: RecordedApp;

  beforeAll(async () => {
    stack = await startDemoStack();
    demo = await stack.startApp('mcp-nest', 'express');
  });

  afterAll(async () => {
    await demo?.app.close();
    await stack?.stop();
  });

  it('passes every check on the demo app, one ✔ line each, exit 0', async () => {
    const { code, stdout } = await doctor('doctor', demo.mcpUrl.href);
    expect(failures(stdout), stdout).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`✔ POST ${demo.mcpUrl.href} without a token → 401`);
    expect(stdout).toContain(`✔ \`resource\` is ${demo.mcpUrl.href}, the URL you asked for`);
    expect(stdout).toContain('✔ scopes_supported: mcp:tools demo:admin');
    expect(stdout).toContain(`✔ issuer is ${stack.zone.issuer}`);
    expect(stdout).toContain('✔ PKCE S256 supported');
    expect(stdout).toContain('✔ token exchange (RFC 8693) supported');
    expect(stdout).toContain('dynamic registration, Client ID Metadata Documents');
    expect(stdout).toMatch(/✔ CORS preflight OPTIONS \S+ → 204/);
    expect(stdout).toMatch(/All \d+ checks passed\./);
  });

  it('localhost vs 127.0.0.1: names both URLs and the fix', async () => {
    const asked = demo.mcpUrl.href.replace('127.0.0.1', 'localhost');
    const { code, stdout } = await doctor('doctor', asked);
    expect(code).toBe(1);
    expect(failures(stdout)).toContain(`✘ \`resource\` is ${demo.mcpUrl.href}, not ${asked}`);
    expect(failures(stdout)).toContain(`use the same host in the client (${demo.mcpUrl.origin}), or set MCP_SERVER_URL=${new URL(asked).origin}`);
    expect(failures(stdout)).toContain('localhost and 127.0.0.1 are different resources');
  });

  describe('--token', () => {
    it('accepts a token for this server', async () => {
      const token = await stack.zone.mintAccessToken({ resource: demo.mcpUrl.href, scope: 'mcp:tools' });
      const { code, stdout } = await doctor('doctor', demo.mcpUrl.href, '--token', token);
      expect(failures(stdout), stdout).toBe('');
      expect(code).toBe(0);
      expect(stdout).toContain('✔ the server accepts the token');
      expect(stdout).not.toContain(token);
    });

    it('explains a token for another resource, without the scope the endpoint requires', async () => {
      const token = await stack.zone.mintAccessToken({ resource: 'http://127.0.0.1:1/other' });
      const { code, stdout } = await doctor('doctor', demo.mcpUrl.href, '--token', token);
      expect(code).toBe(1);
      expect(failures(stdout)).toContain(`the client must ask the zone for resource=${demo.mcpUrl.href}`);
      expect(failures(stdout)).toContain('lack mcp:tools');
      expect(failures(stdout)).toContain('the server refuses the token: 401 — the token was issued for another audience');
      expect(stdout).not.toContain(token);
    });
  });

  describe('deliberately broken servers', () => {
    let broken: TestServer;
    let mode: 'no-prm' | 'html-404' = 'no-prm';

    beforeAll(async () => {
      broken = await startServer((req, res) => {
        if (mode === 'html-404') {
          res.writeHead(404, { 'content-type': 'text/html' });
          res.end('<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>');
          return;
        }
        // An MCP server behind a hand-written bearer check: a challenge, but no discovery.
        if (req.url === '/mcp') {
          json(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer realm="mcp"' });
          return;
        }
        json(res, 404, { error: 'not_found' });
      });
    });

    afterAll(async () => {
      await broken?.close();
    });

    it('no protected-resource metadata: names the challenge and the metadata URL to serve', async () => {
      mode = 'no-prm';
      const { code, stdout } = await doctor('doctor', `${broken.url}/mcp`);
      expect(code).toBe(1);
      expect(failures(stdout)).toContain('challenge without resource_metadata');
      expect(failures(stdout)).toContain(`serve RFC 9728 metadata at ${broken.url}/.well-known/oauth-protected-resource/mcp`);
      expect(failures(stdout)).toContain("older clients look for the zone's metadata on the MCP server");
    });

    it('HTML 404s: says no MCP route answers and that the HTML is not from nestjs-keycard', async () => {
      mode = 'html-404';
      const { code, stdout } = await doctor('doctor', `${broken.url}/mcp`);
      expect(code).toBe(1);
      expect(failures(stdout)).toContain(`✘ POST ${broken.url}/mcp without a token → 404 HTML`);
      expect(failures(stdout)).toContain('no MCP route at /mcp');
      expect(failures(stdout)).toContain('the HTML page comes from another route or a proxy');
      expect(failures(stdout)).toContain('fallback discovery paths answer HTML: /mcp/.well-known/oauth-protected-resource → 404 HTML');
    });

  });

  it('nothing listening: says to start the server or check host and port', async () => {
    const url = `http://127.0.0.1:${await freePort()}/mcp`;
    const { code, stdout } = await doctor('doctor', url);
    expect(code).toBe(1);
    expect(failures(stdout)).toContain('ECONNREFUSED');
    expect(failures(stdout)).toContain('start the server, or check the host and port');
  });

  it('zone down: the server still answers, and the zone line says to start it or fix KEYCARD_ZONE_URL', async () => {
    const zoneUrl = stack.zone.zoneUrl;
    await stack.zone.stop();
    const { code, stdout } = await doctor('doctor', demo.mcpUrl.href);
    expect(code).toBe(1);
    expect(stdout).toContain(`✔ POST ${demo.mcpUrl.href} without a token → 401`);
    expect(failures(stdout)).toContain(`✘ zone metadata: GET ${zoneUrl}/.well-known/oauth-authorization-server → ECONNREFUSED`);
    expect(failures(stdout)).toContain('start it (npm run zone for a LocalZone) or fix KEYCARD_ZONE_URL');
  });

  it('is the package\'s nestjs-keycard bin (npx nestjs-keycard doctor …)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { bin?: Record<string, string> };
    expect(pkg.bin?.['nestjs-keycard']).toBe('./dist/doctor/doctor.cli.js');
    expect(readFileSync(new URL('../../src/doctor/doctor.cli.ts', import.meta.url), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('usage: no URL, or not a URL → the usage text and exit 1', async () => {
    for (const args of [['doctor'], ['doctor', 'localhost:8000/mcp'], ['frobnicate']]) {
      const { code, stderr } = await doctor(...args);
      expect(code, args.join(' ')).toBe(1);
      expect(stderr).toContain('Usage: nestjs-keycard doctor <mcp-url>');
    }
  });
});
