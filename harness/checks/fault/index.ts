// fault: the faults the proxy injects itself, as Istio's fault.abort and
// fault.delay, proven at the mock upstreams and timed at the client.

import type { Feature } from '../../model/features.ts';
import type { Check } from '../check.ts';
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
  run: async (ctx) => judgeFault(await driveFault(ctx, ctx.policies.fault!.rules)),
};
