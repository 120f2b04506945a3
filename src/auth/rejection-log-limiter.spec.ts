import { describe, expect, it } from 'vitest';
import { RejectionLogLimiter } from './rejection-log-limiter.js';

describe('RejectionLogLimiter', () => {
  it('warns once per reason per interval, then reports how many went to debug', () => {
    let now = 1_000_000;
    const limiter = new RejectionLogLimiter({ intervalMs: 60_000, now: () => now });
    expect(limiter.decide('expired')).toEqual({ level: 'warn', suppressed: 0 });
    expect(limiter.decide('wrong audience')).toEqual({ level: 'warn', suppressed: 0 });
    for (let i = 0; i < 500; i++) expect(limiter.decide('expired')).toEqual({ level: 'debug' });
    now += 59_999;
    expect(limiter.decide('expired')).toEqual({ level: 'debug' });
    now += 1;
    expect(limiter.decide('expired')).toEqual({ level: 'warn', suppressed: 501 });
    expect(limiter.decide('wrong audience')).toEqual({ level: 'warn', suppressed: 0 });
    expect(limiter.decide('expired')).toEqual({ level: 'debug' });
  });

  it('tracks a bounded number of reasons', () => {
    const limiter = new RejectionLogLimiter({ now: () => 0 });
    for (let i = 0; i < 10_000; i++) expect(limiter.decide(`reason ${i}`).level).toBe('warn');
    expect((limiter as unknown as { reasons: Map<string, unknown> }).reasons.size).toBeLessThanOrEqual(256);
  });
});
