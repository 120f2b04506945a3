import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KeycardError } from '../../src/errors/keycard.error.js';
import { AccessContext, ResourceAccessError, type TokenResponse } from '../../src/grant/index.js';

const API = 'https://api.example.com';
const OTHER = 'https://other-api.com';
const CALENDAR = 'https://calendar-api.com';

function token(accessToken: string): TokenResponse {
  return { accessToken, tokenType: 'Bearer', expiresIn: 3600 };
}

function failure(resource: string, code = 'invalid_target', description = 'resource not allowed') {
  return { message: `Token exchange failed for ${resource}`, code, description, retryable: false };
}

function catchAccessError(context: AccessContext, resource: string): ResourceAccessError {
  try {
    context.access(resource);
  } catch (error) {
    if (error instanceof ResourceAccessError) {
      return error;
    }
    throw error;
  }
  throw new Error(`access(${resource}) did not throw`);
}

describe('AccessContext', () => {
  it('is successful and empty when nothing was requested', () => {
    const context = new AccessContext();
    expect(context.getStatus()).toBe('success');
    expect(context.hasErrors()).toBe(false);
    expect(context.hasError()).toBe(false);
    expect(context.getError()).toBeUndefined();
    expect(context.getErrors()).toEqual({ resources: {}, error: undefined });
    expect(context.getSuccessfulResources()).toEqual([]);
    expect(context.getFailedResources()).toEqual([]);
    expect(catchAccessError(context, API).errorType).toBe('missing_token');
  });

  it('gives the token of a single resource', () => {
    const context = new AccessContext();
    context.setToken(API, { accessToken: 'tok-1', tokenType: 'Bearer', expiresIn: 60, scope: 'read', issuedTokenType: 'urn:x' });
    expect(context.access(API)).toEqual({ accessToken: 'tok-1', tokenType: 'Bearer', expiresIn: 60, scope: 'read', issuedTokenType: 'urn:x' });
    expect(context.getStatus()).toBe('success');
    expect(context.hasErrors()).toBe(false);
    expect(context.hasResourceError(API)).toBe(false);
    expect(context.getResourceErrors(API)).toBeUndefined();
    expect(context.getSuccessfulResources()).toEqual([API]);
  });

  it('gives every token when all resources succeed', () => {
    const context = new AccessContext();
    context.setToken(API, token('api_token_123'));
    context.setToken(CALENDAR, token('calendar_token_456'));
    expect(context.access(API).accessToken).toBe('api_token_123');
    expect(context.access(CALENDAR).accessToken).toBe('calendar_token_456');
    expect(context.getStatus()).toBe('success');
    expect(context.getSuccessfulResources()).toEqual([API, CALENDAR]);
    expect(context.getFailedResources()).toEqual([]);
  });

  it('keeps the successful tokens on a partial error', () => {
    const context = new AccessContext();
    context.setToken(API, token('api_token'));
    context.setResourceError(OTHER, failure(OTHER));
    expect(context.getStatus()).toBe('partial_error');
    expect(context.hasErrors()).toBe(true);
    expect(context.hasError()).toBe(false);
    expect(context.hasResourceError(OTHER)).toBe(true);
    expect(context.hasResourceError(API)).toBe(false);
    expect(context.getResourceErrors(OTHER)).toEqual(failure(OTHER));
    expect(context.getSuccessfulResources()).toEqual([API]);
    expect(context.getFailedResources()).toEqual([OTHER]);
    expect(context.access(API).accessToken).toBe('api_token');
    expect(context.getErrors()).toEqual({ resources: { [OTHER]: failure(OTHER) }, error: undefined });
  });

  it('is an error when every resource failed', () => {
    const context = new AccessContext();
    context.setResourceError(API, failure(API));
    context.setResourceError(OTHER, failure(OTHER, 'invalid_grant', 'expired'));
    expect(context.getStatus()).toBe('error');
    expect(context.hasErrors()).toBe(true);
    expect(context.hasError()).toBe(false);
    expect(context.getSuccessfulResources()).toEqual([]);
    expect(context.getFailedResources()).toEqual([API, OTHER]);
    expect(context.getErrors().resources).toEqual({ [API]: failure(API), [OTHER]: failure(OTHER, 'invalid_grant', 'expired') });
  });

  it('is an error with a global error, even with tokens', () => {
    const context = new AccessContext();
    context.setToken(API, token('api_token'));
    context.setError({ message: 'no authentication token available', retryable: false });
    expect(context.getStatus()).toBe('error');
    expect(context.hasError()).toBe(true);
    expect(context.hasErrors()).toBe(true);
    expect(context.getError()).toEqual({ message: 'no authentication token available', retryable: false });
    expect(context.getErrors()).toEqual({ resources: {}, error: { message: 'no authentication token available', retryable: false } });
  });

  describe('access() errors', () => {
    it('names the available resources when a token is missing', () => {
      const context = new AccessContext();
      context.setToken('https://a', token('a'));
      context.setToken('https://b', token('b'));
      const error = catchAccessError(context, 'https://x');
      expect(error).toBeInstanceOf(KeycardError);
      expect(error.name).toBe('ResourceAccessError');
      expect(error.errorType).toBe('missing_token');
      expect(error.resource).toBe('https://x');
      expect(error.availableResources).toEqual(['https://a', 'https://b']);
      expect(error.message).toContain('No token for https://x; available: https://a, https://b');
    });

    it('reports a resource error with its description', () => {
      const context = new AccessContext();
      context.setToken(API, token('api_token'));
      context.setResourceError(OTHER, failure(OTHER, 'invalid_target', 'audience not allowed'));
      const error = catchAccessError(context, OTHER);
      expect(error.errorType).toBe('resource_error');
      expect(error.resource).toBe(OTHER);
      expect(error.availableResources).toEqual([API]);
      expect(error.error).toEqual(failure(OTHER, 'invalid_target', 'audience not allowed'));
      expect(error.message).toContain(`Token exchange failed for ${OTHER}`);
      expect(error.message).toContain('audience not allowed');
    });

    it('reports the global error first, then the resource error, then the missing token', () => {
      const context = new AccessContext();
      context.setResourceError(OTHER, failure(OTHER));
      expect(catchAccessError(context, OTHER).errorType).toBe('resource_error');
      expect(catchAccessError(context, 'https://never-requested').errorType).toBe('missing_token');

      context.setToken(API, token('api_token'));
      context.setError({ message: 'no authentication token available', code: 'missing_token' });
      for (const resource of [API, OTHER, 'https://never-requested']) {
        const error = catchAccessError(context, resource);
        expect(error.errorType).toBe('global_error');
        expect(error.message).toContain('no authentication token available');
      }
    });
  });

  it('clears a resource error when its token is set, and drops the token when an error is set', () => {
    const context = new AccessContext();
    context.setResourceError(API, failure(API));
    context.setToken(API, token('now-ok'));
    expect(context.hasResourceError(API)).toBe(false);
    expect(context.getFailedResources()).toEqual([]);
    expect(context.access(API).accessToken).toBe('now-ok');
    expect(context.getStatus()).toBe('success');

    context.setResourceError(API, failure(API));
    expect(context.getSuccessfulResources()).toEqual([]);
    expect(catchAccessError(context, API).errorType).toBe('resource_error');
    expect(context.getStatus()).toBe('error');
  });

  it('does not let callers change recorded tokens or errors', () => {
    const context = new AccessContext();
    const original = { accessToken: 'tok', tokenType: 'Bearer' };
    context.setToken(API, original);
    original.accessToken = 'changed';
    expect(context.access(API).accessToken).toBe('tok');
    expect(Object.isFrozen(context.access(API))).toBe(true);
    context.setResourceError(OTHER, failure(OTHER));
    expect(Object.isFrozen(context.getErrors().resources)).toBe(true);
  });

  it('never shows tokens in util.inspect or JSON.stringify', () => {
    const context = new AccessContext();
    context.setToken(API, token('secret-access-token-value'));
    context.setResourceError(OTHER, failure(OTHER));
    const inspected = inspect(context, { depth: 10, showHidden: true });
    const json = JSON.stringify(context);
    for (const text of [inspected, json, String(context)]) {
      expect(text).not.toContain('secret-access-token-value');
    }
    expect(inspected).toContain(API);
    expect(inspected).toContain('partial_error');
    expect(JSON.parse(json)).toEqual({ status: 'partial_error', successfulResources: [API], failedResources: [OTHER] });
  });

  it('derives retryable from the code when the caller leaves it out, and keeps it when given', () => {
    const context = new AccessContext();
    context.setResourceError(API, { message: 'x', code: 'timeout' });
    context.setResourceError(OTHER, { message: 'x', code: 'access_denied' });
    context.setResourceError('urn:vault:a', { message: 'x', code: 'temporarily_unavailable' });
    context.setResourceError('urn:vault:b', { message: 'x', code: 'made_up' });
    context.setResourceError('urn:vault:c', { message: 'x', code: 'made_up', retryable: true });
    context.setError({ message: 'no code' });
    const retryable = Object.fromEntries(Object.entries(context.getErrors().resources).map(([r, e]) => [r, e.retryable]));
    expect(retryable).toEqual({ [API]: true, [OTHER]: false, 'urn:vault:a': true, 'urn:vault:b': false, 'urn:vault:c': true });
    expect(context.getError()?.retryable).toBe(false);
  });
});
