// rateLimit: four properties, each measured, none inferred (drive.ts says
// how): liveness at 80% of the limit, safety under a burst of twice the
// limit, isolation between consumers, recovery after a quiet period. The
// false-alarm sources left are timing ones; their rate is measured by
// repetition (bench/repeat-check.ts).

import type { Feature } from '../../model/features.ts';
import type { Check } from '../check.ts';
import { hasSuccessResponse, inRateLimitScope } from '../shared/select.ts';
import { driveRateLimit } from './drive.ts';
import { judgeRateLimit } from './judge.ts';
import { rateLimitSection } from './policy.ts';

/** The largest burst the check sends (2 x limit + 2). */
const MAX_BURST = 1000;

export const rateLimitCheck: Check<'rateLimit'> = {
  name: 'rateLimit',
  description: 'Over the limit gives 429; under it never; limits recover and are per consumer when so configured.',
  section: rateLimitSection,
  features: (policies) => [`rateLimit.${policies.rateLimit!.by}` satisfies Feature],
  async run(ctx) {
    const policy = ctx.policies.rateLimit!;
    const inScope = ctx.operations.filter((op) => inRateLimitScope(ctx.policies, op) && hasSuccessResponse(op));
    const op = inScope.find((o) => o.method === 'GET') ?? inScope[0];
    if (!op) return { status: 'skipped', message: 'no operation in the rate limit scope has a success response', evidence: {} };
    if (2 * policy.limit + 2 > MAX_BURST) return { status: 'skipped', message: `limit ${policy.limit} needs a burst over ${MAX_BURST} requests; not measured`, evidence: {} };
    return judgeRateLimit(await driveRateLimit(ctx, op, policy));
  },
};
