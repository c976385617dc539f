// rateLimit, what to measure within the check's time budget (pure).
//
// Two counters (by: consumer with two valid consumers; by: ip, where a second
// client binds another loopback address): the burst goes to counter A, and
// right after it counter B starts its liveness run, whose first request is the
// isolation probe (B admitted while A is limited); A waits out its quiet
// period meanwhile and is asked again (recovery). About three windows in all.
// One counter (global, or one consumer): the phases one after another.
//
// Times: the quiet period is 2W+100 ms because HAProxy's gpc0_rate blends the
// previous period into the current one (NOTES.md; src/freq_ctr.c), so a
// counter is clean only two periods after its last admission. nginx's
// limit_req is a leaky bucket (ngx_http_limit_req_module.c: excess drains at
// the rate), clean sooner. Kong's windows are clock-aligned fixed windows,
// which is why a straddled over-admission is measured again (drive.ts).

import type { RateLimitPolicy } from './policy.ts';

/** How long the check may take when the run sets no budget: a one-minute window gets all four properties (about three windows). */
export const DEFAULT_BUDGET_MS = 240_000;
/** Burst requests per second this client is sure to reach on a 2-core machine, for planning only. */
export const PLAN_BURST_RATE = 1_000;

export type Property = 'liveness' | 'safety' | 'isolation' | 'recovery';

export interface RatePlan {
  /** Two counters: the phases run side by side. */
  split: boolean;
  quietMs: number;
  burstSize: number;
  /** Measured: liveness and recovery fit in the budget. */
  slow: boolean;
  /** What will not be measured, and why. */
  unmeasured: Array<{ property: Property; why: string }>;
  /** The time the plan needs, counting from the first request (ms). */
  expectMs: number;
}

export const quietMsOf = (windowMs: number): number => 2 * windowMs + 100;

/** The plan for a policy, the number of valid consumers and the budget; undefined (with why) when even the burst does not fit. */
export function planRateLimit(policy: RateLimitPolicy, validConsumers: number, budgetMs = DEFAULT_BUDGET_MS): RatePlan | { skip: string } {
  const W = policy.windowMs;
  const quietMs = quietMsOf(W);
  const burstSize = 2 * policy.limit + 2;
  const burstMs = Math.ceil((burstSize / PLAN_BURST_RATE) * 1000);
  if (burstMs > budgetMs) return { skip: `a burst of ${burstSize} requests takes about ${Math.round(burstMs / 1000)} s, over the check's budget of ${Math.round(budgetMs / 1000)} s; not measured` };
  const split = policy.by === 'ip' || (policy.by === 'consumer' && validConsumers >= 2);
  // Split: the burst, then liveness (2W) beside the quiet period and recovery.
  // One counter: liveness, quiet, a window boundary, the burst, quiet, recovery.
  const slowMs = split ? burstMs + Math.max(2 * W, quietMs) : 2 * W + 2 * quietMs + W + burstMs;
  const slow = slowMs <= budgetMs;
  const unmeasured: RatePlan['unmeasured'] = [];
  if (!slow) {
    const why = `the ${W} ms window needs about ${Math.round(slowMs / 1000)} s for it, over the check's budget of ${Math.round(budgetMs / 1000)} s`;
    unmeasured.push({ property: 'liveness', why }, { property: 'recovery', why });
  }
  if (policy.by === 'consumer' && !split) unmeasured.push({ property: 'isolation', why: 'the suite has only one valid consumer' });
  return { split, quietMs, burstSize, slow, unmeasured, expectMs: slow ? slowMs : burstMs + W };
}
