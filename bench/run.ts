/**
 * `npm run bench`: what KeycardAuthGuard and @Grant cost next to the usual ways of verifying a
 * bearer JWT in Nest, as app CPU µs per request over a bare route of the same app and as
 * req/s ratios, in one run, on Express and on Fastify. See bench/README.md.
 *
 * Processes: this one (autocannon, the load generator), a LocalZone child and, one after the
 * other, a Nest app child per adapter, all on 127.0.0.1. Settings (env): BENCH_DURATION (s per
 * round, default 2), BENCH_ROUNDS (default 4), BENCH_CONNECTIONS (default 10), BENCH_USERS
 * (distinct tokens, default 100), BENCH_CHURN_USERS (default 20000), BENCH_ADAPTERS (default
 * "express,fastify"), BENCH_CPU_PROF=1 (write a V8 CPU profile of each app to bench/profiles/),
 * BENCH_ONLY=<scenario> (profiling: warm up, load only that scenario for BENCH_DURATION, no report),
 * BENCH_SCENARIOS=<scenario,...> (A/B: only these throughput scenarios, figures in the log, no report).
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

const DURATION = setting('BENCH_DURATION', 2);
const ROUNDS = setting('BENCH_ROUNDS', 4);
const CONNECTIONS = setting('BENCH_CONNECTIONS', 10);
const USERS = setting('BENCH_USERS', 100);
const CHURN_USERS = setting('BENCH_CHURN_USERS', 20_000);
const MEMORY_USERS = 2000;
const ADAPTERS = (process.env.BENCH_ADAPTERS ?? 'express,fastify').split(',').map((name) => name.trim()) as Adapter[];
const COLD_LATENCY_MS = 50;
const BURST = 200;
const CPU_PROFILE = process.env.BENCH_CPU_PROF === '1';
const ONLY = process.env.BENCH_ONLY;
/** A/B runs of a few scenarios: `BENCH_SCENARIOS=bare,noopGuard,guard` (no churn, memory or report). */
const SCENARIOS = process.env.BENCH_SCENARIOS?.split(',').map((name) => name.trim());

type Adapter = 'express' | 'fastify';

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

/** A scenario: a route and, for MCP, the tool a `tools/call` names. */
interface Scenario {
  readonly name: string;
  readonly path: string;
  /** `tools/call` of this MCP tool (POST); a GET otherwise. */
  readonly tool?: string;
  /** Refuses a request without a token and one with a wrong `aud` (checked before measuring). */
  readonly guarded: boolean;
  readonly expressOnly?: boolean;
}

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const toolCall = (tool: string): string => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } });

/**
 * One request template; each request takes the next token of the pool (a counter shared by
 * every connection), so concurrent requests carry different tokens.
 */
function requestsFor(scenario: Scenario, tokens: readonly string[]): AutocannonRequest[] {
  const extra = scenario.tool ? MCP_HEADERS : {};
  const headers = tokens.map((token) => ({ ...extra, authorization: `Bearer ${token}` }));
  let next = 0;
  const base: AutocannonRequest = scenario.tool
    ? { method: 'POST', path: scenario.path, body: toolCall(scenario.tool) }
    : { method: 'GET', path: scenario.path };
  return [{ ...base, setupRequest: (request) => ({ ...request, headers: headers[next++ % headers.length] }) }];
}

async function fire(
  app: Child,
  scenario: Scenario,
  tokens: readonly string[],
  options: { connections?: number; duration?: number; amount?: number; quiet?: boolean } = {},
): Promise<Sample> {
  const cpuBefore = await app.ipc.call<NodeJS.CpuUsage>('cpu');
  const result = await autocannon({
    url: app.url,
    connections: options.connections ?? CONNECTIONS,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.duration ?? DURATION }),
    timeout: 10,
    requests: requestsFor(scenario, tokens),
  });
  const cpuAfter = await app.ipc.call<NodeJS.CpuUsage>('cpu');
  const appCpuUs = cpuAfter.user - cpuBefore.user + (cpuAfter.system - cpuBefore.system);
  const failures = result.non2xx + result.errors + result.timeouts;
  if (!options.quiet || failures) {
    log(
      `${scenario.name}: ${fixed(result.requests.average, 0)} req/s, p99 ${result.latency.p99} ms, ` +
        `app CPU ${fixed(appCpuUs / Math.max(1, result.requests.total), 0)} µs/req` +
        (failures ? `, ${failures} failures ${JSON.stringify(result.statusCodeStats ?? {})}` : ''),
    );
  }
  return { result, appCpuUs };
}

