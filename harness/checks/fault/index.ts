// fault: the faults the proxy injects itself, as Istio's fault.abort and
// fault.delay, proven at the mock upstreams and timed at the client.

import type { Feature } from '../../model/features.ts';
import type { Check } from '../check.ts';
import { validConsumers } from '../shared/credentials.ts';
import { hasSuccessResponse, preferUnlimited, upstreamOf } from '../shared/select.ts';
import { trafficClaims } from '../shared/uses.ts';
import { driveFault } from './drive.ts';
import { judgeFault } from './judge.ts';
import { faultSection } from './policy.ts';

export const faultCheck: Check<'fault'> = {
  name: 'fault',
  description: 'The proxy aborts matching requests itself with the configured status, or holds them for the configured delay; others are served.',
  section: faultSection,
  features(policies) {
    const rules = policies.fault?.rules ?? [];
    const f: Feature[] = [];
    if (rules.some((r) => r.abort)) f.push('fault.abort');
    if (rules.some((r) => r.delay)) f.push('fault.delay');
    return f;
  },
  uses(ctx) {
    // Each rule's operation, as driveRule picks it: its upstream's, outside the rate limit where it can be.
    const candidates = preferUnlimited(ctx.policies, ctx.operations).filter(hasSuccessResponse);
    const ops = ctx.policies.fault!.rules.map((r) => candidates.find((o) => upstreamOf(ctx.suite, o) === r.upstream)).filter((o) => o !== undefined);
    // A delay is judged by the time the client waited.
    return { claims: trafficClaims(ctx, ops, [validConsumers(ctx.suite)[0]], 'timed') };
  },
  run: async (ctx) => judgeFault(await driveFault(ctx, ctx.policies.fault!.rules)),
};
