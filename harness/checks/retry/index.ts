// retry: upstream 5xx is retried exactly as configured, counted where it
// happens — at the mock upstreams, by request id — not inferred from the client.
//  1. the first `attempts` tries fail (each configured status): the client gets
//     a success and the upstream saw exactly attempts+1 tries;
//  2. attempts+1 tries fail: the client gets the error, the upstream saw
//     exactly attempts+1 (not more);
//  3. a method outside `methods` is tried once;
//  4. with perTryTimeout, a try slower than it is abandoned and retried.

import type { Feature } from '../../model/features.ts';
import type { Check } from '../check.ts';
import { hasSuccessResponse, inRateLimitScope, preferUnlimited } from '../shared/select.ts';
import { driveRetry, retryScenarios } from './drive.ts';
import { judgeRetry } from './judge.ts';
import { retrySection } from './policy.ts';

export const retryCheck: Check<'retry'> = {
  name: 'retry',
  description: 'Upstream failures are retried exactly as configured, counted at the upstream.',
  section: retrySection,
  features(policies) {
    const f: Feature[] = ['retry.status', 'retry.methods'];
    if (policies.retry?.perTryTimeoutMs) f.push('retry.perTryTimeout');
    return f;
  },
  async run(ctx) {
    const policy = ctx.policies.retry!;
    const candidates = preferUnlimited(ctx.policies, ctx.operations).filter(hasSuccessResponse);
    const pick = (retried: boolean) =>
      candidates.find((op) => policy.methods.includes(op.method) === retried && !inRateLimitScope(ctx.policies, op)) ?? candidates.find((op) => policy.methods.includes(op.method) === retried);
    const retried = pick(true);
    if (!retried) return { status: 'skipped', message: `no operation uses a retried method (${policy.methods.join(', ')})`, evidence: {} };
    const samples = await driveRetry(ctx, retryScenarios(policy, retried, pick(false)));
    return judgeRetry(samples, policy, ctx.proxy.logs());
  },
};
