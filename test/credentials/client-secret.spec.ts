import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ClientSecret } from '../../src/credentials/client-secret.credential.js';
import { KeycardConfigurationError, KeycardCredentialError } from '../../src/errors/keycard.error.js';
import { thrown, tokenRequest } from './helpers.js';

/** Decodes a client_secret_basic header the way RFC 6749 §2.3.1 says an AS must. */
function decodeBasic(header: string | null): { clientId: string; clientSecret: string; raw: string } {
  expect(header).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
  const raw = Buffer.from(header!.slice('Basic '.length), 'base64').toString('utf8');
  const colon = raw.indexOf(':');
  expect(colon).toBeGreaterThan(0);
  expect(raw.indexOf(':', colon + 1)).toBe(-1); // a ':' in the id or secret is percent-encoded
  const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
  return { clientId: formDecode(raw.slice(0, colon)), clientSecret: formDecode(raw.slice(colon + 1)), raw };
}

describe('ClientSecret', () => {
  it.each([
    ['plain', 'client', 'secret', 'client:secret'],
    ['colon', 'urn:client:1', 'pa:ss', 'urn%3Aclient%3A1:pa%3Ass'],
    ['space', 'my client', 'a b', 'my+client:a+b'],
    ['plus', 'c+1', 's+2', 'c%2B1:s%2B2'],
    ['percent', '100%', '%41', '100%25:%2541'],
    ['unicode', 'clïent', 'sécret✓', 'cl%C3%AFent:s%C3%A9cret%E2%9C%93'],
    ['reserved', 'a&b=c', '/?#[]@!$\'()*,;', 'a%26b%3Dc:%2F%3F%23%5B%5D%40%21%24%27%28%29*%2C%3B'],
    ['unreserved', 'A-z_0.9~', 'x', 'A-z_0.9%7E:x'],
  ])('Basic header with %s characters is form-urlencoded and decodes back', async (_case, clientId, clientSecret, raw) => {
    const request = tokenRequest();
    await new ClientSecret(clientId, clientSecret).authenticate(request);
    const decoded = decodeBasic(request.headers.get('Authorization'));
    expect(decoded.raw).toBe(raw);
    expect(decoded).toMatchObject({ clientId, clientSecret });
    expect([...request.body.keys()]).toEqual([]);
  });

  it('matches what URLSearchParams (application/x-www-form-urlencoded) decodes', async () => {
    const clientId = 'id with spaces+plus:colon%pct/é';
    const clientSecret = ' leading and trailing ';
    const request = tokenRequest();
    await new ClientSecret(clientId, clientSecret).authenticate(request);
    const { raw } = decodeBasic(request.headers.get('Authorization'));
    const [id, secret] = raw.split(':');
    expect(new URLSearchParams(`v=${id}`).get('v')).toBe(clientId);
    expect(new URLSearchParams(`v=${secret}`).get('v')).toBe(clientSecret);
  });

  it.each([
    ['an empty client id', '', 'secret', /client id/],
    ['a blank client id', '   ', 'secret', /client id/],
    ['an empty secret', 'id', '', /client secret/],
  ])('rejects %s in the constructor', (_case, clientId, clientSecret, message) => {
    expect(() => new ClientSecret(clientId, clientSecret)).toThrow(KeycardConfigurationError);
    expect(() => new ClientSecret(clientId, clientSecret)).toThrow(message);
  });

  describe('one client per zone', () => {
    const credential = new ClientSecret({
      'https://a.keycard.cloud/': { clientId: 'client-a', clientSecret: 'secret-a' },
      'https://b.keycard.cloud': { clientId: 'client-b', clientSecret: 'secret-b' },
    });

    it.each([
      ['https://a.keycard.cloud', 'client-a', 'secret-a'],
      ['https://a.keycard.cloud/', 'client-a', 'secret-a'],
      ['https://b.keycard.cloud/', 'client-b', 'secret-b'],
      ['https://b.keycard.cloud', 'client-b', 'secret-b'],
    ])('picks the client by issuer %s (trailing slash ignored)', async (issuer, clientId, clientSecret) => {
      const request = tokenRequest(issuer, `${issuer.replace(/\/$/, '')}/oauth/token`);
      await credential.authenticate(request);
      expect(decodeBasic(request.headers.get('Authorization'))).toMatchObject({ clientId, clientSecret });
      expect(credential.clientIdFor(issuer)).toBe(clientId);
    });

    it('an unknown issuer is a credential error naming the issuer, not a secret', async () => {
      const request = tokenRequest('https://c.keycard.cloud/');
      const error = await thrown(() => credential.authenticate(request));
      expect(error).toBeInstanceOf(KeycardCredentialError);
      expect(error.message).toContain('"https://c.keycard.cloud"');
      expect(error.message).not.toMatch(/secret-[ab]/);
      expect(request.headers.has('Authorization')).toBe(false);
    });

    it('rejects an empty map, a bad entry and an issuer given twice', () => {
      expect(() => new ClientSecret({})).toThrow(KeycardConfigurationError);
      expect(() => new ClientSecret({ 'https://a': { clientId: 'a', clientSecret: '' } })).toThrow(
        /issuer "https:\/\/a".*client secret/,
      );
      expect(
        () =>
          new ClientSecret({
            'https://a/': { clientId: 'a', clientSecret: 'x' },
            'https://a': { clientId: 'b', clientSecret: 'y' },
          }),
      ).toThrow(/appears twice/);
    });
  });

  it('a single client serves every issuer', async () => {
    const request = tokenRequest('https://anything.example');
    await new ClientSecret('id', 'secret').authenticate(request);
    expect(decodeBasic(request.headers.get('Authorization'))).toMatchObject({ clientId: 'id', clientSecret: 'secret' });
  });

  it.each([
    ['single', () => new ClientSecret('visible-id', 'TOP-SECRET-1')],
    [
      'per zone',
      () =>
        new ClientSecret({
          'https://a': { clientId: 'visible-id', clientSecret: 'TOP-SECRET-1' },
          'https://b': { clientId: 'other-id', clientSecret: 'TOP-SECRET-2' },
        }),
    ],
  ])('never shows the secret (%s): inspect, JSON, toString, template, errors', async (_case, make) => {
    const credential = make();
    const renderings = [
      inspect(credential),
      inspect(credential, { showHidden: true, depth: Infinity }),
      inspect({ nested: { credential } }),
      JSON.stringify(credential),
      JSON.stringify({ credential }),
      String(credential),
      `${credential}`,
    ];
    if (credential.issuers.length > 0) {
      renderings.push((await thrown(() => credential.authenticate(tokenRequest('https://unknown')))).message);
    }
    for (const text of renderings) {
      expect(text).not.toContain('TOP-SECRET');
    }
    expect(inspect(credential)).toContain('visible-id');
    expect(JSON.stringify(credential)).toContain('visible-id');
    expect(Object.values(credential).join(' ')).not.toContain('TOP-SECRET');
  });

  it('a constructor error does not contain the secret', () => {
    const error = (() => {
      try {
        return new ClientSecret('', 'TOP-SECRET-3');
      } catch (caught: unknown) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(KeycardConfigurationError);
    expect((error as Error).message).not.toContain('TOP-SECRET');
  });
});
