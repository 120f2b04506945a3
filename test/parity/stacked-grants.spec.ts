import { describe, expect, it } from 'vitest';
import { AccessContext, GrantService, KeycardConfigurationError } from 'nestjs-keycard';
import { combineGrants } from '../../src/grant/grant-metadata.js';

const A = 'https://a.example';
const B = 'urn:vault:b';

describe('combineGrants (stacked @Grant)', () => {
  it('unions resources in order and scopes per resource, whatever shape each grant used', () => {
    const combined = combineGrants([
      { resources: [A], scopes: 'read  write' },
      { resources: [A, B], scopes: { [A]: ['write', 'admin'], [B]: 'secret:read' } },
      { resources: [B] },
    ]);
    expect(combined.resources).toEqual([A, B]);
    expect(combined.scopes).toEqual({ [A]: ['read', 'write', 'admin'], [B]: ['secret:read'] });
  });

  it('asks no scope for a resource no grant gave scopes to', () => {
    const combined = combineGrants([{ resources: [A] }, { resources: [B], scopes: ['x'] }]);
    expect(combined.scopes).toEqual({ [B]: ['x'] });
    expect(combineGrants([{ resources: [A] }, { resources: [A] }]).scopes).toBeUndefined();
  });
});

describe('AccessContext.merge', () => {
  it('returns a new context with both sides; the other side wins for a resource both name; neither side changes', () => {
    const left = new AccessContext();
    left.setToken(A, { accessToken: 'left-a', tokenType: 'Bearer' });
    left.setResourceError(B, { message: 'failed', code: 'timeout' });
    const right = new AccessContext();
    right.setToken(B, { accessToken: 'right-b', tokenType: 'Bearer' });

    const merged = left.merge(right);

    expect(merged.getSuccessfulResources()).toEqual([A, B]);
    expect(merged.access(B).accessToken).toBe('right-b');
    expect(merged.getStatus()).toBe('success');
    expect(left.hasResourceError(B)).toBe(true);
    expect(right.getSuccessfulResources()).toEqual([B]);
  });

  it('keeps a global error from either side', () => {
    const failed = new AccessContext();
    failed.setError({ message: 'no authentication token available' });
    const ok = new AccessContext();
    ok.setToken(A, { accessToken: 't', tokenType: 'Bearer' });
    expect(ok.merge(failed).getError()?.message).toBe('no authentication token available');
    expect(failed.merge(ok).getStatus()).toBe('error');
  });
});

describe('withGrant arguments', () => {
  const grants = new GrantService(undefined as never, undefined as never);
  const handler = (): string => 'x';

  it.each([
    ['a mix of identifiers and definitions', () => grants.withGrant([A, { resources: B }] as never, handler)],
    ['definitions plus third-argument options', () => grants.withGrant([{ resources: A }], handler, { scopes: 'read' })],
    ['a definition with a bad resource', () => grants.withGrant([{ resources: 'relative/path' }], handler)],
    ['an empty list', () => grants.withGrant([], handler)],
  ])('refuses %s', (_name, wrap) => {
    expect(wrap).toThrow(KeycardConfigurationError);
  });
});
