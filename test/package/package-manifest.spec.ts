import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, { types?: string; default?: string } | string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !/\.(spec|e2e-spec)\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Package names imported (statically or dynamically) by a file, without `node:` built-ins. */
function packagesImportedBy(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const statics = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*'([^']+)'/gm)].map((m) => m[1] as string);
  const sideEffects = [...text.matchAll(/^\s*import\s*'([^']+)'/gm)].map((m) => m[1] as string);
  const dynamics = [...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] as string);
  const specifiers = [...statics, ...sideEffects, ...dynamics].filter((s) => !s.startsWith('.'));
  return specifiers
    .filter((s) => !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string)));
}

const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
const optionalPeers = new Set(
  Object.entries(manifest.peerDependenciesMeta ?? {})
    .filter(([, meta]) => meta.optional)
    .map(([name]) => name),
);

describe('package manifest', () => {
  it.each(['.', './testing', './local-zone'])('exports %s with types and default', (entry) => {
    const target = manifest.exports[entry];
    expect(target).toMatchObject({ types: expect.stringMatching(/\.d\.ts$/), default: expect.stringMatching(/\.js$/) });
  });

  it('declares every package the published sources import', () => {
    const undeclared = sourceFiles(join(root, 'src')).flatMap((file) =>
      packagesImportedBy(file)
        .filter((name) => !declared.has(name))
        .map((name) => `${relative(root, file)} imports ${name}`),
    );
    expect(undeclared).toEqual([]);
  });

  it('loads optional peers only through their loader, with a dynamic import (type imports are free)', () => {
    const loaders: Record<string, string> = {
      'oidc-provider': join('src', 'local-zone', 'oidc-provider.loader.ts'),
      '@nestjs/config': join('src', 'config', 'config-service.locator.ts'),
      redis: join('src', 'redis', 'node-redis.loader.ts'),
    };
    expect(Object.keys(loaders).sort()).toEqual([...optionalPeers].sort());
    const misuse = sourceFiles(join(root, 'src')).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const path = relative(root, file);
      return [...optionalPeers].flatMap((peer) => {
        const valueImport = new RegExp(`^\\s*(?:import|export)(?!\\s+type\\b)[^;]*?from '${peer}'`, 'm').test(text);
        const dynamicImport = text.includes(`import('${peer}')`);
        if (valueImport) return [`${path} statically imports the optional peer ${peer}`];
        if (dynamicImport && path !== loaders[peer]) return [`${path} imports ${peer}; only ${loaders[peer]} may`];
        return [];
      });
    });
    expect(misuse).toEqual([]);
    expect(readFileSync(join(root, loaders['oidc-provider']!), 'utf8')).toContain("await import('oidc-provider')");
  });

  it('declares engines no looser than what its dependencies need (Node 20.19+ / 22.12+ for require(esm) of jose)', () => {
    const engines = (manifest as { engines?: { node?: string } }).engines?.node;
    expect(engines).toBe('^20.19.0 || >=22.12.0');
    const jwksRsa = JSON.parse(readFileSync(join(root, 'node_modules', 'jwks-rsa', 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(jwksRsa.engines.node).toBe('^20.19.0 || ^22.12.0 || >= 23.0.0');
  });

  it('keeps the runtime free of testing code', () => {
    const offenders = sourceFiles(join(root, 'src'))
      .filter((file) => !relative(root, file).startsWith(join('src', 'testing')))
      .filter((file) => /from '(\.\.?\/)+testing\//.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });
});
