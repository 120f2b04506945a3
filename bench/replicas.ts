/**
 * `npm run bench:replicas`: what sharing state through Redis costs and saves.
 *
 * - Warm @Grant with the Redis cache, as ratios to the bare route and to the in-process cache
 *   (the in-process cache answers first, so a warm call should not touch Redis), and with the
 *   in-process cache off (every call reads and decrypts from Redis).
 * - The burst: 200 concurrent requests with one fresh token spread round-robin over 3
 *   replicas, with Redis (one exchange) and without (each replica exchanges on its own).
 *
 * Processes: this one (autocannon), a LocalZone child, three app children (bench/replicas-app.ts)
 * and a redis-server (REDIS_URL, or one started here; Debian: apt-get install redis-server).
 * Settings (env): BENCH_DURATION (s per round, default 3), BENCH_ROUNDS (default 3),
 * BENCH_CONNECTIONS (default 10), BENCH_USERS (default 100).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startDemoRedis, type DemoRedis } from '../apps/demo/demo-redis.js';
import { IpcClient, waitReady } from './bench-ipc.js';
import { describeMachine, fixed, measure, ratio, type Measurement, type Sample } from './bench-report.js';
import { REPLICAS_BENCH_RESOURCE } from './replicas.constants.js';
import type { ZoneCounts } from './bench-zone.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const resultsFile = join(repoRoot, 'bench', 'RESULTS-replicas.md');

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

const DURATION = setting('BENCH_DURATION', 3);
const ROUNDS = setting('BENCH_ROUNDS', 3);
const CONNECTIONS = setting('BENCH_CONNECTIONS', 10);
const USERS = setting('BENCH_USERS', 100);
const REPLICAS = 3;
const BURST = 200;
const BURST_LATENCY_MS = 100;

const log = (line: string): void => {
  process.stderr.write(`[bench:replicas] ${line}\n`);
};

interface Child {
  readonly process: ChildProcess;
  readonly ipc: IpcClient;
  readonly url: string;
}

async function start(script: string, name: string, env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const child = fork(join(here, script), [], { env: { ...process.env, ...env } });
  const ipc = new IpcClient(child);
  return { process: child, ipc, url: await waitReady(child, name) };
}

async function stop(child: Child | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
  await child.ipc.call('stop').catch(() => child.process.kill('SIGKILL'));
  await exited;
  clearTimeout(timer);
}

/** One autocannon run on `app`, cycling through `tokens`, with the app's CPU time. */
async function fire(app: Child, path: string, tokens: readonly string[], duration = DURATION): Promise<Sample> {
  const headers = tokens.map((token) => ({ authorization: `Bearer ${token}` }));
  let next = 0;
  const cpuBefore = await app.ipc.call<NodeJS.CpuUsage>('cpu');
  const result = await autocannon({
    url: app.url,
    connections: CONNECTIONS,
    duration,
    timeout: 10,
    requests: [{ method: 'GET', path, setupRequest: (request) => ({ ...request, headers: headers[next++ % headers.length] }) }],
  });
  const cpuAfter = await app.ipc.call<NodeJS.CpuUsage>('cpu');
  const appCpuUs = cpuAfter.user - cpuBefore.user + (cpuAfter.system - cpuBefore.system);
  log(`${path}: ${fixed(result.requests.average, 0)} req/s, p50 ${result.latency.p50} ms, app CPU ${fixed(appCpuUs / Math.max(1, result.requests.total), 0)} µs/req`);
  return { result, appCpuUs };
}

