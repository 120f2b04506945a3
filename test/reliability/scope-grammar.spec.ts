import { describe, expect, it } from 'vitest';
import { RequireScopes } from '../../src/auth/require-scopes.decorator.js';
import { resolveKeycardSettings } from '../../src/config/keycard-settings.resolver.js';
import { KeycardConfigurationError } from '../../src/errors/keycard.error.js';
import { Grant } from '../../src/grant/grant.decorator.js';

const BASE = { zoneUrl: 'https://z.keycard.cloud', mcpBaseUrl: 'http://localhost:8000' };

/** Scope strings outside RFC 6749's scope-token grammar (%x21 / %x23-5B / %x5D-7E). */
const BAD_SCOPES = ['readonly\u00a0admin', 'a"b', 'back\\slash', 'café', 'tab\there', 'ideographic\u3000space', 'bom\ufeff', ''];

function configurationError(run: () => unknown): KeycardConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KeycardConfigurationError);
    return error as KeycardConfigurationError;
  }
  throw new Error('expected a KeycardConfigurationError');
}

describe('configured scopes follow the RFC 6749 scope-token grammar', () => {
  it.each(BAD_SCOPES)('requiredScopes %j fails the boot, naming the bad scope', (scope) => {
    const error = configurationError(() => resolveKeycardSettings({ ...BASE, requiredScopes: ['mcp:tools', scope] }, () => undefined));
    expect(error.message).toContain('requiredScopes');
    expect(error.message).toContain(JSON.stringify(scope));
    expect(error.message).not.toContain('"mcp:tools"');
  });

  it.each(BAD_SCOPES)('scopesSupported %j fails the boot, naming the bad scope', (scope) => {
    const error = configurationError(() => resolveKeycardSettings({ ...BASE, scopesSupported: [scope] }, () => undefined));
    expect(error.message).toContain(`scopesSupported`);
    expect(error.message).toContain(JSON.stringify(scope));
  });

  it.each(BAD_SCOPES)('@RequireScopes(%j) fails where it is declared, naming the bad scope', (scope) => {
    const error = configurationError(() => RequireScopes('mcp:tools', scope));
    expect(error.message).toContain('@RequireScopes()');
    expect(error.message).toContain(JSON.stringify(scope));
  });

  it.each(BAD_SCOPES)('@Grant() scopes %j fail where they are declared, as a string, a list and a map', (scope) => {
    const api = 'https://api.example';
    expect(configurationError(() => Grant(api, { scopes: [scope] })).message).toContain(JSON.stringify(scope));
    expect(configurationError(() => Grant(api, { scopes: { [api]: ['read', scope] } })).message).toContain(JSON.stringify(scope));
    if (scope !== '') expect(configurationError(() => Grant(api, { scopes: `read ${scope}` })).message).toContain(JSON.stringify(scope));
    else expect(() => Grant(api, { scopes: `read ${scope}` })).not.toThrow();
  });

  it('accepts every printable ASCII scope-token, and space-separated lists in @Grant strings', () => {
    const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i))
      .filter((c) => c !== '"' && c !== '\\')
      .join('');
    expect(resolveKeycardSettings({ ...BASE, requiredScopes: [printable, 'mcp:tools', 'https://api.example/read'] }, () => undefined).requiredScopes).toHaveLength(3);
    expect(() => RequireScopes(printable, 'calendar:read')).not.toThrow();
    expect(() => Grant('https://api.example', { scopes: 'read write' })).not.toThrow();
  });

  it('tolerates repeated, leading and trailing spaces in a @Grant scope string (they only separate)', () => {
    for (const scopes of ['read  write', ' read', 'read ']) expect(() => Grant('https://api.example', { scopes })).not.toThrow();
  });
});
