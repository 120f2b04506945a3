import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvReader, TokenEndpointRequest } from '../../src/credentials/application-credential.js';

/** A raw env reader over a record: empty strings are passed through, to check they count as unset. */
export function envOf(vars: Record<string, string> = {}): EnvReader {
  return (name) => vars[name];
}

export function tokenRequest(
  issuer = 'https://zone.example.com',
  tokenEndpoint = 'https://zone.example.com/oauth/token',
): TokenEndpointRequest {
  return { issuer, tokenEndpoint, headers: new Headers(), body: new URLSearchParams() };
}

/** Temp directories made by a test file; `cleanup()` removes them all. */
export function tempDirs(): { make(prefix?: string): Promise<string>; cleanup(): Promise<void> } {
  const made: string[] = [];
  return {
    async make(prefix = 'keycard-cred-') {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    async cleanup() {
      await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** Runs `fn` and returns what it threw (fails when it did not throw). */
export async function thrown(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (error: unknown) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('expected a throw, nothing was thrown');
}
