// retry: upstream 5xx is retried exactly as configured, counted where it
// happens — at the mock upstreams, by request id — not inferred from the client.
//  1. the first `attempts` tries fail (each configured status): the client gets
//     a success and the upstream saw exactly attempts+1 tries;
//  2. attempts+1 tries fail: the client gets the error, the upstream saw
//     exactly attempts+1 (not more);
//  3. a method outside `methods` is tried once;
//  4. with perTryTimeout, a try slower than it is abandoned and retried.

import type { Feature } from '../../model/features.ts';
import type { Check, CheckContext } from '../check.ts';
import type { Operation } from '../../model/spec.ts';
import { validConsumers } from '../shared/credentials.ts';
import { trafficClaims } from '../shared/uses.ts';
import { hasSuccessResponse, inRateLimitScope, preferUnlimited } from '../shared/select.ts';
import { driveRetry, retryScenarios } from './drive.ts';
import { judgeRetry } from './judge.ts';
import { retrySection } from './policy.ts';

/** The retried operation and one not retried, each outside the rate limit's scope where one is. */
function operationsOf(ctx: CheckContext): { retried?: Operation; notRetried?: Operation } {
  const policy = ctx.policies.retry!;
  const candidates = preferUnlimited(ctx.policies, ctx.operations).filter(hasSuccessResponse);
  const pick = (retried: boolean) =>
    candidates.find((op) => policy.methods.includes(op.method) === retried && !inRateLimitScope(ctx.policies, op)) ?? candidates.find((op) => policy.methods.includes(op.method) === retried);
  return { retried: pick(true), notRetried: pick(false) };
}

export const retryCheck: Check<'retry'> = {
  name: 'retry',
  description: 'Upstream failures are retried exactly as configured, counted at the upstream.',
  section: retrySection,
  features(policies) {
    const f: Feature[] = ['retry.status', 'retry.methods'];
    if (policies.retry?.perTryTimeoutMs) f.push('retry.perTryTimeout');
    return f;
  },
  uses(ctx) {
    const { retried, notRetried } = operationsOf(ctx);
    // Per-try timeouts cut slow tries: the tries counted depend on time.
    return { claims: trafficClaims(ctx, [retried, notRetried].filter((o) => o !== undefined), [validConsumers(ctx.suite)[0]], 'timed') };
  },
  async run(ctx) {
    const policy = ctx.policies.retry!;
    const { retried, notRetried } = operationsOf(ctx);
    if (!retried) return { status: 'skipped', message: `no operation uses a retried method (${policy.methods.join(', ')})`, evidence: {} };
    const samples = await driveRetry(ctx, retryScenarios(policy, retried, notRetried));
    return judgeRetry(samples, policy, ctx.proxy.logs());
  },
};
