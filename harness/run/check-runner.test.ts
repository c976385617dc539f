import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { conflicts, TIME_CLAIM, TIMING_CLAIM, type Claim, type Uses } from '../checks/check.ts';
import { ClaimGate, precedence, runScheduled, type ScheduledJob } from './check-runner.ts';

const shared = (key: string): Claim => ({ key, mode: 'shared' });
const uses = (claims: Claim[], expectMs?: number): Uses => ({ claims: [shared(TIME_CLAIM), ...claims], expectMs });

/** Jobs that record when they ran and what they were told about earlier ones. */
function recorder(spec: Array<{ uses: Uses; ms: number }>) {
  const spans: Array<{ start: number; end: number; touchedAt: Record<string, number> }> = [];
  const jobs: ScheduledJob<number>[] = spec.map((s, i) => ({
    uses: s.uses,
    run: async (touchedAt) => {
      const start = Date.now();
      await sleep(s.ms);
      spans[i] = { start, end: Date.now(), touchedAt };
      return i;
    },
  }));
  const overlap = (i: number, j: number) => spans[i].start < spans[j].end && spans[j].start < spans[i].end;
  return { jobs, spans, overlap };
}

describe('claims', () => {
  it('shared with shared and heavy with heavy coexist; exclusive with nothing; heavy with shared never', () => {
    const on = (mode: Claim['mode']) => ({ claims: [{ key: 'k', mode }] });
    expect(conflicts(on('shared'), on('shared'))).toBe(false);
    expect(conflicts(on('heavy'), on('heavy'))).toBe(false);
    expect(conflicts(on('heavy'), on('shared'))).toBe(true);
    expect(conflicts(on('exclusive'), on('shared'))).toBe(true);
    expect(conflicts(on('exclusive'), { claims: [{ key: 'other', mode: 'exclusive' }] })).toBe(false);
  });
});

describe('runScheduled', () => {
  it('runs checks with disjoint claims side by side and conflicting ones one after another, results in the jobs order', async () => {
    const counter = { key: 'rateLimit:consumer:alice', mode: 'exclusive' } as const;
    const r = recorder([
      { uses: uses([shared('rateLimit:consumer:alice')]), ms: 30 },
      { uses: uses([shared('op:a')]), ms: 30 },
      { uses: uses([counter], 1000), ms: 60 },
    ]);
    expect(await runScheduled(r.jobs)).toEqual([0, 1, 2]);
    // The long rate-limit job claims first; the job that adds to its counter waits for it and is told when it ended.
    expect(r.spans[0].start).toBeGreaterThanOrEqual(r.spans[2].end);
    expect(r.spans[0].touchedAt).toEqual({ 'rateLimit:consumer:alice': r.spans[2].end });
    expect(r.overlap(1, 2)).toBe(true);
    expect(r.spans[2].touchedAt).toEqual({});
  });

  it('serial: one at a time, in the same order, with the same keys reported touched', async () => {
    const counter = { key: 'rateLimit:consumer:alice', mode: 'exclusive' } as const;
    const r = recorder([
      { uses: uses([shared('rateLimit:consumer:alice')]), ms: 10 },
      { uses: uses([shared('op:a')]), ms: 10 },
      { uses: uses([counter], 1000), ms: 10 },
    ]);
    expect(await runScheduled(r.jobs, true)).toEqual([0, 1, 2]);
    expect(r.overlap(0, 1) || r.overlap(1, 2) || r.overlap(0, 2)).toBe(false);
    expect(r.spans[2].end).toBeLessThanOrEqual(r.spans[0].start);
    expect(Object.keys(r.spans[0].touchedAt)).toEqual(['rateLimit:consumer:alice']);
    expect(r.spans[2].touchedAt).toEqual({});
  });

  it('a check that declares nothing runs alone', async () => {
    const r = recorder([
      { uses: uses([shared('op:a')]), ms: 20 },
      { uses: { claims: [{ key: TIME_CLAIM, mode: 'exclusive' }] }, ms: 20 },
      { uses: uses([shared('op:b')]), ms: 20 },
    ]);
    await runScheduled(r.jobs);
    expect(r.overlap(0, 1) || r.overlap(1, 2)).toBe(false);
  });

  it('orders by expected time, longest first, ties as given', () => {
    expect(precedence([uses([]), uses([], 500), uses([]), uses([], 2000)].map((u) => ({ uses: u })))).toEqual([3, 1, 0, 2]);
  });
});

describe('ClaimGate', () => {
  it('keeps a heavy claim apart from timed ones, first come first served', async () => {
    const gate = new ClaimGate();
    const log: string[] = [];
    const hold = (name: string, mode: Claim['mode'], ms: number) => gate.hold(mode, async () => {
      log.push(`${name}+`);
      await sleep(ms);
      log.push(`${name}-`);
    });
    await Promise.all([hold('timed1', 'shared', 30), hold('heavy1', 'heavy', 10), hold('timed2', 'shared', 10), hold('heavy2', 'heavy', 10)]);
    // heavy1 waits for timed1; timed2 waits behind heavy1 (no overtaking); heavy2 behind timed2.
    expect(log).toEqual(['timed1+', 'timed1-', 'heavy1+', 'heavy1-', 'timed2+', 'timed2-', 'heavy2+', 'heavy2-']);
    expect(TIMING_CLAIM).toBe('machine:timing');
  });
});
