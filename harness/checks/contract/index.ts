// contract: every response that came from the upstream through the proxy
// validates against the spec for its status, and every request the proxy
// forwarded still satisfies the spec at the upstream (a proxy that mangles
// paths, headers or bodies is caught there).

import type { Check } from '../check.ts';
import { hasSuccessResponse } from '../shared/select.ts';
import { driveContract } from './drive.ts';
import { judgeContract } from './judge.ts';
import { contractSection } from './policy.ts';

export const contractCheck: Check<'contract'> = {
  name: 'contract',
  description: 'Responses through the proxy satisfy the spec, and requests reach the upstream intact.',
  section: contractSection,
  features: () => ['contract'],
  async run(ctx) {
    const wanted = ctx.policies.contract?.operations;
    const ops = ctx.operations.filter((op) => (wanted ? wanted.includes(op.id) : true) && hasSuccessResponse(op));
    if (!ops.length) return { status: 'skipped', message: 'no operation with a documented success response to exercise', evidence: {} };
    return judgeContract(await driveContract(ctx, ops), ctx.validator);
  },
};
