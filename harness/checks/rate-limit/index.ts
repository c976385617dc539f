// rateLimit: four properties, each measured, none inferred (drive.ts says
// how, plan.ts which fit the check's time budget): liveness at 80% of the
// limit, safety under a burst of twice the limit, isolation between consumers
// (or client addresses), recovery after a quiet period. The false-alarm
// sources left are timing ones; their rate is measured by repetition
// (bench/repeat-check.ts).

import type { Feature } from '../../model/features.ts';
import type { Operation } from '../../model/spec.ts';
import type { Check, CheckContext, Claim } from '../check.ts';
import { validConsumers } from '../shared/credentials.ts';
import { hasSuccessResponse, inRateLimitScope } from '../shared/select.ts';
import { rateLimitCounter, trafficClaims } from '../shared/uses.ts';
import { driveRateLimit, rateLimitSource } from './drive.ts';
import { judgeRateLimit } from './judge.ts';
import { DEFAULT_BUDGET_MS, planRateLimit } from './plan.ts';
import { rateLimitSection } from './policy.ts';

/** The operation driven: a GET in the limit's scope with a success response, if there is one. */
function operationOf(ctx: CheckContext): Operation | undefined {
  const inScope = ctx.operations.filter((op) => inRateLimitScope(ctx.policies, op) && hasSuccessResponse(op));
  return inScope.find((o) => o.method === 'GET') ?? inScope[0];
}

/** The counters the check measures, exclusively: its consumers', its source addresses' (re-measures included), or the global one. */
function countersClaimed(ctx: CheckContext): Claim[] {
  const { by } = ctx.policies.rateLimit!;
  const [a, b] = validConsumers(ctx.suite);
  const keys = by === 'ip' ? [0, 1, 2, 3, 4].map((i) => rateLimitCounter('ip', undefined, rateLimitSource(i))) : [a, b].map((c) => rateLimitCounter(by, c?.name));
  return [...new Set(keys)].map((key) => ({ key, mode: 'exclusive' }));
}

export const rateLimitCheck: Check<'rateLimit'> = {
  name: 'rateLimit',
  description: 'Over the limit gives 429; under it never; limits recover and are per consumer (or client address) when so configured.',
  section: rateLimitSection,
  features: (policies) => [`rateLimit.${policies.rateLimit!.by}` satisfies Feature],
  uses(ctx) {
    const op = operationOf(ctx);
    const plan = planRateLimit(ctx.policies.rateLimit!, validConsumers(ctx.suite).length, ctx.budgetMs ?? DEFAULT_BUDGET_MS);
    if (!op || 'skip' in plan) return { claims: [] };
    // Paced liveness, a burst inside one window, a recovery on time: it judges by time.
    const traffic = trafficClaims(ctx, [op], validConsumers(ctx.suite).slice(0, 2), 'timed').filter((c) => !c.key.startsWith('rateLimit:'));
    return { claims: [...traffic, ...countersClaimed(ctx)], expectMs: plan.expectMs };
  },
  async run(ctx) {
    const policy = ctx.policies.rateLimit!;
    const op = operationOf(ctx);
    if (!op) return { status: 'skipped', message: 'no operation in the rate limit scope has a success response', evidence: {} };
    const budgetMs = ctx.budgetMs ?? DEFAULT_BUDGET_MS;
    const plan = planRateLimit(policy, validConsumers(ctx.suite).length, budgetMs);
    if ('skip' in plan) return { status: 'skipped', message: `limit ${policy.limit} per ${policy.windowMs} ms: ${plan.skip}`, evidence: {} };
    return judgeRateLimit(await driveRateLimit(ctx, op, policy, plan, budgetMs));
  },
};
