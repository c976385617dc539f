// What a check's traffic claims (check.ts's Claim), for the runner to run
// checks side by side where they cannot disturb each other: the operations it
// sends to, the consumers whose credentials it sends, the rate-limit counters
// those requests add to, and a shared claim on the target's time. Requests
// are told apart at the mocks by request id (journal, fault programs), so
// operations and consumers are shared claims; a rate-limit counter is the one
// thing another check's requests change under the rate-limit check's feet.

import type { Operation } from '../../model/spec.ts';
import type { Consumer } from '../../model/suite.ts';
import { TIME_CLAIM, TIMING_CLAIM, type CheckContext, type Claim } from '../check.ts';
import type { RateLimitPolicy } from '../rate-limit/policy.ts';
import { inRateLimitScope } from './select.ts';

/** The source address every check's client connects from, unless it binds another. */
export const DEFAULT_SOURCE = '127.0.0.1';

/** The rate-limit counter a request adds to: per consumer (by its name; none for no credential), per source address, or the one global counter. */
export function rateLimitCounter(by: RateLimitPolicy['by'], consumer: string | undefined, source = DEFAULT_SOURCE): string {
  if (by === 'global') return 'rateLimit:global';
  return by === 'ip' ? `rateLimit:ip:${source}` : `rateLimit:consumer:${consumer ?? '(none)'}`;
}

/**
 * The rate limits a request of this context may count against: the context's
 * own and, in a route scope (where the route's replaces it), the suite's.
 */
function limitsOf(ctx: Pick<CheckContext, 'policies' | 'suite'>): RateLimitPolicy[] {
  return [...new Set([ctx.policies.rateLimit, ctx.suite.policies.rateLimit])].filter((p): p is RateLimitPolicy => p !== undefined);
}

/**
 * Shared claims on the operations, the consumers (undefined: no credential),
 * the counters their requests add to, and time; and on the machine's timing
 * when the check judges by time (`timed`) or floods (`heavy`).
 */
export function trafficClaims(ctx: Pick<CheckContext, 'policies' | 'suite'>, ops: readonly Operation[], consumers: ReadonlyArray<Consumer | undefined>, timing?: 'timed' | 'heavy'): Claim[] {
  const keys = new Set<string>([TIME_CLAIM, ...ops.map((o) => `op:${o.id}`), ...consumers.map((c) => `consumer:${c?.name ?? '(none)'}`)]);
  for (const rl of limitsOf(ctx)) {
    if (!ops.some((op) => inRateLimitScope({ rateLimit: rl }, op))) continue;
    for (const c of consumers) keys.add(rateLimitCounter(rl.by, c?.name));
  }
  const claims: Claim[] = [...keys].map((key) => ({ key, mode: 'shared' }));
  if (timing) claims.push({ key: TIMING_CLAIM, mode: timing === 'heavy' ? 'heavy' : 'shared' });
  return claims;
}
