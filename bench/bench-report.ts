import os from 'node:os';
import type { AutocannonResult } from 'autocannon';

/** One autocannon run, with the app's CPU time it cost. */
export interface Sample {
  readonly result: AutocannonResult;
  /** CPU time (user + system) the app process used during the run, in microseconds. */
  readonly appCpuUs: number;
}

/** One measured scenario, over its rounds. */
export interface Measurement {
  readonly name: string;
  /** Median requests per second over the rounds. */
  readonly rps: number;
  /** Median of the rounds' median latency, ms. */
  readonly p50: number;
  /** Worst of the rounds' 99th percentile latency, ms. */
  readonly p99: number;
  /** Non-2xx responses plus connection errors and timeouts, all rounds together. */
  readonly failures: number;
  readonly requests: number;
  /** Median of the rounds' app CPU time per request, µs. */
  readonly cpuUsPerRequest: number;
  /** Lowest of the rounds' app CPU time per request, µs (the round the rest of the machine disturbed least). */
  readonly cpuUsBest: number;
  readonly rounds: number;
  /** Median over the rounds of (req/s ÷ the baseline's req/s in the same round). */
  readonly rpsRatio?: number;
  /** Median over the rounds of (baseline CPU per request ÷ this CPU per request in the same round). */
  readonly cpuRatio?: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const cpuPerRequest = (sample: Sample): number => sample.appCpuUs / Math.max(1, sample.result.requests.total);

/**
 * Folds the runs of several rounds of one scenario into one row. With `baseline` (the bare
 * route's runs of the same rounds, in the same order), ratios are taken round by round, so
 * that slow and fast phases of the machine cancel out, and the median is kept.
 */
export function measure(name: string, samples: readonly Sample[], baseline?: readonly Sample[]): Measurement {
  const results = samples.map((sample) => sample.result);
  const perRound = <T>(fn: (sample: Sample, base: Sample) => T): T[] => samples.map((sample, i) => fn(sample, baseline![i]!));
  return {
    name,
    rps: median(results.map((r) => r.requests.average)),
    p50: median(results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    failures: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
    requests: results.reduce((sum, r) => sum + r.requests.total, 0),
    cpuUsPerRequest: median(samples.map(cpuPerRequest)),
    cpuUsBest: Math.min(...samples.map(cpuPerRequest)),
    rounds: results.length,
    ...(baseline && {
      rpsRatio: median(perRound((sample, base) => sample.result.requests.average / base.result.requests.average)),
      cpuRatio: median(perRound((sample, base) => cpuPerRequest(base) / cpuPerRequest(sample))),
    }),
  };
}

export function describeMachine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const memory = (os.totalmem() / 1024 ** 3).toFixed(1);
  const load = os.loadavg().map((value) => value.toFixed(2)).join(' / ');
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus.length} cores (${model}), ${memory} GiB memory, ${os.type()} ${os.release()} ${os.arch()}`,
    `- Node.js ${process.version}`,
    `- Load average when the run ended (1/5/15 min): ${load}`,
  ].join('\n');
}

export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}
