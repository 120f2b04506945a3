import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ApplicationCredential,
  type ApplicationCredentialKind,
  type TokenEndpointRequest,
} from '../../src/credentials/application-credential.js';
import { KeycardConfigurationError, KeycardCredentialError, KeycardError } from '../../src/errors/keycard.error.js';
import { TokenExchangeClient, TokenExchangeError } from '../../src/grant/index.js';
import { FakeTokenEndpoint, sendJson, unusedPort } from './fake-token-endpoint.js';

const SUBJECT_TOKEN = 'subject-token-SECRET-0123456789';
const CLIENT_SECRET = 'client-secret-SECRET-9876543210';
const RESOURCE = 'https://api.example.com';

/** Adds client_secret_basic authentication and records what it was given. */
class RecordingCredential extends ApplicationCredential {
  readonly kind: ApplicationCredentialKind = 'client_secret';
  readonly seen: { tokenEndpoint: string; issuer: string; hadSubjectToken: boolean }[] = [];

  async authenticate(request: TokenEndpointRequest): Promise<void> {
    this.seen.push({
      tokenEndpoint: request.tokenEndpoint,
      issuer: request.issuer,
      hadSubjectToken: request.body.get('subject_token') === SUBJECT_TOKEN,
    });
    request.headers.set('authorization', `Basic ${Buffer.from(`my-client:${CLIENT_SECRET}`).toString('base64')}`);
  }
}

class BrokenCredential extends ApplicationCredential {
  readonly kind: ApplicationCredentialKind = 'eks_workload_identity';
  async authenticate(): Promise<void> {
    throw new KeycardCredentialError('the token file /var/run/token is empty');
  }
}

async function exchangeError(promise: Promise<unknown>): Promise<TokenExchangeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TokenExchangeError) {
      return error;
    }
    throw error;
  }
  throw new Error('the exchange did not fail');
}

function expectNoSecrets(error: TokenExchangeError, ...secrets: string[]): void {
  const texts = [error.message, error.description ?? '', String(error), JSON.stringify({ ...error }), error.stack ?? ''];
  for (const secret of [SUBJECT_TOKEN, CLIENT_SECRET, ...secrets]) {
    for (const text of texts) {
      expect(text).not.toContain(secret);
    }
  }
}

