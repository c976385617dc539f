// canary, the effects: requests on one operation, each counted at the
// upstream version that served it, until the sequential test decides
// (checks/shared/shares.ts).

import type { Operation } from '../../model/spec.ts';
import { generateRequest } from '../../spec/generate-request.ts';
import { shareTest } from '../../stats/sequential.ts';
import type { CheckContext } from '../check.ts';
import { asValidConsumer } from '../shared/credentials.ts';
import { driveShares, type ShareRun } from '../shared/shares.ts';
import type { CanaryPolicy } from './policy.ts';

export interface CanaryRun extends ShareRun {
  op: Operation;
}

export async function driveCanary(ctx: CheckContext, op: Operation, policy: CanaryPolicy): Promise<CanaryRun> {
  const as = asValidConsumer(ctx.suite, ctx.spec);
  // Every version of the upstream may serve, weighted or not: the union bound counts them all.
  const versions = ctx.suite.upstreams.find((u) => u.name === policy.upstream)?.versions;
  const test = shareTest(policy.weights, policy.tolerance, policy.alpha, policy.maxRequests, versions);
  const run = await driveShares(test, policy.upstream, ctx.fleet, () => ctx.client.send(generateRequest(ctx.spec, op, ctx.rng), as));
  return { ...run, op };
}
