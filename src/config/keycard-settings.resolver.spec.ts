import { describe, expect, it } from 'vitest';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import { createEnvReader } from './env-reader.js';
import type { KeycardModuleOptions } from './keycard-options.interface.js';
import { resolveKeycardSettings } from './keycard-settings.resolver.js';

const MCP = { mcpBaseUrl: 'http://localhost:8000' };
const envOf = (vars: Record<string, string>) => createEnvReader(undefined, vars);
const settings = (options: KeycardModuleOptions, vars: Record<string, string> = {}) =>
  resolveKeycardSettings(options, envOf(vars));
const problemsOf = (options: KeycardModuleOptions, vars: Record<string, string> = {}): string[] => {
  try {
    settings(options, vars);
  } catch (error) {
    expect(error).toBeInstanceOf(KeycardConfigurationError);
    return [...(error as KeycardConfigurationError).problems];
  }
  throw new Error('expected a configuration error');
};

describe('zone URL precedence', () => {
  const rows: Array<[string, KeycardModuleOptions, Record<string, string>, string]> = [
    ['zoneUrl option wins over everything', { zoneUrl: 'https://opt.example.com', zoneId: 'idopt' }, { KEYCARD_ZONE_URL: 'https://env.example.com', KEYCARD_ZONE_ID: 'idenv' }, 'https://opt.example.com'],
    ['KEYCARD_ZONE_URL beats the zoneId option', { zoneId: 'idopt' }, { KEYCARD_ZONE_URL: 'https://env.example.com' }, 'https://env.example.com'],
    ['zoneId option beats KEYCARD_ZONE_ID', { zoneId: 'idopt' }, { KEYCARD_ZONE_ID: 'idenv' }, 'https://idopt.keycard.cloud'],
    ['KEYCARD_ZONE_ID alone uses the default base', {}, { KEYCARD_ZONE_ID: 'abc' }, 'https://abc.keycard.cloud'],
    ['zone id with a custom base URL and port', { zoneId: 'dev123', baseUrl: 'https://staging.example.com:8443' }, {}, 'https://dev123.staging.example.com:8443'],
    ['zone id with KEYCARD_BASE_URL', { zoneId: 'dev123' }, { KEYCARD_BASE_URL: 'http://localhost:9000' }, 'http://dev123.localhost:9000'],
    ['baseUrl option beats KEYCARD_BASE_URL', { zoneId: 'z', baseUrl: 'https://opt.example' }, { KEYCARD_BASE_URL: 'https://env.example' }, 'https://z.opt.example'],
    ['the base URL path is dropped', { zoneId: 'z', baseUrl: 'https://example.com/some/path/' }, {}, 'https://z.example.com'],
    ['a default port is not written', { zoneId: 'z', baseUrl: 'https://example.com:443' }, {}, 'https://z.example.com'],
    ['a trailing slash on the zone URL is tolerated', { zoneUrl: 'http://127.0.0.1:9999/' }, {}, 'http://127.0.0.1:9999'],
    ['an empty zoneUrl option counts as unset', { zoneUrl: '' }, { KEYCARD_ZONE_URL: 'https://env.example.com' }, 'https://env.example.com'],
    ['an empty KEYCARD_ZONE_URL counts as unset', {}, { KEYCARD_ZONE_URL: '', KEYCARD_ZONE_ID: 'abc' }, 'https://abc.keycard.cloud'],
    ['an empty zoneId option counts as unset', { zoneId: '  ' }, { KEYCARD_ZONE_ID: 'abc' }, 'https://abc.keycard.cloud'],
    ['an empty base URL counts as unset', { zoneId: 'abc', baseUrl: '' }, { KEYCARD_BASE_URL: '' }, 'https://abc.keycard.cloud'],
  ];
  it.each(rows)('%s', (_name, options, vars, expected) => {
    const resolved = settings({ ...MCP, ...options }, vars);
    expect(resolved.zoneUrl).toBe(expected);
    expect(resolved.issuer).toBe(expected);
  });

  it('names all four ways when no zone is configured', () => {
    const [problem] = problemsOf(MCP, { KEYCARD_ZONE_URL: '', KEYCARD_ZONE_ID: '' });
    for (const way of ['`zoneUrl` option', 'KEYCARD_ZONE_URL', '`zoneId` option', 'KEYCARD_ZONE_ID']) {
      expect(problem).toContain(way);
    }
  });

  it.each([
    ['a relative zone URL', { zoneUrl: 'zone.example.com' }],
    ['a non-http zone URL', { zoneUrl: 'ftp://zone.example.com' }],
    ['a zone URL with a query', { zoneUrl: 'https://zone.example.com/?a=1' }],
    ['a zone id that is not a DNS label', { zoneId: 'bad.id' }],
    ['a bad base URL', { zoneId: 'ok', baseUrl: 'not a url' }],
  ])('rejects %s', (_name, options) => {
    expect(problemsOf({ ...MCP, ...options })).toHaveLength(1);
  });
});

