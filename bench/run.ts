/**
 * `npm run bench`: throughput and latency of the guard and of @Grant, as ratios to a bare
 * route of the same app, in one run. See bench/README.md.
 *
 * Three processes: this one (autocannon, the load generator), a LocalZone child and a Nest
 * app child, all on 127.0.0.1. Settings (env): BENCH_DURATION (s per round, default 4),
 * BENCH_ROUNDS (default 5), BENCH_CONNECTIONS (default 10), BENCH_USERS (distinct tokens,
 * default 100), BENCH_CPU_PROF=1 (write a V8 CPU profile of the app to bench/profiles/),
 * BENCH_ONLY=/guard (profiling: warm up, load only that route for BENCH_DURATION, no report).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type AutocannonRequest } from 'autocannon';
import { IpcClient, waitReady } from './bench-ipc.js';
import { describeMachine, fixed, measure, ratio, type Measurement, type Sample } from './bench-report.js';
import { BENCH_MCP_RESOURCE, BENCH_RESOURCES } from './bench.constants.js';
import type { ZoneCounts } from './bench-zone.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const resultsFile = join(repoRoot, 'bench', 'RESULTS.md');

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

const DURATION = setting('BENCH_DURATION', 4);
const ROUNDS = setting('BENCH_ROUNDS', 5);
const CONNECTIONS = setting('BENCH_CONNECTIONS', 10);
const USERS = setting('BENCH_USERS', 100);
const COLD_LATENCY_MS = 50;
const BURST = 200;
const CPU_PROFILE = process.env.BENCH_CPU_PROF === '1';
const ONLY = process.env.BENCH_ONLY;

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

interface Child {
  readonly process: ChildProcess;
  readonly ipc: IpcClient;
  readonly url: string;
}

async function start(script: string, name: string, env: NodeJS.ProcessEnv = {}, execArgv: string[] = []): Promise<Child> {
  const child = fork(join(here, script), [], { env: { ...process.env, ...env }, execArgv });
  const ipc = new IpcClient(child);
  const url = await waitReady(child, name);
  return { process: child, ipc, url };
}

async function stop(child: Child | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
  try {
    await child.ipc.call('stop');
  } catch (error) {
    log(`stop failed (${(error as Error).message}); killing process ${child.process.pid}`);
    child.process.kill('SIGKILL');
  }
  await exited;
  clearTimeout(timer);
}

/**
 * One request template; with tokens, each request takes the next token of the pool (a
 * counter shared by every connection), so concurrent requests carry different tokens and
 * the exchange single-flight cannot merge them.
 */
function requestsFor(path: string, tokens: readonly string[] | undefined): AutocannonRequest[] {
  if (!tokens) return [{ method: 'GET', path }];
  const headers = tokens.map((token) => ({ authorization: `Bearer ${token}` }));
  let next = 0;
  return [
    {
      method: 'GET',
      path,
      setupRequest: (request) => ({ ...request, headers: headers[next++ % headers.length] }),
    },
  ];
}

