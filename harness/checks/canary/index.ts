// canary: each version's share of the traffic is within `tolerance` of its
// weight, decided by the group-sequential Wilson test in stats/sequential.ts
// (false-alarm rate <= alpha, default 1e-4). Versions are counted at the
// upstream (the journal), not from what the proxy says.

import type { Check, CheckContext } from '../check.ts';
import type { Operation } from '../../model/spec.ts';
import { validConsumers } from '../shared/credentials.ts';
import { trafficClaims } from '../shared/uses.ts';
import { hasSuccessResponse, inRateLimitScope, upstreamOf } from '../shared/select.ts';
import { driveCanary } from './drive.ts';
import { judgeCanary } from './judge.ts';
import { canarySection } from './policy.ts';

/** The upstream's operations with a success response, and the one driven: a GET outside the rate limit's scope where there is one. */
function operationsOf(ctx: CheckContext): { served: Operation[]; op?: Operation } {
  const policy = ctx.policies.canary!;
  const served = ctx.operations.filter((op) => upstreamOf(ctx.suite, op) === policy.upstream && hasSuccessResponse(op));
  const unlimited = (o: Operation) => !inRateLimitScope(ctx.policies, o);
  return { served, op: served.find((o) => o.method === 'GET' && unlimited(o)) ?? served.find(unlimited) };
}

export const canaryCheck: Check<'canary'> = {
  name: 'canary',
  description: 'Traffic splits across versions by the configured weights, within a statistical tolerance.',
  section: canarySection,
  features: () => ['canary.weights'],
  // Hundreds of requests as fast as the proxy answers: heavy on the machine.
  uses(ctx) {
    const { op } = operationsOf(ctx);
    return { claims: trafficClaims(ctx, op ? [op] : [], [validConsumers(ctx.suite)[0]], 'heavy') };
  },
  async run(ctx) {
    const policy = ctx.policies.canary!;
    const { served, op } = operationsOf(ctx);
    if (!op) {
      const message = served.length
        ? `every operation of upstream ${policy.upstream} is inside the rate limit's scope; the canary needs thousands of requests`
        : `no operation is served by upstream ${policy.upstream}`;
      return { status: 'skipped', message, evidence: {} };
    }
    return judgeCanary(await driveCanary(ctx, op, policy), policy);
  },
};
