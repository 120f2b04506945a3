import { afterEach, describe, expect, it } from 'vitest';

import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone, LocalZoneError } from '../../src/local-zone/index.js';
import {
  describeLocalZone,
  parseLocalZoneCliArgs,
  runLocalZoneCli,
} from '../../src/local-zone/local-zone.cli.js';
import { basic, getJson, postForm } from './local-zone-test.helpers.js';

describe('LocalZone lifecycle', () => {
  const started: LocalZone[] = [];
  const start = async (...args: Parameters<typeof LocalZone.start>) => {
    const zone = await LocalZone.start(...args);
    started.push(zone);
    return zone;
  };

  afterEach(async () => {
    await Promise.all(started.splice(0).map((z) => z.stop()));
  });

  it('stop() frees the port: a new zone can start on it right away', async () => {
    const first = await start();
    const { port } = first;
    await first.stop();
    await expect(fetch(first.jwksUri)).rejects.toThrow();

    const second = await start({ port });
    expect(second.zoneUrl).toBe(`http://127.0.0.1:${port}`);
    const res = await getJson(`${second.zoneUrl}/.well-known/oauth-authorization-server`);
    expect(res.json?.issuer).toBe(second.zoneUrl);
  });

  it('stop() also ends idle keep-alive connections and may be called twice', async () => {
    const zone = await start();
    expect((await getJson(zone.jwksUri)).status).toBe(200);
    await zone.stop();
    await zone.stop();
    const again = await start({ port: zone.port });
    expect((await getJson(again.jwksUri)).status).toBe(200);
  });

  it('runs several zones at once, each with its own keys and clients', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.port).not.toBe(b.port);
    expect(a.currentKid).not.toBe(b.currentKid);
    const onlyA = await a.registerClient({ client_id: 'only-in-a', client_secret: 's' });
    const cc = (zone: LocalZone) =>
      postForm(zone.tokenEndpoint, { grant_type: 'client_credentials' }, basic(onlyA.client_id, 's'));
    expect((await cc(a)).status).toBe(200);
    expect((await cc(b)).status).toBe(401);
  });

  it('refuses a port in use with a clear error', async () => {
    const zone = await start();
    await expect(LocalZone.start({ port: zone.port })).rejects.toThrow(/already in use/);
  });

  it('validates its options', async () => {
    await expect(LocalZone.start({ port: -1 })).rejects.toBeInstanceOf(LocalZoneError);
    await expect(LocalZone.start({ tokenStyle: 'other' as 'keycard' })).rejects.toThrow(/tokenStyle/);
    await expect(LocalZone.start({ accessTokenTtlSeconds: 0 })).rejects.toThrow(/accessTokenTtlSeconds/);
  });

  it('can start without the demo clients', async () => {
    const zone = await start({ demoClients: false });
    const res = await postForm(zone.tokenEndpoint, { grant_type: 'client_credentials' }, basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET));
    expect(res.status).toBe(401);
  });

  describe('CLI', () => {
    it('parses --port, --token-style and --sub, defaulting to port 9999', () => {
      expect(parseLocalZoneCliArgs([])).toMatchObject({ port: 9999, tokenStyle: 'resource', help: false });
      expect(parseLocalZoneCliArgs(['--port', '0', '--token-style', 'keycard', '--sub', 'dev'])).toMatchObject({
        port: 0,
        tokenStyle: 'keycard',
        sub: 'dev',
      });
      expect(() => parseLocalZoneCliArgs(['--port', 'abc'])).toThrow(LocalZoneError);
      expect(() => parseLocalZoneCliArgs(['--bogus'])).toThrow(LocalZoneError);
    });

    it('starts a zone and prints its URL and demo clients', async () => {
      let printed = '';
      const zone = await runLocalZoneCli(['--port', '0', '--sub', 'cli-user'], { write: (t: string) => (printed += t) });
      expect(zone).toBeDefined();
      if (!zone) return;
      started.push(zone);
      expect(printed).toBe(describeLocalZone(zone));
      expect(printed).toContain(`LocalZone listening at ${zone.zoneUrl}`);
      expect(printed).toContain(`${DEMO_CLIENT_ID} / ${DEMO_CLIENT_SECRET}`);
      expect(printed).toContain('demo-public');
      expect(printed).toContain('cli-user');
      expect((await getJson(zone.metadataUrl)).json?.issuer).toBe(zone.zoneUrl);
    });
  });
});
