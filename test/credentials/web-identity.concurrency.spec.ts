import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importJWK, jwtVerify, type JWK } from 'jose';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const fixture = join(here, 'fixtures', 'bootstrap-web-identity.mjs');
const SERVER_NAME = 'Race Server';
const KID = 'Race_Server';

interface ChildResult {
  readonly jwks: { keys: Record<string, unknown>[] };
  readonly assertion: string;
  readonly generated: boolean;
}

/**
 * Compiles the library's own sources (credentials + errors) to plain ESM in `outDir`, so
 * the child processes run the real code without Vitest.
 */
async function compileCredentials(outDir: string): Promise<string> {
  for (const folder of ['credentials', 'errors']) {
    const sourceDir = join(repo, 'src', folder);
    for (const file of await readdir(sourceDir)) {
      if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
      const source = await readFile(join(sourceDir, file), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        fileName: file,
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          useDefineForClassFields: false,
          experimentalDecorators: true,
          isolatedModules: true,
        },
      });
      const target = join(outDir, relative(join(repo, 'src'), join(sourceDir, file.replace(/\.ts$/, '.js'))));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, outputText);
    }
  }
  await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n');
  // The compiled files import their dependencies (e.g. jsonwebtoken) by package name.
  await symlink(join(repo, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  return pathToFileURL(join(outDir, 'credentials', 'index.js')).href;
}

/** Starts `count` children, waits until all are ready, releases them together, and collects their output. */
async function bootstrapTogether(count: number, args: readonly string[]): Promise<ChildResult[]> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, [fixture, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const outcomes = children.map(
    (child) =>
      new Promise<ChildResult>((resolve, reject) => {
        let stderr = '';
        let result: ChildResult | undefined;
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) =>
          code === 0 && result ? resolve(result) : reject(new Error(`child exited with ${code}: ${stderr}`)),
        );
        createInterface({ input: child.stdout }).on('line', (line) => {
          if (line !== 'ready') result = JSON.parse(line) as ChildResult;
        });
      }),
  );
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          child.on('exit', (code) => reject(new Error(`child exited with ${code} before it was ready`)));
          createInterface({ input: child.stdout }).once('line', (line) =>
            line === 'ready' ? resolve() : reject(new Error(`unexpected first line: ${line}`)),
          );
        }),
    ),
  );
  for (const child of children) child.stdin.end('go\n');
  return Promise.all(outcomes);
}

describe('WebIdentity: two processes bootstrapping the same directory at once', () => {
  const dirs = tempDirs();
  let moduleUrl: string;

  beforeAll(async () => {
    moduleUrl = await compileCredentials(await dirs.make('keycard-webid-build-'));
  });
  afterAll(() => dirs.cleanup());

  async function expectOneSharedKey(storageDir: string, results: readonly ChildResult[]): Promise<void> {
    expect((await readdir(storageDir)).sort()).toEqual([`${KID}.jwk.json`, `${KID}.pem`]); // no temp files left
    const onDisk = JSON.parse(await readFile(join(storageDir, `${KID}.jwk.json`), 'utf8')) as Record<string, unknown>;
    const key = await importJWK(onDisk as JWK, 'RS256');
    for (const result of results) {
      expect(result.jwks).toEqual({ keys: [onDisk] });
      const { protectedHeader, payload } = await jwtVerify(result.assertion, key, { issuer: KID, subject: KID });
      expect(protectedHeader.kid).toBe(KID);
      expect(payload.aud).toBe('https://zone.example.com/oauth/token');
    }
  }

  it('both generate a key, exactly one is kept, and both use it', async () => {
    const storageDir = join(await dirs.make('keycard-webid-race-'), 'keys');
    const barrierDir = await dirs.make('keycard-webid-barrier-');
    const results = await bootstrapTogether(2, [moduleUrl, storageDir, SERVER_NAME, barrierDir, '2']);
    // The barrier made both find no key and generate their own before either published it.
    expect(results.map((r) => r.generated)).toEqual([true, true]);
    await expectOneSharedKey(storageDir, results);
  });

  it('a plain simultaneous start ends with one key pair, and a third start reuses it', async () => {
    const storageDir = join(await dirs.make('keycard-webid-start-'), 'keys');
    const results = await bootstrapTogether(2, [moduleUrl, storageDir, SERVER_NAME]);
    await expectOneSharedKey(storageDir, results);
    const [again] = await bootstrapTogether(1, [moduleUrl, storageDir, SERVER_NAME]);
    expect(again!.jwks).toEqual(results[0]!.jwks);
  });
});