/** `BURST` concurrent requests with one token, round-robin over the replicas; exchanges the zone saw. */
async function burst(zone: Child, apps: readonly Child[], path: string, sub: string): Promise<{ exchanges: number; failures: number; ms: number }> {
  const [token] = await zone.ipc.call<string[]>('mint', { subs: [sub], resource: REPLICAS_BENCH_RESOURCE });
  await zone.ipc.call('clearRecords');
  const startedAt = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: BURST }, async (_, i) => {
      const response = await fetch(`${apps[i % apps.length]!.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      return response.status;
    }),
  );
  const ms = performance.now() - startedAt;
  const counts = await zone.ipc.call<ZoneCounts>('counts');
  return { exchanges: counts.exchangeCount, failures: statuses.filter((status) => status !== 200).length, ms };
}

const SCENARIOS = {
  bare: { path: '/bare', name: 'bare route (no guard)' },
  memory: { path: '/memory/grant', name: 'guard + @Grant, in-process cache (warm)' },
  redis: { path: '/redis/grant', name: 'guard + @Grant, Redis cache behind the in-process one (warm)' },
  redisOnly: { path: '/redis-only/grant', name: 'guard + @Grant, Redis only (in-process cache off: GET + decrypt per call)' },
} as const;
type Scenario = keyof typeof SCENARIOS;

async function main(): Promise<void> {
  let redis: DemoRedis | undefined;
  let zone: Child | undefined;
  const apps: Child[] = [];
  const startedAt = Date.now();
  try {
    redis = await startDemoRedis();
    zone = await start('bench-zone.js', 'zone');
    for (let i = 0; i < REPLICAS; i++) apps.push(await start('replicas-app.js', `replica ${i}`, { BENCH_ZONE_URL: zone.url, BENCH_REDIS_URL: redis.url }));
    const [app] = apps as [Child];
    log(`redis ${redis.url} (${redis.origin}), zone ${zone.url}, replicas ${apps.map((a) => a.url).join(' ')}`);

    const tokens = await zone.ipc.call<string[]>('mint', { subs: Array.from({ length: USERS }, (_, i) => `bench-user-${i}`), resource: REPLICAS_BENCH_RESOURCE });
    log('warm-up');
    for (const { path } of Object.values(SCENARIOS)) await fire(app, path, tokens, 2);
    const names = Object.keys(SCENARIOS) as Scenario[];
    const samples = Object.fromEntries(names.map((name) => [name, [] as Sample[]])) as Record<Scenario, Sample[]>;
    for (let round = 0; round < ROUNDS; round++) {
      log(`round ${round + 1} of ${ROUNDS}`);
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length]!;
        samples[name].push(await fire(app, SCENARIOS[name].path, tokens));
      }
    }
    const rows = Object.fromEntries(
      names.map((name) => [name, measure(SCENARIOS[name].name, samples[name], name === 'bare' ? undefined : samples.bare)]),
    ) as Record<Scenario, Measurement>;
    const vsMemory = (name: Scenario) => measure(SCENARIOS[name].name, samples[name], samples.memory);

    log(`burst: ${BURST} concurrent requests, one fresh token, round-robin over ${REPLICAS} replicas, zone +${BURST_LATENCY_MS} ms`);
    await zone.ipc.call('setFault', { target: 'token', fault: { latencyMs: BURST_LATENCY_MS } });
    // Opens the load generator's connections to every replica first, so that neither burst pays for them.
    await burst(zone, apps, '/bare', 'burst-warm-up');
    // Twice each, interleaved, so that neither setup always runs first; the second run of each is kept.
    await burst(zone, apps, '/memory/grant', 'burst-without-redis-1');
    await burst(zone, apps, '/redis/grant', 'burst-with-redis-1');
    const withoutRedis = await burst(zone, apps, '/memory/grant', 'burst-without-redis-2');
    const withRedis = await burst(zone, apps, '/redis/grant', 'burst-with-redis-2');
    await zone.ipc.call('clearFaults');

    const row = (m: Measurement, vsBare: string, vsMem: string): string =>
      `| ${m.name} | ${fixed(m.rps, 0)} | ${fixed(m.p50)} | ${fixed(m.p99)} | ${vsBare} | ${vsMem} | ${fixed(m.cpuUsPerRequest, 0)} | ${m.failures} |`;
    const table = [
      '| scenario | req/s | p50 (ms) | p99 (ms) | req/s vs bare | req/s vs in-process cache | app CPU µs/req | non-2xx + errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      row(rows.bare, '1.00×', '—'),
      row(rows.memory, ratio(rows.memory.rpsRatio ?? NaN), '1.00×'),
      row(rows.redis, ratio(rows.redis.rpsRatio ?? NaN), ratio(vsMemory('redis').rpsRatio ?? NaN)),
      row(rows.redisOnly, ratio(rows.redisOnly.rpsRatio ?? NaN), ratio(vsMemory('redisOnly').rpsRatio ?? NaN)),
      '',
      `Burst: ${BURST} concurrent requests with one fresh token, round-robin over ${REPLICAS} replicas (zone token endpoint +${BURST_LATENCY_MS} ms):`,
      '',
      '| setup | exchanges at the zone | failed requests | wall time (ms) |',
      '|---|---:|---:|---:|',
      `| shared Redis cache + lease | ${withRedis.exchanges} | ${withRedis.failures} | ${fixed(withRedis.ms, 0)} |`,
      `| in-process cache only | ${withoutRedis.exchanges} | ${withoutRedis.failures} | ${fixed(withoutRedis.ms, 0)} |`,
      '',
      'A replica whose Redis command takes longer than `commandTimeoutMs` (150 ms) exchanges on its own, by',
      'design: on a machine whose CPU is saturated, the shared burst can count more than one exchange.',
    ].join('\n');
    const settings = `${ROUNDS} round(s) of ${DURATION} s per scenario (interleaved; ratios per round, median), ${CONNECTIONS} connections, ${USERS} user tokens, on replica 0; Express; @Grant of 1 resource.`;
    const document = ['# Replicas benchmark results', '', 'Written by `npm run bench:replicas`.', '', describeMachine(), `- Settings: ${settings}`, `- Run time: ${fixed((Date.now() - startedAt) / 1000, 0)} s`, '', table, ''].join('\n');
    process.stdout.write(`\n${table}\n`);
    writeFileSync(resultsFile, document);
    log(`wrote ${relative(process.cwd(), resultsFile)}`);
  } finally {
    for (const app of apps) await stop(app);
    await stop(zone);
    await redis?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