describe('MCP server URL and resources', () => {
  const zone = { zoneUrl: 'https://z.keycard.cloud' };

  it.each([
    ['http://localhost:8000', 'http://localhost:8000/'],
    ['http://localhost:8000/', 'http://localhost:8000/'],
    ['https://mcp.example.com/api', 'https://mcp.example.com/api/'],
  ])('normalises %s to %s', (input, expected) => {
    expect(settings({ ...zone, mcpBaseUrl: input }).mcpBaseUrl).toBe(expected);
  });

  it('reads MCP_SERVER_URL when the option is unset or empty', () => {
    expect(settings({ ...zone }, { MCP_SERVER_URL: 'http://127.0.0.1:3000' }).mcpBaseUrl).toBe('http://127.0.0.1:3000/');
    expect(settings({ ...zone, mcpBaseUrl: '' }, { MCP_SERVER_URL: 'http://127.0.0.1:3000' }).mcpBaseUrl).toBe('http://127.0.0.1:3000/');
  });

  it('the option beats MCP_SERVER_URL', () => {
    expect(settings({ ...zone, mcpBaseUrl: 'http://a:1' }, { MCP_SERVER_URL: 'http://b:2' }).mcpBaseUrl).toBe('http://a:1/');
  });

  it('derives the default /mcp resource and its metadata URL', () => {
    const resolved = settings({ ...zone, mcpBaseUrl: 'http://localhost:8000' });
    expect(resolved.resources).toEqual([
      {
        path: 'mcp',
        resourceUrl: 'http://localhost:8000/mcp',
        metadataPath: '/.well-known/oauth-protected-resource/mcp',
        metadataUrl: 'http://localhost:8000/.well-known/oauth-protected-resource/mcp',
      },
    ]);
  });

  it('supports several MCP paths and a base path', () => {
    const resolved = settings({ ...zone, mcpBaseUrl: 'https://h.example/api', mcpPath: ['/mcp/', 'admin/mcp'] });
    expect(resolved.resources.map((r) => [r.resourceUrl, r.metadataUrl])).toEqual([
      ['https://h.example/api/mcp', 'https://h.example/.well-known/oauth-protected-resource/api/mcp'],
      ['https://h.example/api/admin/mcp', 'https://h.example/.well-known/oauth-protected-resource/api/admin/mcp'],
    ]);
  });

  it('accepts audiences with and without trailing slash, the base URL, and extras', () => {
    const resolved = settings({ ...zone, mcpBaseUrl: 'http://localhost:8000', additionalAudiences: ['urn:extra'] });
    expect([...resolved.audiences].sort()).toEqual(
      ['http://localhost:8000', 'http://localhost:8000/', 'http://localhost:8000/mcp', 'http://localhost:8000/mcp/', 'urn:extra'].sort(),
    );
  });

  it('requires an MCP URL and says how to set it', () => {
    const [problem] = problemsOf(zone);
    expect(problem).toContain('mcpBaseUrl');
    expect(problem).toContain('MCP_SERVER_URL');
  });

  it.each([
    ['a duplicate path', { mcpPath: ['mcp', '/mcp'] }],
    ['a path with a query', { mcpPath: 'mcp?x=1' }],
    ['an empty path list', { mcpPath: [] as string[] }],
  ])('rejects %s', (_name, options) => {
    expect(problemsOf({ ...zone, mcpBaseUrl: 'http://localhost:8000', ...options })).toHaveLength(1);
  });
});

describe('other settings', () => {
  const base = { zoneUrl: 'https://z.keycard.cloud', mcpBaseUrl: 'http://localhost:8000' };

  it('has documented defaults and is frozen', () => {
    const resolved = settings(base);
    expect(resolved).toMatchObject({
      algorithms: ['RS256'],
      clockToleranceSeconds: 5,
      metadataTtlSeconds: 3600,
      zoneTimeoutMs: 5000,
      exchangeCacheMaxEntries: 10_000,
      mcpServerName: 'MCP Server',
      requiredScopes: [],
      scopesSupported: [],
      baseUrl: 'https://keycard.cloud',
    });
    expect(Object.isFrozen(resolved.resources)).toBe(true);
    expect(Object.isFrozen(resolved.audiences)).toBe(true);
  });

  it('advertises the required scopes unless scopesSupported is given', () => {
    expect(settings({ ...base, requiredScopes: ['mcp:read'] }).scopesSupported).toEqual(['mcp:read']);
    expect(settings({ ...base, requiredScopes: ['a'], scopesSupported: ['a', 'b'] }).scopesSupported).toEqual(['a', 'b']);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({
      algorithms: ['HS256' as never],
      clockToleranceSeconds: -1,
      zoneTimeoutMs: 0,
      exchangeCacheMaxEntries: 1.5,
      requiredScopes: ['has space'],
    });
    expect(problems).toHaveLength(7); // zone, MCP URL, algorithms, tolerance, timeout, cache size, scopes
    expect(problems.join('\n')).toContain('HMAC');
  });

  it('never accepts alg none', () => {
    expect(problemsOf({ ...base, algorithms: ['none' as never] })[0]).toContain('algorithms');
  });
});

describe('env reader', () => {
  it('prefers ConfigService when the app has one', () => {
    const env = createEnvReader({ get: <T>(name: string) => (name === 'A' ? ('from-config' as T) : undefined) }, { A: 'from-process', B: 'b' });
    expect(env('A')).toBe('from-config');
    expect(env('B')).toBeUndefined();
  });

  it('treats empty and blank values as unset', () => {
    const env = createEnvReader(undefined, { A: '', B: '   ', C: ' x ' });
    expect(env('A')).toBeUndefined();
    expect(env('B')).toBeUndefined();
    expect(env('C')).toBe('x');
  });
});
