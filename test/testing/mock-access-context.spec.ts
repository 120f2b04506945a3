import { describe, expect, it } from 'vitest';
import { AccessContext, ResourceAccessError } from '../../src/grant/index.js';
import { mockAccessContext } from '../../src/testing/mock-access-context.js';
import { MockGrantService, mockGrants } from '../../src/testing/mock-grant.service.js';

const API = 'https://api.example.com';
const CALENDAR = 'https://calendar-api.com';

function accessError(context: AccessContext, resource: string): ResourceAccessError {
  try {
    context.access(resource);
  } catch (error) {
    if (error instanceof ResourceAccessError) return error;
    throw error;
  }
  throw new Error(`access(${resource}) returned a token`);
}

describe('mockAccessContext', () => {
  it('is the AccessContext class handlers get at runtime', () => {
    expect(Object.getPrototypeOf(mockAccessContext({ resources: API }))).toBe(AccessContext.prototype);
    expect(mockAccessContext()).toBeInstanceOf(AccessContext);
  });

  describe('used directly, without resources (as the seed\'s mock_access_context)', () => {
    it('default token: answers any resource', () => {
      const context = mockAccessContext();
      expect(context.access(API)).toEqual({ accessToken: 'test_access_token', tokenType: 'Bearer' });
      expect(context.access('https://anything.example.org/v2').accessToken).toBe('test_access_token');
      expect(context.hasErrors()).toBe(false);
      expect(context.getStatus()).toBe('success');
      expect(context.getSuccessfulResources()).toEqual([API, 'https://anything.example.org/v2']);
    });

    it('custom token: answers any resource with it', () => {
      const context = mockAccessContext({ accessToken: 'my_custom_token_123' });
      expect(context.access(API).accessToken).toBe('my_custom_token_123');
      expect(context.access(CALENDAR).accessToken).toBe('my_custom_token_123');
    });

    it('resource tokens: a resource not in the map throws and is recorded as a resource error', () => {
      const context = mockAccessContext({ resourceTokens: { [API]: 'api_token_123' } });
      expect(context.hasErrors()).toBe(false);
      const error = accessError(context, CALENDAR);
      expect(error.errorType).toBe('resource_error');
      expect(error.availableResources).toEqual([API]);
      expect(context.hasErrors()).toBe(true);
      expect(context.hasResourceError(CALENDAR)).toBe(true);
      expect(Object.keys(context.getErrors().resources)).toEqual([CALENDAR]);
      expect(context.getErrors().resources[CALENDAR]).toMatchObject({ message: `Token exchange failed for ${CALENDAR}` });
      expect(context.getStatus()).toBe('partial_error');
      expect(accessError(context, CALENDAR).errorType).toBe('resource_error');
      expect(context.access(API).accessToken).toBe('api_token_123');
    });

    it('error scenario: any resource throws global_error', () => {
      const context = mockAccessContext({ hasErrors: true, errorMessage: 'Token exchange failed' });
      expect(accessError(context, API).errorType).toBe('global_error');
      expect(context.getFailedResources()).toEqual([]);
      expect(context.getError()?.message).toBe('Token exchange failed');
    });
  });

  it('default scenario: every requested resource gets test_access_token', () => {
    const context = mockAccessContext({ resources: [API, CALENDAR, 'https://anything.example.org/v2'] });
    expect(context.access(API)).toEqual({ accessToken: 'test_access_token', tokenType: 'Bearer' });
    expect(context.access(CALENDAR).accessToken).toBe('test_access_token');
    expect(context.access('https://anything.example.org/v2').accessToken).toBe('test_access_token');
    expect(context.getStatus()).toBe('success');
    expect(context.hasErrors()).toBe(false);
    expect(context.getSuccessfulResources()).toEqual([API, CALENDAR, 'https://anything.example.org/v2']);
  });

  it('a resource that was not requested throws missing_token, as at runtime', () => {
    const context = mockAccessContext({ resources: [API] });
    expect(accessError(context, CALENDAR).errorType).toBe('missing_token');
    expect(mockAccessContext().getSuccessfulResources()).toEqual([]);
    expect(accessError(mockAccessContext({ resources: [] }), API).errorType).toBe('missing_token');
  });

  it('custom token: every requested resource gets it', () => {
    const context = mockAccessContext({ accessToken: 'my_custom_token_123', resources: [API, CALENDAR] });
    expect(context.access(API).accessToken).toBe('my_custom_token_123');
    expect(context.access(CALENDAR).accessToken).toBe('my_custom_token_123');
  });

  it('resource tokens: each resource its own token; the map keys are the default resources', () => {
    const context = mockAccessContext({ resourceTokens: { [API]: 'api_token_123', [CALENDAR]: 'calendar_token_456' } });
    expect(context.access(API).accessToken).toBe('api_token_123');
    expect(context.access(CALENDAR).accessToken).toBe('calendar_token_456');
    expect(context.getStatus()).toBe('success');
  });

  it('resource tokens: a requested resource missing from the map is a resource error and access() throws', () => {
    const context = mockAccessContext({ resourceTokens: { [API]: 'api_token_123' }, resources: [API, CALENDAR] });
    expect(context.access(API).accessToken).toBe('api_token_123');
    expect(context.getStatus()).toBe('partial_error');
    expect(context.hasResourceError(CALENDAR)).toBe(true);
    expect(context.getFailedResources()).toEqual([CALENDAR]);
    expect(context.getResourceErrors(CALENDAR)).toMatchObject({ message: `Token exchange failed for ${CALENDAR}`, code: 'invalid_target' });
    const error = accessError(context, CALENDAR);
    expect(error.errorType).toBe('resource_error');
    expect(error.availableResources).toEqual([API]);
  });

  it('resource tokens: a token for another resource does not count for the requested one', () => {
    const context = mockAccessContext({ resourceTokens: { 'https://calendar.example.com': 'calendar_token' }, resources: [CALENDAR] });
    expect(context.getStatus()).toBe('error');
    expect(accessError(context, CALENDAR).errorType).toBe('resource_error');
    expect(accessError(context, 'https://calendar.example.com').errorType).toBe('missing_token');
  });

  it('resource tokens: keys inherited from Object.prototype are not tokens', () => {
    const context = mockAccessContext({ resourceTokens: {}, resources: ['toString'] });
    expect(context.hasResourceError('toString')).toBe(true);
  });

  it('error scenario: a global error with the given message; access() throws global_error', () => {
    const context = mockAccessContext({ hasErrors: true, errorMessage: 'Custom auth error', resources: [API] });
    expect(context.hasErrors()).toBe(true);
    expect(context.hasError()).toBe(true);
    expect(context.getStatus()).toBe('error');
    expect(context.getError()).toEqual({ message: 'Custom auth error', retryable: false });
    expect(context.getSuccessfulResources()).toEqual([]);
    const error = accessError(context, API);
    expect(error.errorType).toBe('global_error');
    expect(error.message).toContain('Custom auth error');
  });

  it('error scenario: a default message', () => {
    expect(mockAccessContext({ hasErrors: true }).getError()?.message).toBe('mock token exchange failure');
  });

  it('refuses combinations that have no meaning', () => {
    expect(() => mockAccessContext({ accessToken: 'a', resourceTokens: { [API]: 'b' } })).toThrow(TypeError);
    expect(() => mockAccessContext({ errorMessage: 'boom' })).toThrow(/hasErrors: true/);
    expect(() => mockAccessContext({ accessToken: '' })).toThrow(TypeError);
  });
});