describe('TokenExchangeClient', () => {
  let zone: FakeTokenEndpoint;

  beforeEach(async () => {
    zone = await FakeTokenEndpoint.start();
  });

  afterEach(async () => {
    await zone.close();
  });

  function client(options: Partial<ConstructorParameters<typeof TokenExchangeClient>[0]> = {}): TokenExchangeClient {
    return new TokenExchangeClient({ timeoutMs: 2000, ...options });
  }

  it('posts an RFC 8693 form to the token endpoint', async () => {
    await client().exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE });

    expect(zone.requests).toHaveLength(1);
    const [request] = zone.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/oauth/token');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers['accept']).toBe('application/json');
    expect(request?.headers['authorization']).toBeUndefined();
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: SUBJECT_TOKEN,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      resource: RESOURCE,
    });
  });

  it('sends scopes space separated', async () => {
    await client().exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE, scope: ['read', 'write'] });
    await client().exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE, scope: 'calendar:read' });
    expect(zone.requests.map((request) => request.form.getAll('scope'))).toEqual([['read write'], ['calendar:read']]);
  });

  it('lets the credential authenticate the request', async () => {
    const credential = new RecordingCredential();
    await client({ credential }).exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE });

    expect(credential.seen).toEqual([
      { tokenEndpoint: zone.metadata.token_endpoint, issuer: zone.metadata.issuer, hadSubjectToken: true },
    ]);
    expect(zone.requests[0]?.headers['authorization']).toBe(
      `Basic ${Buffer.from(`my-client:${CLIENT_SECRET}`).toString('base64')}`,
    );
  });

  it('parses a successful answer', async () => {
    zone.handler = (_request, response) =>
      sendJson(response, 200, {
        access_token: 'exchanged-token',
        token_type: 'DPoP',
        expires_in: 120,
        scope: 'read write',
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        extra: 'ignored',
      });
    const token = await client().exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE });
    expect(token).toEqual({
      accessToken: 'exchanged-token',
      tokenType: 'DPoP',
      expiresIn: 120,
      scope: 'read write',
      issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
    });
  });

  it('defaults token_type to Bearer and accepts a numeric-string expires_in', async () => {
    zone.handler = (_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"access_token":"t","expires_in":"300"}');
    const token = await client().exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE });
    expect(token).toEqual({ accessToken: 't', tokenType: 'Bearer', expiresIn: 300 });
  });

  it.each([
    [400, 'invalid_grant', 'subject token expired'],
    [400, 'invalid_target', 'resource is not registered'],
    [401, 'invalid_client', 'client authentication failed'],
  ])('keeps the OAuth error of a %i answer (%s)', async (status, code, description) => {
    zone.handler = (_request, response) => sendJson(response, status, { error: code, error_description: description });
    const error = await exchangeError(
      client({ credential: new RecordingCredential() }).exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE }),
    );
    expect(error).toBeInstanceOf(KeycardError);
    expect(error.name).toBe('TokenExchangeError');
    expect(error.code).toBe(code);
    expect(error.description).toBe(description);
    expect(error.status).toBe(status);
    expect(error.resource).toBe(RESOURCE);
    expect(error.message).toContain(description);
    expectNoSecrets(error);
  });

  it('redacts tokens and secrets a zone echoes in its error description', async () => {
    zone.handler = (request, response) =>
      sendJson(response, 400, {
        error: 'invalid_request',
        error_description: `bad token ${request.form.get('subject_token')} from ${request.headers['authorization']} secret ${CLIENT_SECRET}\nFAKE LOG LINE`,
      });
    const error = await exchangeError(
      client({ credential: new RecordingCredential() }).exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE }),
    );
    expect(error.code).toBe('invalid_request');
    expect(error.description).toContain('[redacted]');
    expect(error.description).not.toContain('\n');
    expectNoSecrets(error, Buffer.from(`my-client:${CLIENT_SECRET}`).toString('base64'));
  });

  it('rejects an HTML 502 without quoting its body', async () => {
    zone.handler = (_request, response) =>
      response.writeHead(502, { 'content-type': 'text/html' }).end(`<html><body>Bad Gateway BODY-MARKER ${SUBJECT_TOKEN}</body></html>`);
    const error = await exchangeError(client().exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE }));
    expect(error.code).toBe('invalid_response');
    expect(error.status).toBe(502);
    expect(error.message).toContain('502');
    expect(error.message).toContain('text/html');
    expect(`${error.message} ${error.description}`).not.toContain('BODY-MARKER');
    expectNoSecrets(error);
  });

  it('keeps the OAuth error of a 500 JSON answer and classifies one without an error code', async () => {
    zone.handler = (_request, response) => sendJson(response, 500, { error: 'server_error', error_description: 'database down' });
    const withCode = await exchangeError(client().exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE }));
    expect([withCode.code, withCode.description, withCode.status]).toEqual(['server_error', 'database down', 500]);

    zone.handler = (_request, response) => sendJson(response, 503, { status: 'down' });
    const withoutCode = await exchangeError(client().exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE }));
    expect([withoutCode.code, withoutCode.status]).toEqual(['server_error', 503]);
    expect(withoutCode.message).toContain('503');
  });

  it('rejects a JSON content type whose body is not JSON', async () => {
    zone.handler = (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token": "tok');
    const error = await exchangeError(client().exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE }));
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain('not valid JSON');
  });

  it.each([
    ['no access_token', { token_type: 'Bearer', expires_in: 60 }],
    ['an empty access_token', { access_token: '' }],
    ['a non-numeric expires_in', { access_token: 'exchanged-SECRET', expires_in: 'soon' }],
    ['a non-string token_type', { access_token: 'exchanged-SECRET', token_type: 7 }],
  ])('rejects a success with %s', async (_case, body) => {
    zone.handler = (_request, response) => sendJson(response, 200, body);
    const error = await exchangeError(client().exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE }));
    expect(error.code).toBe('invalid_response');
    expect(error.status).toBe(200);
    expectNoSecrets(error, 'exchanged-SECRET');
  });

  it('does not follow a redirect', async () => {
    zone.handler = (request, response) => {
      if (request.path === '/elsewhere') {
        sendJson(response, 200, { access_token: 'followed' });
        return;
      }
      response.writeHead(307, { location: '/elsewhere' }).end();
    };
    const error = await exchangeError(client().exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE }));
    expect(error.code).toBe('invalid_response');
    expect(error.status).toBe(307);
    expect(zone.requests.map((request) => request.path)).toEqual(['/oauth/token']);
  });

  it('times out when the zone never answers', async () => {
    zone.handler = () => undefined;
    const error = await exchangeError(
      client({ timeoutMs: 200 }).exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE }),
    );
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('200 ms');
    expect(zone.requests).toHaveLength(1);
    expectNoSecrets(error);
  });

  it('times out when the zone stalls in the middle of its answer', async () => {
    zone.handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"access_token":');
    };
    const error = await exchangeError(
      client({ timeoutMs: 200 }).exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE }),
    );
    expect(error.code).toBe('timeout');
    expect(error.status).toBe(200);
  });

  it('reports a refused connection as a network error', async () => {
    const port = await unusedPort();
    const error = await exchangeError(
      client().exchange({
        metadata: { issuer: `http://127.0.0.1:${port}`, token_endpoint: `http://127.0.0.1:${port}/oauth/token` },
        subjectToken: SUBJECT_TOKEN,
        resource: RESOURCE,
      }),
    );
    expect(error.code).toBe('network_error');
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toContain('ECONNREFUSED');
    expectNoSecrets(error);
  });

  it('rejects an answer declared larger than the cap', async () => {
    zone.handler = (_request, response) => {
      const body = JSON.stringify({ access_token: 'x'.repeat(2 * 1024 * 1024) });
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    };
    const error = await exchangeError(client().exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE }));
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain(String(1024 * 1024));
  });

  it('stops reading a streamed answer once it passes the cap', async () => {
    zone.handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"access_token":"');
      const chunk = 'y'.repeat(64 * 1024);
      for (let i = 0; i < 10; i++) {
        response.write(chunk);
      }
      response.end('"}');
    };
    const error = await exchangeError(
      client({ maxResponseBytes: 256 * 1024 }).exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE }),
    );
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain(String(256 * 1024));
  });

  it('reports a failing credential without sending the request', async () => {
    const error = await exchangeError(
      client({ credential: new BrokenCredential() }).exchange({ metadata: zone.metadata, subjectToken: SUBJECT_TOKEN, resource: RESOURCE }),
    );
    expect(error.code).toBe('credential_error');
    expect(error.message).toContain('token file /var/run/token is empty');
    expect(error.cause).toBeInstanceOf(KeycardCredentialError);
    expect(zone.requests).toHaveLength(0);
  });

  it('refuses an empty subject token without sending anything', async () => {
    const error = await exchangeError(client().exchange({ metadata: zone.metadata, subjectToken: '', resource: RESOURCE }));
    expect(error.code).toBe('missing_subject_token');
    expect(zone.requests).toHaveLength(0);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects timeoutMs %s', (timeoutMs) => {
    expect(() => new TokenExchangeClient({ timeoutMs })).toThrow(KeycardConfigurationError);
  });
});
