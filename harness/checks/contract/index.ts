// contract: every response that came from the upstream through the proxy
// validates against the spec for its status, and every request the proxy
// forwarded still satisfies the spec at the upstream (a proxy that mangles
// paths, headers or bodies is caught there).

import type { Check, CheckContext } from '../check.ts';
import type { Operation } from '../../model/spec.ts';
import { validConsumers } from '../shared/credentials.ts';
import { trafficClaims } from '../shared/uses.ts';
import { hasSuccessResponse } from '../shared/select.ts';
import { driveContract } from './drive.ts';
import { judgeContract } from './judge.ts';
import { contractSection } from './policy.ts';

/** The operations driven: those the policy names (all by default) with a documented success response. */
function operationsOf(ctx: CheckContext): Operation[] {
  const wanted = ctx.policies.contract?.operations;
  return ctx.operations.filter((op) => (wanted ? wanted.includes(op.id) : true) && hasSuccessResponse(op));
}

export const contractCheck: Check<'contract'> = {
  name: 'contract',
  description: 'Responses through the proxy satisfy the spec, and requests reach the upstream intact.',
  section: contractSection,
  features: () => ['contract'],
  uses: (ctx) => ({ claims: trafficClaims(ctx, operationsOf(ctx), [validConsumers(ctx.suite)[0]]) }),
  async run(ctx) {
    const ops = operationsOf(ctx);
    if (!ops.length) return { status: 'skipped', message: 'no operation with a documented success response to exercise', evidence: {} };
    return judgeContract(await driveContract(ctx, ops), ctx.validator);
  },
};
