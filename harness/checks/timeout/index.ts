// timeout: the proxy stops waiting for a slow upstream when the request
// timeout says so, and lets a slow-but-in-time answer through. Timed at the
// client, with the delay put on the upstream by the mock's fault program.
// The operation is one the retry policy does not retry where there is one, so
// per-try timeouts do not blur the bound; on a retried one the bound is the
// smaller of the timeout and all tries at their per-try timeout.

import type { Operation } from '../../model/spec.ts';
import type { Check, CheckContext } from '../check.ts';
import { validConsumers } from '../shared/credentials.ts';
import { trafficClaims } from '../shared/uses.ts';
import { hasSuccessResponse, inRateLimitScope, preferUnlimited, upstreamOf } from '../shared/select.ts';
import { driveTimeout, timeoutPlan } from './drive.ts';
import { judgeTimeout } from './judge.ts';
import { timeoutSection } from './policy.ts';

/** One operation with a success response: the imported timeout's upstream's, not retried and outside the rate limit where it can be. */
function operationOf(ctx: CheckContext): Operation | undefined {
  const policy = ctx.policies.timeout!;
  const retry = ctx.policies.retry;
  const all = preferUnlimited(ctx.policies, ctx.operations).filter(hasSuccessResponse);
  // An imported timeout names its upstream: drive one of its operations.
  const own = policy.upstream ? all.filter((o) => upstreamOf(ctx.suite, o) === policy.upstream) : all;
  const candidates = own.length ? own : all;
  const notRetried = (op: Operation) => !retry || !retry.methods.includes(op.method);
  return candidates.find((o) => notRetried(o) && !inRateLimitScope(ctx.policies, o)) ?? candidates.find((o) => !inRateLimitScope(ctx.policies, o)) ?? candidates[0];
}

export const timeoutCheck: Check<'timeout'> = {
  name: 'timeout',
  description: 'A request to a slow upstream ends with the timeout status when the timeout says, not later and not much earlier.',
  section: timeoutSection,
  features: () => ['timeout.request'],
  uses(ctx) {
    const op = operationOf(ctx);
    // The slow request is held about the bound plus its slack.
    return { claims: trafficClaims(ctx, op ? [op] : [], [validConsumers(ctx.suite)[0]], 'timed'), expectMs: op ? timeoutPlan(ctx.policies, op).boundMs : 0 };
  },
  async run(ctx) {
    const policy = ctx.policies.timeout!;
    const op = operationOf(ctx);
    if (!op) return { status: 'skipped', message: 'no operation with a success response to send through the proxy', evidence: {} };
    const plan = timeoutPlan(ctx.policies, op);
    return judgeTimeout(await driveTimeout(ctx, plan), plan, policy);
  },
};
