import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildForReplicas, type ReplicaBuild } from './fixtures/replica-build.js';

const run = promisify(execFile);

describe('the redis option without the redis package installed', () => {
  let build: ReplicaBuild;

  beforeAll(async () => {
    build = await buildForReplicas();
  }, 60_000);

  afterAll(async () => {
    await build?.remove();
  });

  async function boot(hooks: string[]): Promise<string> {
    const { stdout } = await run(process.execPath, [...hooks, build.path('test/replicas/fixtures/boot-with-redis-option.ts')], { timeout: 60_000 });
    return stdout.trim();
  }

  it('fails the boot with a message saying to run npm install redis', async () => {
    const output = await boot(['--import', join(import.meta.dirname, 'fixtures', 'no-redis.hook.mjs')]);
    expect(output).toBe(
      'FAILED KeycardConfigurationError: Keycard configuration error: the redis option of KeycardModule uses Redis, ' +
        'but the node-redis client is not installed: run `npm install redis` (v5 or later).',
    );
  });

  it('boots with the package installed, even while that Redis is down', async () => {
    expect(await boot([])).toBe('BOOTED');
  });
});
