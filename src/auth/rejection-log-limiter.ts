/** Default length of a logging interval: one warn line per reason per minute. */
export const REJECTION_LOG_INTERVAL_MS = 60_000;

/** Most distinct reasons tracked at once; the one tracked longest is dropped first. */
const MAX_REASONS = 256;

/** Options of `RejectionLogLimiter`. */
export interface RejectionLogLimiterOptions {
  /** Length of an interval, in ms. Default: `REJECTION_LOG_INTERVAL_MS` (60 s). */
  readonly intervalMs?: number;
  /** Clock in ms since the epoch. Default: `Date.now`. */
  readonly now?: () => number;
}

/** What to do with one occurrence of a reason. */
export type RejectionLogDecision =
  /** Log it at warn; `suppressed` occurrences of the same reason went to debug since its last warn line. */
  | { readonly level: 'warn'; readonly suppressed: number }
  /** Log it at debug: this reason already had its warn line in the current interval. */
  | { readonly level: 'debug' };

interface ReasonWindow {
  /** When the last warn line for the reason was written. */
  warnedAt: number;
  /** Occurrences sent to debug since then. */
  suppressed: number;
}

/**
 * Keeps a flood of rejected requests from becoming a flood of warn lines: the first
 * occurrence of each distinct reason in an interval is logged at warn (with how many of the
 * same reason were sent to debug since the previous warn line), every other one at debug.
 * Reasons are the guard's fixed phrases (never token text). Bounded: at most 256 reasons
 * are tracked.
 */
export class RejectionLogLimiter {
  private readonly reasons = new Map<string, ReasonWindow>();
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(options: RejectionLogLimiterOptions = {}) {
    this.intervalMs = options.intervalMs ?? REJECTION_LOG_INTERVAL_MS;
    this.now = options.now ?? (() => Date.now());
  }

  /** Records one occurrence of `reason` and says at which level to log it. */
  decide(reason: string): RejectionLogDecision {
    const now = this.now();
    const window = this.reasons.get(reason);
    if (window !== undefined && now - window.warnedAt < this.intervalMs) {
      window.suppressed++;
      return { level: 'debug' };
    }
    const suppressed = window?.suppressed ?? 0;
    this.reasons.delete(reason);
    this.reasons.set(reason, { warnedAt: now, suppressed: 0 });
    if (this.reasons.size > MAX_REASONS) this.reasons.delete(this.reasons.keys().next().value as string);
    return { level: 'warn', suppressed };
  }
}
