// The package as npm publishes it: `npm pack` (whose `prepack` builds dist) of a copy of the
// repository, its file listing, and a fresh Nest 12 app (test/package/fixtures/fresh-app) that
// installs the tarball and passes a mockAccessContext recipe under Vitest and Jest, with and
// without the optional oidc-provider.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..');
const fixture = join(import.meta.dirname, 'fixtures', 'fresh-app');

/** What the fresh app installs beside nestjs-keycard (its own devDependencies, as a Nest 12 app would have). */
const APP_PACKAGES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/passport',
  '@nestjs/platform-express',
  '@nestjs/testing',
  'passport',
  'reflect-metadata',
  'rxjs',
  'typescript',
  '@types/node',
  'vitest',
  'unplugin-swc',
  '@swc/core',
  'jest',
  'babel-jest',
  '@babel/core',
  '@babel/plugin-transform-modules-commonjs',
];

interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** Environment for child processes: no Vitest worker variables, no inherited NODE_OPTIONS. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS'));
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

async function exec(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = childEnv()) {
  try {
    return await run(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

let work: string;
let packed: PackResult;
let manifest: { dependencies: Record<string, string>; bin: Record<string, string> };
const apps = new Map<'with' | 'without', string>();

/** Copies what `npm pack` needs into `stage` (not the repository's own dist) and packs it there. */
async function pack(): Promise<{ result: PackResult; tarball: string }> {
  const stage = join(work, 'stage');
  await mkdir(stage);
  for (const entry of ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.build.json', 'src', 'docs']) {
    await cp(join(repo, entry), join(stage, entry), { recursive: true });
  }
  await symlink(join(repo, 'node_modules'), join(stage, 'node_modules'), 'dir');
  const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', work], stage);
  const [result] = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1 || stdout.indexOf('['))) as PackResult[];
  return { result: result!, tarball: join(work, result!.filename) };
}

/** A fresh app with the tarball unpacked as node_modules/nestjs-keycard and each other package linked from this repository. */
async function freshApp(name: 'with' | 'without', tarball: string): Promise<string> {
  const app = join(work, `app-${name}-oidc-provider`);
  await cp(fixture, app, { recursive: true });
  const modules = join(app, 'node_modules');
  await mkdir(join(modules, 'nestjs-keycard'), { recursive: true });
  await exec('tar', ['xzf', tarball, '-C', join(modules, 'nestjs-keycard'), '--strip-components=1'], app);
  const linked = [...APP_PACKAGES, ...Object.keys(manifest.dependencies), ...(name === 'with' ? ['oidc-provider'] : [])];
  for (const pkg of linked) {
    await mkdir(dirname(join(modules, pkg)), { recursive: true });
    await symlink(join(repo, 'node_modules', pkg), join(modules, pkg), 'dir');
  }
  return app;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'keycard-packed-'));
  const { result, tarball } = await pack();
  packed = result;
  manifest = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as typeof manifest;
  apps.set('without', await freshApp('without', tarball));
  apps.set('with', await freshApp('with', tarball));
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the tarball', () => {
  const paths = () => packed.files.map((file) => file.path);

  it('has the license, the readme, the docs and every entry point built by prepack', () => {
    expect(paths()).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/testing/index.js',
        'dist/testing/index.d.ts',
        'dist/local-zone/index.js',
        'dist/local-zone/index.d.ts',
        'docs/SECURITY.md',
      ]),
    );
    for (const bin of Object.values(manifest.bin)) expect(paths()).toContain(posix.normalize(bin));
  });

  it('ships no tests, fixtures, keys or apps', () => {
    const offenders = paths().filter(
      (path) =>
        /\.(spec|e2e-spec)\.[cm]?[jt]s(\.map)?$|\.spec\.d\.ts(\.map)?$/.test(path) ||
        /(^|\/)(test|tests|fixtures|apps|bench|mcp_keys|node_modules)\//.test(path) ||
        /\.(pem|key|p12|tgz)$|(^|\/)\.env/.test(path),
    );
    expect(offenders).toEqual([]);
  });

  it('has source maps whose sources are in the tarball', async () => {
    const files = new Set(paths());
    const maps = paths().filter((path) => path.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(100);
    const dangling: string[] = [];
    const unpacked = join(apps.get('without')!, 'node_modules', 'nestjs-keycard');
    for (const map of maps) {
      const { sources } = JSON.parse(await readFile(join(unpacked, map), 'utf8')) as { sources: string[] };
      for (const source of sources) {
        const resolved = posix.normalize(posix.join(posix.dirname(map), source));
        if (!files.has(resolved)) dangling.push(`${map} → ${source}`);
      }
    }
    expect(dangling).toEqual([]);
  });

  it('runs the LocalZone CLI from its bin entry (help)', async () => {
    const bin = join(apps.get('with')!, 'node_modules', 'nestjs-keycard', manifest.bin['nestjs-keycard-zone']!);
    expect((await readFile(bin, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    const { stdout } = await exec(process.execPath, [bin, '--help'], apps.get('with')!);
    expect(stdout).toContain('Usage: nestjs-keycard-zone');
  });

  it('runs the doctor from its bin entry (help), without oidc-provider', async () => {
    const bin = join(apps.get('without')!, 'node_modules', 'nestjs-keycard', manifest.bin['nestjs-keycard']!);
    expect((await readFile(bin, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    const { stderr } = await exec(process.execPath, [bin, 'doctor', '--help'], apps.get('without')!);
    expect(stderr).toContain('Usage: nestjs-keycard doctor <mcp-url>');
  });
});

describe.each(['without', 'with'] as const)('a fresh Nest 12 app %s oidc-provider', (variant) => {
  const app = () => apps.get(variant)!;

  it('imports nestjs-keycard and nestjs-keycard/testing, printing nothing', async () => {
    const script =
      "const root = await import('nestjs-keycard'); const testing = await import('nestjs-keycard/testing');" +
      'console.log(typeof root.KeycardModule.forRoot, typeof testing.mockAccessContext)';
    const { stdout, stderr } = await exec(process.execPath, ['--input-type=module', '-e', script], app());
    expect(stdout.trim()).toBe('function function');
    expect(stderr).toBe(''); // no runtime warning (e.g. about require() of ESM) on supported Node.js versions
  });

  it(variant === 'with' ? 'starts a LocalZone from nestjs-keycard/local-zone, printing no warning' : 'fails to import nestjs-keycard/local-zone, naming the package to install', async () => {
    const { stdout, stderr } = await exec(process.execPath, ['src/local-zone-probe.mjs'], app());
    const outcome = JSON.parse(stdout) as { ok: boolean; issuer?: boolean; name?: string; message?: string };
    if (variant === 'with') {
      expect(outcome).toEqual({ ok: true, issuer: true });
      expect(stderr).toBe('');
    } else {
      expect(outcome.ok).toBe(false);
      expect(outcome.name).toBe('LocalZoneError');
      expect(outcome.message).toContain('npm install --save-dev oidc-provider@^9');
    }
  });

  it('type-checks the recipe against the packed declarations', async () => {
    await exec(process.execPath, [join(app(), 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app());
  });

  it('passes the mockAccessContext recipe under Vitest', async () => {
    const { stdout } = await exec(process.execPath, [join(app(), 'node_modules', 'vitest', 'vitest.mjs'), 'run'], app());
    expect(stdout).toMatch(/Tests\s+2 passed \(2\)/);
  });

  it('passes the mockAccessContext recipe under Jest (ESM, jose compiled for require)', async () => {
    const jest = join(app(), 'node_modules', 'jest', 'bin', 'jest.js');
    const { stderr } = await exec(process.execPath, ['--experimental-vm-modules', jest], app());
    expect(stderr).toMatch(/Tests:\s+2 passed, 2 total/);
  });
});

describe('Jest without the jose transform', () => {
  it("fails where jwks-rsa require()s jose — Jest's loader has no require(esm) before Node 24.9", async () => {
    const app = apps.get('without')!;
    const jest = join(app, 'node_modules', 'jest', 'bin', 'jest.js');
    const config = JSON.stringify({ testEnvironment: 'node', testMatch: ['**/src/**/*.jest.js'], transform: {} });
    const outcome = await exec(process.execPath, ['--experimental-vm-modules', jest, '--config', config], app).then(
      () => 'passed',
      (err: Error) => err.message,
    );
    const major = Number(process.versions.node.split('.')[0]);
    const minor = Number(process.versions.node.split('.')[1]);
    if (major > 24 || (major === 24 && minor >= 9)) {
      expect(outcome).toBe('passed');
    } else {
      expect(outcome).toContain('Must use import to load ES Module');
      expect(outcome).toMatch(/node_modules\/jose\//);
      expect(outcome).toMatch(/jwks-rsa\/src\/utils\.js/);
    }
  });
});
