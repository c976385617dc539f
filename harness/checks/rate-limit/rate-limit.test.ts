import { describe, expect, it } from 'vitest';
import type { Sent } from '../../model/result.ts';
import { op, sent } from '../../testing/sent.ts';
import { straddles, type RateLimitRun } from './drive.ts';
import { drainedDuring, judgeRateLimit } from './judge.ts';
import { planRateLimit, type RatePlan } from './plan.ts';

const policy = { limit: 5, windowMs: 1000, by: 'consumer' as const };
const alice = { name: 'alice', valid: true, credential: { kind: 'apiKey' as const, key: 'a' } };
const plan: RatePlan = { split: true, quietMs: 2100, burstSize: 12, slow: true, unmeasured: [], expectMs: 4000 };

function burst(admitted: number, size = 12, extra: Partial<Sent> = {}): Sent[] {
  const t0 = 5_000_010;
  return Array.from({ length: size }, (_, i) => sent({ status: i < admitted ? 200 : 429, sentAt: t0, doneAt: t0 + 20 + i, ...(i === size - 1 ? extra : {}) }));
}

function run(over: Partial<RateLimitRun> = {}): RateLimitRun {
  const b = over.burst?.sent ?? burst(5);
  return {
    op: op('listPets'),
    policy,
    plan,
    quietMs: 2100,
    liveness: { sent: Array.from({ length: 8 }, () => sent()), intervalMs: 250, who: 'bob' },
    burst: { sent: b, admitted: b.filter((s) => s.status === 200).length, straddled: false, attempt: 1, who: alice.name },
    straddleRemeasures: 0,
    isolation: { sent: sent(), who: 'bob', afterBurstMs: 1 },
    recovery: sent(),
    tries: {},
    waitedMs: 0,
    ...over,
  };
}

describe('rate limit judge', () => {
  it('passes: live at 80%, the burst admits the limit, bob unaffected, recovered', () => {
    const r = judgeRateLimit(run());
    expect(r.status).toBe('passed');
    expect(r.message).toBe('burst of 12 admitted 5 of limit 5; 80% load never rejected; recovered after a quiet period; bob unaffected');
  });

  it.each([
    ['over-admission', { burst: { sent: burst(10), admitted: 10, straddled: false, attempt: 1, who: 'alice' } }, 'rateLimit.overAdmitted'],
    ['no 429 at all', { burst: { sent: burst(12), admitted: 12, straddled: false, attempt: 1, who: 'alice' } }, 'rateLimit.noRejection'],
    ['a 503 in the burst', { burst: { sent: burst(5, 12, { status: 503 }), admitted: 5, straddled: false, attempt: 1, who: 'alice' } }, 'rateLimit.unexpectedStatus'],
    ['429 under the limit', { liveness: { sent: [sent(), sent({ status: 429 })], intervalMs: 250, who: 'bob' } }, 'rateLimit.livenessRejected'],
    ['bob limited with alice', { isolation: { sent: sent({ status: 429 }), who: 'bob', afterBurstMs: 2 } }, 'rateLimit.notIsolated'],
    ['no recovery', { recovery: sent({ status: 429 }) }, 'rateLimit.notRecovered'],
  ] as const)('fails on %s', (_what, over, code) => {
    const r = judgeRateLimit(run(over as Partial<RateLimitRun>));
    expect(r.status).toBe('failed');
    expect(r.failures!.map((f) => f.code)).toContain(code);
  });

  it('says what was not measured for a long window', () => {
    const long = planRateLimit({ limit: 10_000, windowMs: 3_600_000, by: 'consumer' }, 2, 120_000);
    if ('skip' in long) throw new Error(long.skip);
    const r = judgeRateLimit(run({ liveness: undefined, recovery: undefined, plan: long, policy: { ...policy, windowMs: 3_600_000 } }));
    expect(r.status).toBe('passed');
    expect(r.evidence.data?.measured).toEqual(['safety', 'isolation']);
    expect(r.warnings).toEqual([
      "liveness not measured: the 3600000 ms window needs about 7220 s for it, over the check's budget of 120 s",
      "recovery not measured: the 3600000 ms window needs about 7220 s for it, over the check's budget of 120 s",
    ]);
    expect(r.message).toContain('not measured: liveness, recovery');
  });

  it('an isolation request that was itself limited is not also a liveness rejection', () => {
    const probe = sent({ status: 429 });
    const r = judgeRateLimit(run({ isolation: { sent: probe, who: 'bob', afterBurstMs: 1 }, liveness: { sent: [probe, sent(), sent()], intervalMs: 250, who: 'bob' } }));
    expect(r.failures!.map((f) => f.code)).toEqual(['rateLimit.notIsolated']);
  });
});

describe('rate limit plan', () => {
  it('runs the phases side by side on two consumers or two addresses, one after another on one counter', () => {
    const p = (by: 'consumer' | 'ip' | 'global', consumers: number) => planRateLimit({ limit: 5, windowMs: 1000, by }, consumers);
    expect(p('consumer', 2)).toMatchObject({ split: true, slow: true, unmeasured: [] });
    expect(p('ip', 1)).toMatchObject({ split: true, slow: true, unmeasured: [] });
    expect(p('global', 2)).toMatchObject({ split: false, slow: true, unmeasured: [] });
    expect(p('consumer', 1)).toMatchObject({ split: false, unmeasured: [{ property: 'isolation', why: 'the suite has only one valid consumer' }] });
  });

  it('measures all four properties of a 100-per-minute limit in about three windows, under four minutes', () => {
    const p = planRateLimit({ limit: 100, windowMs: 60_000, by: 'consumer' }, 2);
    expect(p).toMatchObject({ split: true, slow: true, unmeasured: [] });
    expect((p as RatePlan).expectMs).toBeLessThanOrEqual(240_000);
  });

  it('skips the check when even the burst does not fit the budget', () => {
    expect(planRateLimit({ limit: 1_000_000, windowMs: 3_600_000, by: 'ip' }, 2, 120_000)).toEqual({ skip: "a burst of 2000002 requests takes about 2000 s, over the check's budget of 120 s; not measured" });
  });
  it('a burst straddles when its first send and last answer fall in different clock windows', () => {
    expect(straddles([sent({ sentAt: 1990, doneAt: 1995 }), sent({ sentAt: 1991, doneAt: 2001 })], 1000)).toBe(true);
    expect(straddles([sent({ sentAt: 2001, doneAt: 2010 })], 1000)).toBe(false);
  });
});

describe('rate limit burst span', () => {
  it('allows what the limit renews while a slow burst lasts, and no more', () => {
    const slow = (admitted: number) => Array.from({ length: 202 }, (_, i) => sent({ status: i < admitted ? 200 : 429, sentAt: 1_000, doneAt: 1_000 + 12_600 }));
    const long = { limit: 100, windowMs: 60_000, by: 'consumer' as const };
    expect(drainedDuring(long, 12_600)).toBe(21);
    expect(judgeRateLimit(run({ policy: long, burst: { sent: slow(121), admitted: 121, straddled: false, attempt: 1, who: 'alice' } })).status).toBe('passed');
    const r = judgeRateLimit(run({ policy: long, burst: { sent: slow(122), admitted: 122, straddled: false, attempt: 1, who: 'alice' } }));
    expect(r.failures!.map((f) => f.code)).toEqual(['rateLimit.overAdmitted']);
    expect(drainedDuring(policy, 30)).toBe(0);
  });
});
