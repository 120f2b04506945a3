import os from 'node:os';
import type { AutocannonResult } from 'autocannon';

/** One measured scenario, averaged over its rounds. */
export interface Measurement {
  readonly name: string;
  /** Mean requests per second over the rounds. */
  readonly rps: number;
  /** Mean of the rounds' median latency, ms. */
  readonly p50: number;
  /** Worst of the rounds' 99th percentile latency, ms. */
  readonly p99: number;
  /** Non-2xx responses plus connection errors and timeouts, all rounds together. */
  readonly failures: number;
  readonly requests: number;
  readonly rounds: number;
}

/** Folds the autocannon results of several rounds of one scenario into one row. */
export function measure(name: string, results: readonly AutocannonResult[]): Measurement {
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    name,
    rps: mean(results.map((r) => r.requests.average)),
    p50: mean(results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    failures: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
    requests: results.reduce((sum, r) => sum + r.requests.total, 0),
    rounds: results.length,
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
