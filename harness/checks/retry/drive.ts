// retry, the effects: the scenarios the policy implies, each one request with
// a fault program at the mocks (fail the first N tries, or delay the first),
// and the tries the mocks journaled for it.

import type { FaultProgram } from '../../model/upstream.ts';
import type { Operation } from '../../model/spec.ts';
import { generateRequest } from '../../spec/generate-request.ts';
import type { CheckContext } from '../check.ts';
import type { Sent } from '../shared/client.ts';
import { asValidConsumer } from '../shared/credentials.ts';
import type { RetryPolicy } from './policy.ts';

export interface RetryScenario {
  name: string;
  op: Operation;
  fault: FaultProgram;
  expectTries: number;
  expectClient: 'success' | 'error';
}

export interface RetrySample extends RetryScenario {
  sent: Sent;
  /** Tries the mock upstreams saw for this request. */
  seen: number;
}

/** What the policy implies (pure): each status retried to success, the tries exhausted, a method not retried, a slow try. */
export function retryScenarios(policy: RetryPolicy, retried: Operation, once: Operation | undefined): RetryScenario[] {
  const failWith = policy.on[0];
  const out: RetryScenario[] = policy.on.map((status) => ({
    name: `first ${policy.attempts} tries fail with ${status}`,
    op: retried,
    fault: { failFirst: policy.attempts, status },
    expectTries: policy.attempts + 1,
    expectClient: 'success' as const,
  }));
  out.push({ name: `all ${policy.attempts + 1} allowed tries fail with ${failWith}`, op: retried, fault: { failFirst: policy.attempts + 1, status: failWith }, expectTries: policy.attempts + 1, expectClient: 'error' });
  if (once) out.push({ name: `${once.method} (not in methods) fails once with ${failWith}`, op: once, fault: { failFirst: 1, status: failWith }, expectTries: 1, expectClient: 'error' });
  if (policy.perTryTimeoutMs) {
    const per = policy.perTryTimeoutMs;
    out.push({ name: `first try slower than perTryTimeout ${per} ms`, op: retried, fault: { delayMs: Math.min(per * 3, per + 2_000), delayFirst: 1 }, expectTries: 2, expectClient: 'success' });
  }
  return out;
}

export async function driveRetry(ctx: CheckContext, scenarios: RetryScenario[]): Promise<RetrySample[]> {
  const as = asValidConsumer(ctx.suite, ctx.spec);
  const out: RetrySample[] = [];
  for (const sc of scenarios) {
    const req = generateRequest(ctx.spec, sc.op, ctx.rng);
    const id = ctx.client.newId('retry');
    ctx.fleet.faults.set(id, sc.fault);
    const sent = await ctx.client.send(req, { id, ...as, timeoutMs: 15_000 });
    // A delayed try may still be in flight at the mock; the journal records arrivals, so it is counted.
    out.push({ ...sc, sent, seen: ctx.fleet.journal.forRequest(id).length });
  }
  return out;
}