describe('mockGrants', () => {
  it('answers grants from the scenario and records what was asked for', async () => {
    const grants = mockGrants({ resourceTokens: { [API]: 'api_token_123' } });
    const context = await grants.grant({ token: 'subject-token' }, [API, CALENDAR], { scopes: 'read' });
    expect(context.access(API).accessToken).toBe('api_token_123');
    expect(context.hasResourceError(CALENDAR)).toBe(true);
    expect(grants.calls).toEqual([
      { subject: { token: 'subject-token' }, resources: [API, CALENDAR], scopes: 'read', accessContext: context },
    ]);
  });

  it('switches scenario with configure() and forgets calls with reset()', async () => {
    const grants = mockGrants();
    expect((await grants.grant({}, [API])).access(API).accessToken).toBe('test_access_token');
    grants.configure({ hasErrors: true }).reset();
    expect(grants.calls).toEqual([]);
    expect((await grants.grant({}, [API])).getStatus()).toBe('error');
    expect(() => grants.configure({ errorMessage: 'x' })).toThrow(TypeError);
  });

  it('is a GrantService whose withGrant passes the caller token from ctx.http.authInfo', async () => {
    const grants = mockGrants({ accessToken: 'sdk_token' });
    expect(grants).toBeInstanceOf(MockGrantService);
    const handler = grants.withGrant(API, (args: { q: string }, _ctx: { http?: { authInfo?: { token: string } } }, access: AccessContext) =>
      `${args.q}:${access.access(API).accessToken}`,
    );
    await expect(handler({ q: 'x' }, { http: { authInfo: { token: 'caller' } } })).resolves.toBe('x:sdk_token');
    expect(grants.calls[0]?.subject.token).toBe('caller');
    expect(grants.calls[0]?.resources).toEqual([API]);
  });
});
