import { describe, expect, it } from 'vitest';
import { formatBearerChallenge, quoteHeaderValue } from './www-authenticate.js';

describe('WWW-Authenticate', () => {
  it('escapes backslash and double quote, and replaces characters a header cannot carry', () => {
    expect(quoteHeaderValue('a "quoted" \\ value')).toBe('"a \\"quoted\\" \\\\ value"');
    expect(quoteHeaderValue('line\r\nbreak\té')).toBe('"line??break??"');
  });

  it('puts resource_metadata first, then error, description and scope', () => {
    expect(
      formatBearerChallenge({
        resourceMetadata: 'http://localhost:8000/.well-known/oauth-protected-resource/mcp',
        error: 'invalid_token',
        errorDescription: 'the token has expired',
        scopes: ['mcp:tools', 'notes:read'],
      }),
    ).toBe(
      'Bearer resource_metadata="http://localhost:8000/.well-known/oauth-protected-resource/mcp", ' +
        'error="invalid_token", error_description="the token has expired", scope="mcp:tools notes:read"',
    );
  });

  it('leaves out what is not given', () => {
    expect(formatBearerChallenge({ resourceMetadata: 'http://x/.well-known/oauth-protected-resource', scopes: [] })).toBe(
      'Bearer resource_metadata="http://x/.well-known/oauth-protected-resource"',
    );
    expect(formatBearerChallenge({})).toBe('Bearer');
  });
});
