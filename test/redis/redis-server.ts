import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';

/** Where Debian puts it; else whatever `redis-server` is on the PATH. */
const REDIS_SERVER = process.env.KEYCARD_TEST_REDIS_SERVER ?? 'redis-server';

/** One key of a Redis dump: its raw value (GET) and its serialized form (DUMP). */
export interface RedisDumpEntry {
  readonly key: string;
  readonly type: string;
  readonly value: string | undefined;
  readonly dump: Buffer | undefined;
  readonly pttl: number;
}

/**
 * A real `redis-server` (Debian's package) on 127.0.0.1 and a free port, without persistence,
 * in a temporary directory; started and stopped by the test that uses it. When redis-server
 * is not installed it fails with a message naming the package: these tests never skip.
 */
export class RedisTestServer {
  private process: ChildProcess | undefined;
  private paused = false;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** Starts a server; fails when `redis-server` is missing. */
  static async start(): Promise<RedisTestServer> {
    assertRedisServerInstalled();
    const server = new RedisTestServer(await freePort(), mkdtempSync(join(tmpdir(), 'keycard-redis-')));
    await server.launch();
    return server;
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  /** SIGSTOP: the server keeps its connections but answers nothing (a "slow" Redis). */
  pause(): void {
    this.process?.kill('SIGSTOP');
    this.paused = true;
  }

  /** SIGCONT after `pause()`. */
  resume(): void {
    this.process?.kill('SIGCONT');
    this.paused = false;
  }

  /** Kills the server (SIGKILL, as a crash would) and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.process;
    if (child === undefined) return;
    this.process = undefined;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    this.paused = false;
  }

  /** Starts it again on the same port, empty (no persistence). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** Stops the server and removes its directory. */
  async stop(): Promise<void> {
    if (this.paused) this.resume();
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every key with its type, GET value (strings), DUMP bytes and PTTL: what an attacker with Redis would see. */
  async dumpAll(): Promise<RedisDumpEntry[]> {
    const client = createClient({ url: this.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const entries: RedisDumpEntry[] = [];
      for await (const keys of client.scanIterator({ COUNT: 100 })) {
        for (const key of keys) {
          const type = await client.type(key);
          const value = type === 'string' ? ((await client.get(key)) ?? undefined) : undefined;
          const dump = (await client.sendCommand(['DUMP', key], { typeMapping: { 36: Buffer } })) as Buffer | null;
          entries.push({ key, type, value, dump: dump ?? undefined, pttl: await client.pTTL(key) });
        }
      }
      return entries;
    } finally {
      client.destroy();
    }
  }

  /** Runs one command on a fresh connection (for test set-up and checks). */
  async command(args: string[]): Promise<unknown> {
    const client = createClient({ url: this.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await client.sendCommand(args);
    } finally {
      client.destroy();
    }
  }

  private async launch(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process = child;
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      if (await answersPing(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.kill();
    throw new Error(`redis-server did not start on 127.0.0.1:${this.port}: ${output.trim()}`);
  }
}

/** Throws, naming the package, when `redis-server` cannot be run. */
export function assertRedisServerInstalled(): void {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      'redis-server is not installed, and these tests need a real Redis: install it with ' +
        '`apt-get install redis-server` (Debian/Ubuntu), or set KEYCARD_TEST_REDIS_SERVER to its path.',
    );
  }
}

async function answersPing(port: number): Promise<boolean> {
  const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false, connectTimeout: 500 } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}