async function fire(
  app: Child,
  path: string,
  tokens: readonly string[] | undefined,
  options: { connections?: number; duration?: number; amount?: number } = {},
): Promise<Sample> {
  const cpuBefore = await app.ipc.call<NodeJS.CpuUsage>('cpu');
  const result = await autocannon({
    url: app.url,
    connections: options.connections ?? CONNECTIONS,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.duration ?? DURATION }),
    timeout: 10,
    requests: requestsFor(path, tokens),
  });
  const cpuAfter = await app.ipc.call<NodeJS.CpuUsage>('cpu');
  const appCpuUs = cpuAfter.user - cpuBefore.user + (cpuAfter.system - cpuBefore.system);
  const failures = result.non2xx + result.errors + result.timeouts;
  log(
    `${path}: ${fixed(result.requests.average, 0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
      `app CPU ${fixed(appCpuUs / Math.max(1, result.requests.total), 0)} µs/req` +
      (failures ? `, ${failures} failures ${JSON.stringify(result.statusCodeStats ?? {})}` : ''),
  );
  return { result, appCpuUs };
}

/** The throughput scenarios, measured in interleaved rounds. */
const THROUGHPUT = {
  bare: { path: '/bare', name: 'bare route (no guard)' },
  noopGuard: { path: '/noop-guard', name: 'reference: no-op guard' },
  attachGuard: { path: '/attach-guard', name: 'reference: guard that only sets req.user / req.auth' },
  noopInterceptor: { path: '/noop-interceptor', name: 'reference: no-op guard + no-op async interceptor' },
  guard: { path: '/guard', name: 'guard only (valid token, warm JWKS)' },
  grant: { path: '/grant', name: 'guard + @Grant 1 resource, warm exchange cache' },
} as const;
type ThroughputScenario = keyof typeof THROUGHPUT;

interface Results {
  readonly throughput: Record<ThroughputScenario, Measurement>;
  readonly noCache: Measurement;
  readonly zoneExchangesPerSecond: number;
  readonly cold1: Measurement;
  readonly cold5: Measurement;
  readonly burst: { readonly requests: number; readonly failures: number; readonly byResource: Record<string, number>; readonly total: number };
  readonly appMemory: NodeJS.MemoryUsage;
}

async function run(zone: Child, app: Child): Promise<Results | undefined> {
  log(`minting ${USERS} user tokens`);
  const subs = Array.from({ length: USERS }, (_, index) => `bench-user-${index}`);
  const tokens = await zone.ipc.call<string[]>('mint', { subs, resource: BENCH_MCP_RESOURCE });

  // Every route gets the same Authorization headers (the unguarded ones ignore them): same request bytes.
  log('warm-up (JIT, zone metadata, JWKS, verified tokens, exchange cache)');
  for (const path of [...Object.values(THROUGHPUT).map((scenario) => scenario.path), '/nocache/grant']) {
    await fire(app, path, tokens, { duration: 3 });
  }
  if (ONLY) {
    await fire(app, ONLY, tokens);
    return undefined;
  }

  // Rounds visit the scenarios in a rotated order, so that a slow phase of the machine does
  // not always hit the same scenario; ratios are taken per round and their median reported.
  const names = Object.keys(THROUGHPUT) as ThroughputScenario[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as Sample[]])) as Record<ThroughputScenario, Sample[]>;
  for (let round = 0; round < ROUNDS; round++) {
    log(`round ${round + 1} of ${ROUNDS}`);
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!;
      samples[name].push(await fire(app, THROUGHPUT[name].path, tokens));
    }
  }

  log('cache off: every request exchanges');
  const before = await zone.ipc.call<ZoneCounts>('counts');
  const noCache = await fire(app, '/nocache/grant', tokens);
  const after = await zone.ipc.call<ZoneCounts>('counts');
  const zoneExchangesPerSecond = (after.exchangeCount - before.exchangeCount) / noCache.result.duration;

  log(`cold grants, zone token endpoint +${COLD_LATENCY_MS} ms, 1 connection`);
  await zone.ipc.call('setFault', { target: 'token', fault: { latencyMs: COLD_LATENCY_MS } });
  const cold1 = await fire(app, '/nocache/grant', tokens, { connections: 1 });
  const cold5 = await fire(app, '/nocache/grant5', tokens, { connections: 1 });
  await zone.ipc.call('clearFaults');

  log(`${BURST} concurrent requests with one fresh token (@Grant, 5 resources, cache on)`);
  const [fresh] = await zone.ipc.call<string[]>('mint', { subs: ['bench-burst-user'], resource: BENCH_MCP_RESOURCE });
  await zone.ipc.call('clearRecords');
  const burst = (await fire(app, '/grant5', [fresh!], { connections: BURST, amount: BURST })).result;
  const burstCounts = await zone.ipc.call<ZoneCounts>('counts');

  return {
    throughput: Object.fromEntries(
      names.map((name) => [name, measure(THROUGHPUT[name].name, samples[name], name === 'bare' ? undefined : samples.bare)]),
    ) as Record<
      ThroughputScenario,
      Measurement
    >,
    noCache: measure('guard + @Grant 1 resource, cache off (every request exchanges)', [noCache]),
    zoneExchangesPerSecond,
    cold1: measure(`cold @Grant, 1 resource, zone +${COLD_LATENCY_MS} ms, 1 connection`, [cold1]),
    cold5: measure(`cold @Grant, 5 resources, zone +${COLD_LATENCY_MS} ms, 1 connection`, [cold5]),
    burst: {
      requests: burst.requests.total,
      failures: burst.non2xx + burst.errors + burst.timeouts,
      byResource: burstCounts.byResource,
      total: burstCounts.exchangeCount,
    },
    appMemory: await app.ipc.call<NodeJS.MemoryUsage>('memory'),
  };
}

function report(results: Results): string {
  const { throughput, noCache, cold1, cold5, burst } = results;
  const { bare, noopGuard, attachGuard, noopInterceptor, guard, grant } = throughput;
  const row = (m: Measurement, vsBare: string, cpuVsBare: string): string =>
    `| ${m.name} | ${fixed(m.rps, 0)} | ${fixed(m.p50)} | ${fixed(m.p99)} | ${vsBare} | ${fixed(m.cpuUsPerRequest, 0)} | ${cpuVsBare} | ${m.failures} |`;
  const rpsRatio = (m: Measurement): number => m.rpsRatio ?? m.rps / bare.rps;
  const cpuRatio = (m: Measurement): number => m.cpuRatio ?? bare.cpuUsPerRequest / m.cpuUsPerRequest;
  const vs = (m: Measurement): [string, string] => [ratio(rpsRatio(m)), ratio(cpuRatio(m))];
  const guardRatio = rpsRatio(guard);
  const grantRatio = rpsRatio(grant);
  const guardCpuRatio = cpuRatio(guard);
  const grantCpuRatio = cpuRatio(grant);
  const coldRatio = cold5.p50 / cold1.p50;
  const allFailures = [...Object.values(throughput), noCache, cold1, cold5].reduce((sum, m) => sum + m.failures, 0) + burst.failures;
  const perResource = BENCH_RESOURCES.map((resource) => `${new URL(resource).host}: ${burst.byResource[resource] ?? 0}`).join(', ');
  const burstOk = burst.total === BENCH_RESOURCES.length && BENCH_RESOURCES.every((resource) => burst.byResource[resource] === 1);
  const check = (ok: boolean): string => (ok ? 'met' : '**missed**');
  const cost = (m: Measurement, base: Measurement): string => `${fixed(m.cpuUsPerRequest - base.cpuUsPerRequest, 0)} µs`;

  return [
    '| scenario | req/s | p50 (ms) | p99 (ms) | req/s ratio | app CPU µs/req | CPU-bound ratio | non-2xx + errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row(bare, '1.00×', '1.00×'),
    row(noopGuard, ...vs(noopGuard)),
    row(attachGuard, ...vs(attachGuard)),
    row(noopInterceptor, ...vs(noopInterceptor)),
    row(guard, ...vs(guard)),
    row(grant, ...vs(grant)),
    row(noCache, ...vs(noCache)),
    row(cold1, 'latency 1.00×', '—'),
    row(cold5, `latency p50 ${ratio(coldRatio)} of 1 resource`, '—'),
    '',
    '"req/s ratio": req/s ÷ bare req/s, and "CPU-bound ratio": bare app CPU per request ÷ this app CPU per',
    'request (what the throughput ratio is when the app is CPU-bound on its core), both taken round by',
    'round against the bare route of the same round, median over the rounds. req/s, p50 and CPU µs/req:',
    'median over the rounds; p99: the worst round. The cache-off and cold rows are one run each.',
    '',
    'Cost over the bare route, in app CPU µs per request (medians above; differences of medians):',
    '',
    `- Nest's guard step (no-op guard): ${cost(noopGuard, bare)}; writing req.user / req.auth as KeycardAuthGuard does: ${cost(attachGuard, noopGuard)}`,
    `- KeycardAuthGuard, verified token remembered: ${cost(guard, bare)}, of which output ${cost(attachGuard, noopGuard)} and checks ${cost(guard, attachGuard)}`,
    `- Nest's interceptor step (no-op interceptor): ${cost(noopInterceptor, noopGuard)}`,
    `- @Grant on top of the guard, exchange cached: ${cost(grant, guard)}, of which Nest's interceptor step ${cost(noopInterceptor, noopGuard)}`,
    '',
    `- Cache off: the zone answered ${fixed(results.zoneExchangesPerSecond, 0)} token exchanges/s.`,
    `- ${BURST} concurrent requests with one fresh token on a 5-resource @Grant: ${burst.total} exchanges reached the zone (${perResource}); ${burst.failures} failed requests.`,
    `- App memory after the run: rss ${fixed(results.appMemory.rss / 1024 ** 2, 0)} MiB, heap used ${fixed(results.appMemory.heapUsed / 1024 ** 2, 0)} MiB.`,
    '',
    'Targets:',
    '',
    `- guard only ≥ 0.90× bare: ${ratio(guardRatio)} req/s — ${check(guardRatio >= 0.9)}; ${ratio(guardCpuRatio)} CPU-bound — ${check(guardCpuRatio >= 0.9)}`,
    `- warm grant ≥ 0.85× bare: ${ratio(grantRatio)} req/s — ${check(grantRatio >= 0.85)}; ${ratio(grantCpuRatio)} CPU-bound — ${check(grantCpuRatio >= 0.85)}`,
    `- zero non-2xx responses: ${allFailures} — ${check(allFailures === 0)}`,
    `- one exchange per resource for ${BURST} concurrent requests: ${burst.total} for ${BENCH_RESOURCES.length} resources — ${check(burstOk)}`,
    `- 5 resources cost about as much latency as 1 (exchanged concurrently): p50 ${ratio(coldRatio)}`,
  ].join('\n');
}