/** Sends one request of `scenario` with `authorization` (or none) and returns status and body. */
async function probe(app: Child, scenario: Scenario, token: string | undefined): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { ...(scenario.tool ? MCP_HEADERS : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const response = await fetch(`${app.url}${scenario.path}`, {
    method: scenario.tool ? 'POST' : 'GET',
    headers,
    ...(scenario.tool ? { body: toolCall(scenario.tool) } : {}),
  });
  return { status: response.status, body: await response.text() };
}

/**
 * Before anything is measured: every guarded route refuses a request without a token and
 * one whose `aud` is another resource (so no peer is measured doing less work), and every
 * route answers a valid token with 2xx (and an MCP result, not a JSON-RPC error).
 */
async function checkRoutes(app: Child, scenarios: readonly Scenario[], token: string, wrongAudience: string): Promise<void> {
  for (const scenario of scenarios) {
    if (scenario.guarded) {
      for (const [what, sent] of [['no token', undefined], ['a token for another audience', wrongAudience]] as const) {
        const { status } = await probe(app, scenario, sent);
        if (status !== 401 && status !== 403) throw new Error(`${scenario.name} answered ${status} to ${what}; it must refuse it`);
      }
    }
    const { status, body } = await probe(app, scenario, token);
    if (status < 200 || status > 299 || (scenario.tool && !body.includes('"result"'))) {
      throw new Error(`${scenario.name} did not admit a valid token: ${status} ${body.slice(0, 200)}`);
    }
  }
}

const S = {
  bare: { name: 'bare route (no guard)', path: '/bare', guarded: false },
  noopGuard: { name: 'Nest no-op guard', path: '/noop-guard', guarded: false },
  noopInterceptor: { name: 'Nest no-op guard + no-op interceptor', path: '/noop-interceptor', guarded: false },
  guard: { name: '**KeycardAuthGuard**', path: '/guard', guarded: true },
  passport: { name: 'passport-jwt + jwks-rsa (the usual Nest recipe)', path: '/passport', guarded: true },
  jose: { name: 'jose `jwtVerify` + `createRemoteJWKSet`', path: '/jose', guarded: true },
  eojb: { name: 'express-oauth2-jwt-bearer', path: '/eojb', guarded: true, expressOnly: true },
  fastJwt: { name: 'fast-jwt with its verified-token cache', path: '/fast-jwt', guarded: true },
  grant: { name: '**KeycardAuthGuard + @Grant, warm**', path: '/grant', guarded: true },
  mcpOpen: { name: 'MCP tools/call, no guard', path: '/mcp-open', tool: 'echo', guarded: false },
  mcpCors: { name: "MCP tools/call, no guard, KeycardModule's CORS middleware", path: '/mcp-cors', tool: 'echo', guarded: false },
  mcpGuard: { name: 'MCP tools/call + KeycardAuthGuard (and the CORS middleware)', path: '/mcp', tool: 'echo', guarded: true },
  mcpNoopInterceptor: { name: 'MCP tools/call + KeycardAuthGuard, tool with a no-op interceptor', path: '/mcp', tool: 'echo_noop_interceptor', guarded: true },
  mcpGrant: { name: 'MCP tools/call + KeycardAuthGuard + @Grant, warm', path: '/mcp', tool: 'echo_grant', guarded: true },
  uncachedGrant: { name: '@Grant with no exchange cache (the seed)', path: '/nocache/grant', guarded: true, expressOnly: true },
  churn: { name: `KeycardAuthGuard, ${CHURN_USERS} distinct tokens (churn)`, path: '/guard', guarded: true },
  uncachedGuard: { name: `KeycardAuthGuard, cache off, ${CHURN_USERS} distinct tokens`, path: '/guard-uncached', guarded: true },
  grant5: { name: 'burst', path: '/grant5', guarded: true },
  uncachedGrant5: { name: 'cold @Grant, 5 resources', path: '/nocache/grant5', guarded: true, expressOnly: true },
} as const satisfies Record<string, Scenario>;
type ScenarioName = keyof typeof S;

const THROUGHPUT: readonly ScenarioName[] = ['bare', 'noopGuard', 'noopInterceptor', 'guard', 'passport', 'jose', 'eojb', 'fastJwt', 'grant', 'mcpOpen', 'mcpCors', 'mcpGuard', 'mcpNoopInterceptor', 'mcpGrant'];

interface Tokens {
  readonly users: readonly string[];
  readonly wrongAudience: string;
  readonly churn: readonly string[];
}

interface AdapterResults {
  readonly adapter: Adapter;
  readonly throughput: Partial<Record<ScenarioName, Measurement>>;
  readonly churn: Measurement;
  readonly uncachedGuard: Measurement;
  readonly express?: ExpressOnly;
  readonly appMemory: NodeJS.MemoryUsage;
}

interface ExpressOnly {
  readonly uncachedGrant: Measurement;
  readonly zoneExchangesPerSecond: number;
  readonly cold1: Measurement;
  readonly cold5: Measurement;
  readonly burst: { readonly failures: number; readonly byResource: Record<string, number>; readonly total: number };
  readonly verifiedBytesPerEntry: number;
  readonly exchangeBytesPerEntry: number;
}

interface Heap {
  readonly heapUsed: number;
  readonly verifiedTokens: number;
  readonly exchanges: number;
}

async function mint(zone: Child, prefix: string, count: number, resource = BENCH_MCP_RESOURCE): Promise<string[]> {
  const tokens: string[] = [];
  for (let start = 0; start < count; start += 1000) {
    const subs = Array.from({ length: Math.min(1000, count - start) }, (_, index) => `${prefix}-${start + index}`);
    tokens.push(...(await zone.ipc.call<string[]>('mint', { subs, resource })));
  }
  return tokens;
}

async function runAdapter(adapter: Adapter, zone: Child, tokens: Tokens, profileDir: string): Promise<AdapterResults | undefined> {
  const execArgv = ['--expose-gc', ...(CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const app = await start('bench-app.js', `${adapter} app`, { BENCH_ZONE_URL: zone.url, BENCH_ADAPTER: adapter }, execArgv);
  try {
    const applies = (name: ScenarioName): boolean => adapter === 'express' || !(S[name] as Scenario).expressOnly;
    const names = THROUGHPUT.filter((name) => applies(name) && (SCENARIOS === undefined || SCENARIOS.includes(name)));
    log(`${adapter}: checking that every route refuses no token and a wrong audience`);
    await checkRoutes(app, [...names, 'uncachedGuard' as const, ...(adapter === 'express' ? (['uncachedGrant'] as const) : [])].map((name) => S[name]), tokens.users[0]!, tokens.wrongAudience);

    log(`${adapter}: warm-up (JIT, zone metadata, JWKS, verified tokens, exchange cache)`);
    for (const name of names) await fire(app, S[name], tokens.users, { duration: 1, quiet: true });
    if (ONLY) {
      const only = (Object.keys(S) as ScenarioName[]).find((name) => name === ONLY || S[name].path === ONLY);
      if (!only) throw new Error(`BENCH_ONLY=${ONLY}: no such scenario (${Object.keys(S).join(', ')})`);
      await fire(app, S[only], only === 'churn' || only === 'uncachedGuard' ? tokens.churn : tokens.users);
      return undefined;
    }

    // Rounds visit the scenarios in a rotated order, so that a slow phase of the machine does
    // not always hit the same scenario; ratios are taken per round and their median reported.
    const samples = Object.fromEntries(names.map((name) => [name, [] as Sample[]])) as Record<ScenarioName, Sample[]>;
    for (let round = 0; round < ROUNDS; round++) {
      log(`${adapter}: round ${round + 1} of ${ROUNDS}`);
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length]!;
        samples[name].push(await fire(app, S[name], tokens.users));
      }
    }
    const throughput: Partial<Record<ScenarioName, Measurement>> = {};
    for (const name of names) {
      const baseline = name === 'bare' ? undefined : S[name].path.startsWith('/mcp') && name !== 'mcpOpen' ? samples.mcpOpen : samples.bare;
      throughput[name] = measure(S[name].name, samples[name], baseline);
    }

    if (SCENARIOS !== undefined) {
      for (const name of names) {
        const m = throughput[name]!;
        log(`${name}: best ${fixed(m.cpuUsBest, 1)} µs/req, median ${fixed(m.cpuUsPerRequest, 1)}, over bare (best) ${fixed(m.cpuUsBest - throughput.bare!.cpuUsBest, 1)}`);
      }
      return undefined;
    }
    log(`${adapter}: churn, ${CHURN_USERS} distinct tokens (cache holds fewer)`);
    const heap0 = await app.ipc.call<Heap>('heap');
    await fire(app, S.churn, tokens.churn, { amount: tokens.churn.length, quiet: true });
    const churnSamples: Sample[] = [];
    const uncachedSamples: Sample[] = [];
    for (let round = 0; round < 2; round++) {
      const pair: [Sample[], ScenarioName][] = [[churnSamples, 'churn'], [uncachedSamples, 'uncachedGuard']];
      if (round % 2 === 1) pair.reverse();
      for (const [into, name] of pair) into.push(await fire(app, S[name], tokens.churn));
    }
    const heap1 = await app.ipc.call<Heap>('heap');
    const churn = measure(S.churn.name, churnSamples, uncachedSamples);
    const uncachedGuard = measure(S.uncachedGuard.name, uncachedSamples);

    let express: ExpressOnly | undefined;
    if (adapter === 'express') {
      log('express: @Grant without exchange cache (every request exchanges)');
      const before = await zone.ipc.call<ZoneCounts>('counts');
      const uncachedGrant = await fire(app, S.uncachedGrant, tokens.users);
      const after = await zone.ipc.call<ZoneCounts>('counts');
      const zoneExchangesPerSecond = (after.exchangeCount - before.exchangeCount) / uncachedGrant.result.duration;

      log(`express: exchange cache memory, ${MEMORY_USERS} users`);
      const memoryTokens = await mint(zone, 'bench-memory-user', MEMORY_USERS);
      await fire(app, S.grant, memoryTokens, { amount: memoryTokens.length, quiet: true });
      const heap2 = await app.ipc.call<Heap>('heap');

      log(`express: cold grants, zone token endpoint +${COLD_LATENCY_MS} ms, 1 connection`);
      await zone.ipc.call('setFault', { target: 'token', fault: { latencyMs: COLD_LATENCY_MS } });
      const cold1 = await fire(app, S.uncachedGrant, tokens.users, { connections: 1 });
      const cold5 = await fire(app, S.uncachedGrant5, tokens.users, { connections: 1 });
      await zone.ipc.call('clearFaults');

      log(`express: ${BURST} concurrent requests with one fresh token (@Grant, 5 resources, cache on)`);
      const [fresh] = await mint(zone, 'bench-burst-user', 1);
      await zone.ipc.call('clearRecords');
      const burst = (await fire(app, S.grant5, [fresh!], { connections: BURST, amount: BURST })).result;
      const burstCounts = await zone.ipc.call<ZoneCounts>('counts');

      const verifiedBytesPerEntry = (heap1.heapUsed - heap0.heapUsed) / Math.max(1, heap1.verifiedTokens - heap0.verifiedTokens);
      const exchangeBytesPerEntry =
        (heap2.heapUsed - heap1.heapUsed - (heap2.verifiedTokens - heap1.verifiedTokens) * verifiedBytesPerEntry) /
        Math.max(1, heap2.exchanges - heap1.exchanges);
      log(`memory: heap ${JSON.stringify([heap0, heap1, heap2])}`);
      express = {
        uncachedGrant: measure(S.uncachedGrant.name, [uncachedGrant], samples.bare.slice(-1)),
        zoneExchangesPerSecond,
        cold1: measure(`cold @Grant, 1 resource, zone +${COLD_LATENCY_MS} ms, 1 connection`, [cold1]),
        cold5: measure(`cold @Grant, 5 resources, zone +${COLD_LATENCY_MS} ms, 1 connection`, [cold5]),
        burst: { failures: burst.non2xx + burst.errors + burst.timeouts, byResource: burstCounts.byResource, total: burstCounts.exchangeCount },
        verifiedBytesPerEntry,
        exchangeBytesPerEntry,
      };
    }
    return { adapter, throughput, churn, uncachedGuard, express, appMemory: await app.ipc.call<NodeJS.MemoryUsage>('memory') };
  } finally {
    await stop(app);
  }
}

const check = (ok: boolean): string => (ok ? 'met' : '**missed**');
const cpu = (m: Measurement): string => `${fixed(m.cpuUsBest, 0)} (${fixed(m.cpuUsPerRequest, 0)})`;
const us = (value: number): string => `${value >= 0 ? '+' : ''}${fixed(value, 0)} µs`;

function adapterTable(results: AdapterResults): string[] {
  const { throughput } = results;
  const bare = throughput.bare!;
  const mcpOpen = throughput.mcpOpen!;
  const row = (m: Measurement, base: Measurement | undefined): string =>
    `| ${m.name} | ${cpu(m)} | ${base ? us(m.cpuUsBest - base.cpuUsBest) : '—'} | ${fixed(m.rps, 0)} | ${
      m.rpsRatio !== undefined ? ratio(m.rpsRatio) : '1.00×'
    } | ${m.cpuRatio !== undefined ? ratio(m.cpuRatio) : '1.00×'} | ${fixed(m.p99, 0)} | ${m.failures} |`;
  const lines = [
    '| route | app CPU µs/req, best round (median) | over the baseline (best rounds) | req/s | req/s ratio | CPU-bound ratio | p99 (ms) | non-2xx + errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const name of THROUGHPUT) {
    const m = throughput[name];
    if (!m) continue;
    const mcp = S[name].path.startsWith('/mcp');
    lines.push(row(m, name === 'bare' || name === 'mcpOpen' ? undefined : mcp ? mcpOpen : bare));
  }
  lines.push(row(results.uncachedGuard, bare));
  lines.push(`| ${results.churn.name} | ${cpu(results.churn)} | ${us(results.churn.cpuUsBest - results.uncachedGuard.cpuUsBest)} over cache off | ${fixed(results.churn.rps, 0)} | — | — | ${fixed(results.churn.p99, 0)} | ${results.churn.failures} |`);
  if (results.express) lines.push(row(results.express.uncachedGrant, bare));
  return lines;
}

function report(all: readonly AdapterResults[]): string {
  const lines: string[] = [];
  const targets: string[] = [];
  let failures = 0;
  for (const results of all) {
    const t = results.throughput;
    const over = (name: ScenarioName, base: ScenarioName): number => t[name]!.cpuUsBest - t[base]!.cpuUsBest;
    lines.push(`### ${results.adapter === 'express' ? 'Express' : 'Fastify'}`, '', ...adapterTable(results), '');
    lines.push(
      'Where the µs go (best rounds, differences):',
      '',
      `- Nest's guard step (no-op guard − bare): ${us(over('noopGuard', 'bare'))}; KeycardAuthGuard's own work on a hit (guard − no-op guard): ${us(over('guard', 'noopGuard'))}`,
      `- Nest's interceptor step (no-op interceptor − no-op guard): ${us(over('noopInterceptor', 'noopGuard'))}; @Grant − guard: ${us(over('grant', 'guard'))}, so GrantInterceptor's own work and \`@AccessCtx()\`: ${us(over('grant', 'guard') - over('noopInterceptor', 'noopGuard'))}`,
      `- MCP tools/call: KeycardModule's CORS middleware ${us(over('mcpCors', 'mcpOpen'))}; the guard on top ${us(over('mcpGuard', 'mcpCors'))}; a tool's no-op interceptor ${us(over('mcpNoopInterceptor', 'mcpGuard'))}; @Grant on the tool ${us(over('mcpGrant', 'mcpGuard'))}`,
      '',
    );
    const guardLimit = results.adapter === 'express' ? 20 : 15;
    const guardOver = over('guard', 'bare');
    const grantOver = over('grant', 'guard');
    const churnOver = results.churn.cpuUsBest - results.uncachedGuard.cpuUsBest;
    const mcpGuard = t.mcpGuard!;
    const mcpGrant = t.mcpGrant!;
    const name = results.adapter === 'express' ? 'Express' : 'Fastify';
    targets.push(
      `- ${name}: guard hit path ≤ ${guardLimit} µs over the bare route: ${us(guardOver)} — ${check(guardOver <= guardLimit)}`,
      `- ${name}: @Grant warm ≤ 20 µs over the guard: ${us(grantOver)} — ${check(grantOver <= 20)}`,
      `- ${name}: no cliff, ${CHURN_USERS} distinct tokens ≤ cache off + 5 µs: ${us(churnOver)} — ${check(churnOver <= 5)}`,
      `- ${name}: MCP tools/call, guard ≥ 0.95× of the unguarded route: ${ratio(mcpGuard.cpuRatio!)} CPU-bound — ${check(mcpGuard.cpuRatio! >= 0.95)}; ${ratio(mcpGuard.rpsRatio!)} req/s — ${check(mcpGuard.rpsRatio! >= 0.95)} (best rounds: ${ratio(t.mcpOpen!.cpuUsBest / mcpGuard.cpuUsBest)}; the guard alone, against the route with KeycardModule's CORS middleware: ${ratio(t.mcpCors!.cpuUsBest / mcpGuard.cpuUsBest)})`,
      `- ${name}: MCP tools/call, guard + warm @Grant ≥ 0.92×: ${ratio(mcpGrant.cpuRatio!)} CPU-bound — ${check(mcpGrant.cpuRatio! >= 0.92)}; ${ratio(mcpGrant.rpsRatio!)} req/s — ${check(mcpGrant.rpsRatio! >= 0.92)} (best rounds: ${ratio(t.mcpOpen!.cpuUsBest / mcpGrant.cpuUsBest)})`,
    );
    failures += [...Object.values(t), results.churn, results.uncachedGuard].reduce((sum, m) => sum + m.failures, 0);
    const express = results.express;
    if (express) {
      failures += express.uncachedGrant.failures + express.cold1.failures + express.cold5.failures + express.burst.failures;
      const perResource = BENCH_RESOURCES.map((resource) => `${new URL(resource).host}: ${express.burst.byResource[resource] ?? 0}`).join(', ');
      const burstOk = express.burst.total === BENCH_RESOURCES.length && BENCH_RESOURCES.every((resource) => express.burst.byResource[resource] === 1);
      const coldRatio = express.cold5.p50 / express.cold1.p50;
      lines.push(
        `- Memory per cached entry (heap used after a full GC, before and after filling; Express): verified-token cache ≈ ${fixed(express.verifiedBytesPerEntry / 1024, 2)} KiB per token (the remembered user and its claims, the hash key, lru-cache's slot), exchange cache ≈ ${fixed(express.exchangeBytesPerEntry / 1024, 2)} KiB per (token, resource). 10,000 users: ≈ ${fixed((express.verifiedBytesPerEntry * 10_000) / 1024 ** 2, 0)} MiB and ≈ ${fixed((express.exchangeBytesPerEntry * 10_000) / 1024 ** 2, 0)} MiB per resource.`,
        `- @Grant with the exchange cache off: the zone answered ${fixed(express.zoneExchangesPerSecond, 0)} token exchanges/s.`,
        `- Cold @Grant (zone +${COLD_LATENCY_MS} ms, 1 connection): 1 resource p50 ${fixed(express.cold1.p50, 0)} ms, 5 resources p50 ${fixed(express.cold5.p50, 0)} ms (${ratio(coldRatio)}: exchanged concurrently).`,
        `- ${BURST} concurrent requests with one fresh token on a 5-resource @Grant: ${express.burst.total} exchanges reached the zone (${perResource}); ${express.burst.failures} failed requests — ${check(burstOk)}.`,
        '',
      );
    }
    lines.push(
      `- App memory after the ${results.adapter} run: rss ${fixed(results.appMemory.rss / 1024 ** 2, 0)} MiB, heap used ${fixed(results.appMemory.heapUsed / 1024 ** 2, 0)} MiB.`,
      '',
    );
  }
  targets.push(`- zero non-2xx responses: ${failures} — ${check(failures === 0)}`);
  return [
    ...lines,
    '"app CPU µs/req": CPU time (user + system) of the app process per request, in the round where it was lowest',
    '(noise from the other processes on the machine only ever adds), and the median over the rounds in brackets.',
    '"over the baseline": best round minus the bare route\'s best round (the unguarded MCP route\'s for MCP rows).',
    '"req/s ratio" and "CPU-bound ratio" (baseline CPU ÷ this CPU: the throughput',
    'ratio when the app has a core to itself) are taken round by round against the baseline of the same',
    'round, median over the rounds. The churn rows run twice each, alternating, after one pass over every',
    'token; the cache-off @Grant row is one run.',
    '',
    '### Targets',
    '',
    ...targets,
  ].join('\n');
}

async function main(): Promise<void> {
  let zone: Child | undefined;
  const startedAt = Date.now();
  const profileDir = join(repoRoot, 'bench', 'profiles');
  try {
    zone = await start('bench-zone.js', 'zone');
    if (CPU_PROFILE) mkdirSync(profileDir, { recursive: true });
    log(`zone ${zone.url}; ${ROUNDS} round(s) of ${DURATION} s at ${CONNECTIONS} connections, ${USERS} users; minting tokens`);
    const tokens: Tokens = {
      users: await mint(zone, 'bench-user', USERS),
      wrongAudience: (await mint(zone, 'bench-user', 1, 'http://localhost:8000/other'))[0]!,
      churn: SCENARIOS === undefined && (ONLY === undefined || ONLY === 'churn' || ONLY === 'uncachedGuard') ? await mint(zone, 'bench-churn-user', CHURN_USERS) : [],
    };
    const all: AdapterResults[] = [];
    for (const adapter of ADAPTERS) {
      const results = await runAdapter(adapter, zone, tokens, profileDir);
      if (results) all.push(results);
    }
    if (all.length === 0) return;
    const table = report(all);
    const settings = `${ROUNDS} rounds of ${DURATION} s per throughput scenario (median app CPU/request, req/s and ratios; worst p99), interleaved, ${CONNECTIONS} connections, ${USERS} distinct user tokens (RS256); adapters: ${ADAPTERS.join(', ')}; autocannon, zone and app in three processes on 127.0.0.1.`;
    const document = [
      '# Benchmark results',
      '',
      'Written by `npm run bench` (see bench/README.md for how to read it). The primary figure is the app',
      "process's CPU time per request over the bare route of the same app in the same run; absolute",
      'numbers depend on the machine.',
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
    await stop(zone);
    if (CPU_PROFILE) log(`CPU profiles of the apps in ${relative(process.cwd(), profileDir)}/ (open them in Chrome DevTools)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
