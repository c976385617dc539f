// Which operations a check drives, chosen so that checks do not distort each
// other: the canary, retry and contract checks keep out of the rate limit's
// scope where they can, and use valid consumers.

import type { Operation } from '../../model/spec.ts';
import { successResponseOf } from '../../spec/generate-request.ts';
import type { Policies } from '../../model/policies.ts';

export function inRateLimitScope(policies: Policies, op: Operation): boolean {
  const rl = policies.rateLimit;
  if (!rl) return false;
  return rl.operations === undefined || rl.operations.includes(op.id);
}

/** The upstream that serves an operation, as rendered configs send it (routes/table.ts). */
export { upstreamOf } from '../../routes/table.ts';

/** Operations outside the rate limit's scope first, then the rest; GET before others. */
export function preferUnlimited(policies: Policies, ops: Operation[]): Operation[] {
  const score = (op: Operation) => (inRateLimitScope(policies, op) ? 2 : 0) + (op.method === 'GET' ? 0 : 1);
  return [...ops].sort((a, b) => score(a) - score(b));
}

/** True when the mocks answer the operation with a success when no fault says otherwise. */
export function hasSuccessResponse(op: Operation): boolean {
  return successResponseOf(op) !== undefined;
}