async function main(): Promise<void> {
  let zone: Child | undefined;
  let app: Child | undefined;
  const startedAt = Date.now();
  const profileDir = join(repoRoot, 'bench', 'profiles');
  try {
    zone = await start('bench-zone.js', 'zone');
    if (CPU_PROFILE) mkdirSync(profileDir, { recursive: true });
    app = await start('bench-app.js', 'app', { BENCH_ZONE_URL: zone.url }, CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
    log(`zone ${zone.url}, app ${app.url}; ${ROUNDS} round(s) of ${DURATION} s at ${CONNECTIONS} connections, ${USERS} users`);
    const results = await run(zone, app);
    if (!results) return;
    const table = report(results);
    const settings = `${ROUNDS} round(s) of ${DURATION} s per throughput scenario (median req/s and p50, worst p99), interleaved, ${CONNECTIONS} connections, ${USERS} distinct user tokens; Express adapter; autocannon, zone and app in three processes on 127.0.0.1.`;
    const document = [
      '# Benchmark results',
      '',
      'Written by `npm run bench` (see bench/README.md for how to read it). Ratios are to the',
      'bare route of the same app in the same run; absolute numbers depend on the machine.',
      '',
      describeMachine(),
      `- Settings: ${settings}`,
      `- Run time: ${fixed((Date.now() - startedAt) / 1000, 0)} s`,
      '',
      table,
      '',
    ].join('\n');
    process.stdout.write(`\n${table}\n`);
    writeFileSync(resultsFile, document);
    log(`wrote ${relative(process.cwd(), resultsFile)}`);
  } finally {
    await stop(app);
    await stop(zone);
    if (CPU_PROFILE) log(`CPU profile of the app in ${relative(process.cwd(), profileDir)}/ (open it in Chrome DevTools)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
