// timeout, the effects: two requests on one operation with a delay put on the
// upstream by the mock's fault program (every try over the bound; the first
// try well within it), sent together and timed at the client.

import type { Policies } from '../../model/policies.ts';
import type { Operation } from '../../model/spec.ts';
import { generateRequest } from '../../spec/generate-request.ts';
import type { CheckContext } from '../check.ts';
import type { Sent } from '../shared/client.ts';
import { asValidConsumer } from '../shared/credentials.ts';
import { timeoutBoundMs, type TimeoutPlan } from './judge.ts';

export interface TimeoutSample {
  scenario: string;
  slow: boolean;
  upstreamDelayMs: number;
  sent: Sent;
  elapsedMs: number;
  tries: number;
}

/** The first try's budget on this operation: a per-try timeout cuts a retried try before the request timeout. */
function firstTryBudgetMs(policies: Policies, op: Operation): number {
  const r = policies.retry;
  const per = r && r.methods.includes(op.method) ? r.perTryTimeoutMs : undefined;
  return Math.min(policies.timeout!.requestMs, per ?? Infinity);
}

/** The delays to put on the upstream (pure). */
export function timeoutPlan(policies: Policies, op: Operation): TimeoutPlan {
  const bound = timeoutBoundMs(policies, op);
  // Long enough that a proxy without the timeout answers late and plainly so, bounded so the check stays short.
  const slowMs = bound + Math.min(3_000, Math.max(1_000, bound));
  return { op, boundMs: bound, slowMs, inTimeMs: Math.round(firstTryBudgetMs(policies, op) / 2) };
}

export async function driveTimeout(ctx: CheckContext, plan: TimeoutPlan): Promise<TimeoutSample[]> {
  const as = asValidConsumer(ctx.suite, ctx.spec);
  const scenarios = [
    { name: `every try ${plan.slowMs} ms, over the ${plan.boundMs} ms timeout`, fault: { delayMs: plan.slowMs }, slow: true },
    { name: `first try ${plan.inTimeMs} ms, within the timeout`, fault: { delayMs: plan.inTimeMs, delayFirst: 1 }, slow: false },
  ];
  // Side by side: the in-time answer ends while the slow one is still held, so
  // the check takes the slow request's time (about the bound), not the bound
  // plus the in-time delay. Each request has its own id and fault program; the
  // samples keep the scenarios' order.
  return Promise.all(scenarios.map(async (sc) => {
    const id = ctx.client.newId('timeout');
    ctx.fleet.faults.set(id, sc.fault);
    const sent = await ctx.client.send(generateRequest(ctx.spec, plan.op, ctx.rng), { id, ...as, timeoutMs: plan.slowMs + 5_000 });
    return { scenario: sc.name, slow: sc.slow, upstreamDelayMs: sc.fault.delayMs, sent, elapsedMs: Math.round(sent.doneAt - sent.sentAt), tries: ctx.fleet.journal.forRequest(id).length };
  }));
}
