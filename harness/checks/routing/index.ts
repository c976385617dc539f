// routing: each route of the suite (stated under routes:, or imported from
// VirtualServices and HTTPRoutes) sends the requests it matches to its own
// destination, requests that just miss it go where the next route (or none)
// sends them, and the first matching route wins. Landings are read at the
// upstreams (the journal); split routes are judged by the sequential test.

import type { Check } from '../check.ts';
import { validConsumers } from '../shared/credentials.ts';
import { trafficClaims } from '../shared/uses.ts';
import { driveRouting } from './drive.ts';
import { judgeRouting } from './judge.ts';
import { routeFeatures, routingSection } from './policy.ts';

export const routingCheck: Check<'routing'> = {
  name: 'routing',
  description: 'Each route sends the requests it matches to its destination; near misses fall through to the next route; the first match wins.',
  section: routingSection,
  features: (policies) => routeFeatures(policies.routing?.routes ?? []),
  // Near misses and unmatched requests may land on any operation of the spec;
  // split routes take hundreds of requests as fast as the proxy answers.
  uses: (ctx) => ({ claims: trafficClaims(ctx, ctx.spec.operations, [validConsumers(ctx.suite)[0]], 'heavy') }),
  async run(ctx) {
    return judgeRouting(await driveRouting(ctx, ctx.policies.routing!));
  },
};
