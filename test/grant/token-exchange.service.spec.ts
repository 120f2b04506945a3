import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ExchangeCache,
  MemoryExchangeCache,
  TokenExchangeClient,
  TokenExchangeError,
  TokenExchangeService,
  type ExchangeCacheEntry,
} from '../../src/grant/index.js';
import { FakeTokenEndpoint, issueToken, sendJson } from './fake-token-endpoint.js';

const ALICE = 'alice-subject-token-SECRET';
const BOB = 'bob-subject-token-SECRET';
const API = 'https://api.example.com';
const CALENDAR = 'https://calendar.example.com';
const START = Date.UTC(2030, 0, 1);

describe('TokenExchangeService', () => {
  let zone: FakeTokenEndpoint;
  let now: number;
  let warnings: string[];
  let restoreWarn: () => void;

  beforeEach(async () => {
    zone = await FakeTokenEndpoint.start();
    now = START;
    warnings = [];
    const spy = vi.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    restoreWarn = () => spy.mockRestore();
  });

  afterEach(async () => {
    restoreWarn();
    await zone.close();
  });

  function service(options: { cache?: ExchangeCache; timeoutMs?: number } = {}): TokenExchangeService {
    const clock = () => now;
    return new TokenExchangeService({
      client: new TokenExchangeClient({ timeoutMs: options.timeoutMs ?? 2000 }),
      cache: options.cache ?? new MemoryExchangeCache({ now: clock }),
      now: clock,
    });
  }

  function exchange(target: TokenExchangeService, overrides: { subjectToken?: string; resource?: string; scope?: string | string[]; subjectExpiresAt?: number } = {}) {
    return target.exchange({ metadata: zone.metadata, subjectToken: ALICE, resource: API, ...overrides });
  }

  it('serves the second identical exchange from the cache', async () => {
    const target = service();
    const first = await exchange(target);
    now += 10_000;
    const second = await exchange(target);
    expect(zone.requests).toHaveLength(1);
    expect(second.accessToken).toBe(first.accessToken);
    expect(first.expiresIn).toBe(3600);
    expect(second.expiresIn).toBe(3590);
  });

  it('sends one request for 50 concurrent identical exchanges', async () => {
    zone.handler = (request, response, index) => setTimeout(() => issueToken(request, response, index), 50);
    const target = service();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => exchange(target)));
    expect(zone.requests).toHaveLength(1);
    expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1);
  });

  it('never shares an entry between subject tokens', async () => {
    const target = service();
    const alice = await exchange(target, { subjectToken: ALICE });
    const bob = await exchange(target, { subjectToken: BOB });
    expect(zone.requests.map((request) => request.form.get('subject_token'))).toEqual([ALICE, BOB]);
    expect(bob.accessToken).not.toBe(alice.accessToken);
    expect((await exchange(target, { subjectToken: BOB })).accessToken).toBe(bob.accessToken);
  });

  it('never shares an in-flight request between subject tokens', async () => {
    zone.handler = (request, response, index) => setTimeout(() => issueToken(request, response, index), 50);
    const target = service();
    const [alice, bob] = await Promise.all([exchange(target, { subjectToken: ALICE }), exchange(target, { subjectToken: BOB })]);
    expect(zone.requests).toHaveLength(2);
    expect(alice.accessToken).not.toBe(bob.accessToken);
  });

  it('keys by normalised scope', async () => {
    const target = service();
    await exchange(target, { scope: 'read write' });
    await exchange(target, { scope: ['write', 'read', 'read'] });
    await exchange(target, { scope: 'read' });
    await exchange(target);
    expect(zone.requests.map((request) => request.form.get('scope'))).toEqual(['read write', 'read', null]);
  });

  it('exchanges again once the token is within 30 s of its expiry', async () => {
    const target = service();
    await exchange(target);
    now = START + (3600 - 30) * 1000 - 1;
    await exchange(target);
    expect(zone.requests).toHaveLength(1);
    now = START + (3600 - 30) * 1000;
    await exchange(target);
    expect(zone.requests).toHaveLength(2);
  });

  it('stops serving a token 30 s before the subject token expires', async () => {
    const target = service();
    const subjectExpiresAt = START / 1000 + 100;
    await exchange(target, { subjectExpiresAt });
    now = START + 69_999;
    await exchange(target, { subjectExpiresAt });
    expect(zone.requests).toHaveLength(1);
    now = START + 70_000;
    await exchange(target, { subjectExpiresAt });
    expect(zone.requests).toHaveLength(2);
  });

  it('does not cache when the subject token expires within the margin', async () => {
    const target = service();
    await exchange(target, { subjectExpiresAt: START / 1000 + 30 });
    await exchange(target, { subjectExpiresAt: START / 1000 + 30 });
    expect(zone.requests).toHaveLength(2);
  });

  it('uses the subject expiry alone when the token has no expires_in, and does not cache with neither', async () => {
    zone.handler = (request, response, index) => sendJson(response, 200, { access_token: `no-exp-${index}` });
    const target = service();
    await exchange(target);
    await exchange(target);
    expect(zone.requests).toHaveLength(2);

    const subjectExpiresAt = START / 1000 + 600;
    await exchange(target, { resource: CALENDAR, subjectExpiresAt });
    now = START + (600 - 30) * 1000 - 1;
    await exchange(target, { resource: CALENDAR, subjectExpiresAt });
    expect(zone.requests).toHaveLength(3);
    now += 1;
    await exchange(target, { resource: CALENDAR, subjectExpiresAt });
    expect(zone.requests).toHaveLength(4);
  });

  it('does not cache failures', async () => {
    zone.handler = (request, response, index) =>
      index === 1 ? sendJson(response, 400, { error: 'invalid_grant', error_description: 'try later' }) : issueToken(request, response, index);
    const target = service();
    await expect(exchange(target)).rejects.toBeInstanceOf(TokenExchangeError);
    const token = await exchange(target);
    expect(token.accessToken).toBe(`exchanged:${API}:2`);
    expect(zone.requests).toHaveLength(2);
  });

  it('shares a failure between concurrent callers, then forgets it', async () => {
    zone.handler = (request, response, index) =>
      index === 1
        ? setTimeout(() => sendJson(response, 503, { error: 'temporarily_unavailable' }), 50)
        : issueToken(request, response, index);
    const target = service();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => exchange(target)));
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    expect(zone.requests).toHaveLength(1);
    await expect(exchange(target)).resolves.toMatchObject({ accessToken: `exchanged:${API}:2` });
  });

  it('sends every exchange with maxEntries 0', async () => {
    const target = service({ cache: new MemoryExchangeCache({ maxEntries: 0 }) });
    await exchange(target);
    await exchange(target);
    expect(zone.requests).toHaveLength(2);
  });

  it('still exchanges when the cache store fails, and says so', async () => {
    class BrokenCache extends ExchangeCache {
      async get(): Promise<ExchangeCacheEntry | undefined> {
        throw new Error('store unreachable');
      }
      async set(): Promise<void> {
        throw new Error('store unreachable');
      }
      async delete(): Promise<void> {}
      async clear(): Promise<void> {}
    }
    const token = await exchange(service({ cache: new BrokenCache() }));
    expect(token.accessToken).toBe(`exchanged:${API}:1`);
    expect(warnings.join('\n')).toContain('store unreachable');
  });

  describe('exchangeAll', () => {
    function exchangeAll(target: TokenExchangeService, params: Partial<Parameters<TokenExchangeService['exchangeAll']>[0]> = {}) {
      return target.exchangeAll({ metadata: zone.metadata, subjectToken: ALICE, resources: [API, CALENDAR], ...params });
    }

    it('exchanges the resources concurrently', async () => {
      zone.handler = (request, response, index) =>
        setTimeout(() => {
          zone.events.push(`respond:${request.form.get('resource')}`);
          issueToken(request, response, index);
        }, 100);
      const context = await exchangeAll(service());
      expect(zone.events).toHaveLength(4);
      expect(zone.events.slice(0, 2).sort()).toEqual([`arrive:${API}`, `arrive:${CALENDAR}`].sort());
      expect(zone.events.slice(2).sort()).toEqual([`respond:${API}`, `respond:${CALENDAR}`].sort());
      expect(context.getStatus()).toBe('success');
      expect(context.getSuccessfulResources()).toEqual([API, CALENDAR]);
    });

    it('keeps the other token when one resource fails', async () => {
      zone.handler = (request, response, index) =>
        request.form.get('resource') === CALENDAR
          ? sendJson(response, 400, { error: 'invalid_target', error_description: 'calendar is not allowed' })
          : issueToken(request, response, index);
      const context = await exchangeAll(service());
      expect(context.getStatus()).toBe('partial_error');
      expect(context.access(API).accessToken).toMatch(/^exchanged:/);
      expect(context.getFailedResources()).toEqual([CALENDAR]);
      expect(context.getResourceErrors(CALENDAR)).toEqual({
        message: `Token exchange failed for ${CALENDAR}`,
        code: 'invalid_target',
        description: 'calendar is not allowed',
        retryable: false,
      });
      const logged = warnings.join('\n');
      expect(logged).toContain(CALENDAR);
      expect(logged).toContain('invalid_target');
      expect(logged).not.toContain(ALICE);
    });

    it('records a timeout per resource instead of throwing', async () => {
      zone.handler = () => undefined;
      const context = await exchangeAll(service({ timeoutMs: 200 }), { resources: [API] });
      expect(context.getStatus()).toBe('error');
      expect(context.getResourceErrors(API)).toMatchObject({ message: `Token exchange failed for ${API}`, code: 'timeout' });
      expect(context.getResourceErrors(API)?.description).toContain('200 ms');
    });

    it('is an error when every resource fails', async () => {
      zone.handler = (_request, response) => sendJson(response, 401, { error: 'invalid_client' });
      const context = await exchangeAll(service());
      expect(context.getStatus()).toBe('error');
      expect(context.hasError()).toBe(false);
      expect(context.getFailedResources()).toEqual([API, CALENDAR]);
    });

    it('sets the global error and sends nothing without a subject token', async () => {
      const context = await exchangeAll(service(), { subjectToken: '' });
      expect(zone.requests).toHaveLength(0);
      expect(context.getStatus()).toBe('error');
      expect(context.getError()).toEqual({ message: 'no authentication token available', retryable: false });
      expect(() => context.access(API)).toThrow(expect.objectContaining({ errorType: 'global_error' }));
    });

    it('is a success with no resources', async () => {
      const context = await exchangeAll(service(), { resources: [] });
      expect(context.getStatus()).toBe('success');
      expect(zone.requests).toHaveLength(0);
    });

    it('exchanges a resource listed twice once', async () => {
      const context = await exchangeAll(service(), { resources: [API, API] });
      expect(zone.requests).toHaveLength(1);
      expect(context.getSuccessfulResources()).toEqual([API]);
    });

    it.each([
      ['one string for all', 'read', { [API]: 'read', [CALENDAR]: 'read' }],
      ['one list for all', ['write', 'read'], { [API]: 'read write', [CALENDAR]: 'read write' }],
      ['a map per resource', { [API]: 'api:read', [CALENDAR]: ['cal:read', 'cal:write'] }, { [API]: 'api:read', [CALENDAR]: 'cal:read cal:write' }],
      ['a map missing a resource', { [API]: 'api:read' }, { [API]: 'api:read', [CALENDAR]: null }],
    ])('resolves scopes given as %s', async (_case, scopes, expected) => {
      await exchangeAll(service(), { scopes });
      const sent = Object.fromEntries(zone.requests.map((request) => [request.form.get('resource'), request.form.get('scope')]));
      expect(sent).toEqual(expected);
    });
  });
});
