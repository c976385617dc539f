// transform: the proxy rewrites request headers before the upstream, proven
// where it lands: the mock's journal of that request id. The client sends
// every header to be set with a value of its own (a proxy that appends
// instead of replacing is caught) and every header to be removed (a proxy
// that forwards it is caught).

import type { Check, CheckContext } from '../check.ts';
import { validConsumers } from '../shared/credentials.ts';
import { trafficClaims } from '../shared/uses.ts';
import { hasSuccessResponse, preferUnlimited } from '../shared/select.ts';
import { driveTransform } from './drive.ts';
import { judgeTransform } from './judge.ts';
import { transformSection } from './policy.ts';

const operationOf = (ctx: CheckContext) => preferUnlimited(ctx.policies, ctx.operations).find(hasSuccessResponse);

export const transformCheck: Check<'transform'> = {
  name: 'transform',
  description: 'The proxy sets and removes request headers as configured; the upstream sees the result.',
  section: transformSection,
  features: () => ['transform.headers'],
  uses: (ctx) => ({ claims: trafficClaims(ctx, [operationOf(ctx)].filter((o) => o !== undefined), [validConsumers(ctx.suite)[0]]) }),
  async run(ctx) {
    const t = ctx.policies.transform!;
    const op = operationOf(ctx);
    if (!op) return { status: 'skipped', message: 'no operation with a success response to send through the proxy', evidence: {} };
    return judgeTransform(await driveTransform(ctx, op, t), t);
  },
};
