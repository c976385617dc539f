// timeout: the proxy stops waiting for a slow upstream when the request
// timeout says so, and lets a slow-but-in-time answer through. Timed at the
// client, with the delay put on the upstream by the mock's fault program:
//  1. every try is slower than the timeout: the client gets one of the
//     timeout statuses (504) within the timeout plus a little, not the
//     upstream's late answer, and not much earlier than the timeout either
//     (a proxy that cuts at 500 ms when 2 s was meant fails good requests);
//  2. the first try takes half the timeout: the client gets the success.
// The operation is one the retry policy does not retry where there is one, so
// per-try timeouts do not blur the bound; on a retried one the bound is the
// smaller of the timeout and all tries at their per-try timeout.

import type { Check, CheckContext } from './check.ts';
import { authSchemeOf, validConsumers } from './credentials.ts';
import { curlOf, exchangeOf, type Sent } from './client.ts';
import { generateRequest } from '../spec/generate-request.ts';
import { hasSuccessResponse, inRateLimitScope, preferUnlimited, upstreamOf } from './select.ts';
import type { Exchange } from '../model/result.ts';
import type { Operation } from '../model/spec.ts';
import type { Policies } from '../model/suite.ts';

/** How late past the bound an answer may come: timers, scheduling, one event loop turn on each side. */
export function timeoutSlackMs(boundMs: number): number {
  return Math.max(300, Math.round(boundMs * 0.2));
}

/** The longest a client can wait on this operation under the policies (pure; exported for tests). */
export function timeoutBoundMs(policies: Policies, op: Operation): number {
  const t = policies.timeout!;
  const r = policies.retry;
  if (r && r.methods.includes(op.method) && r.perTryTimeoutMs !== undefined) return Math.min(t.requestMs, (r.attempts + 1) * r.perTryTimeoutMs);
  return t.requestMs;
}

/** The first try's budget on this operation: a per-try timeout cuts a retried try before the request timeout. */
function firstTryBudgetMs(policies: Policies, op: Operation): number {
  const r = policies.retry;
  const per = r && r.methods.includes(op.method) ? r.perTryTimeoutMs : undefined;
  return Math.min(policies.timeout!.requestMs, per ?? Infinity);
}

export const timeoutCheck: Check = {
  name: 'timeout',
  description: 'A request to a slow upstream ends with the timeout status when the timeout says, not later and not much earlier.',
  policy: 'timeout',
  features() {
    return ['timeout.request'];
  },
  async run(ctx: CheckContext) {
    const policy = ctx.policies.timeout!;
    const retry = ctx.policies.retry;
    const all = preferUnlimited(ctx.policies, ctx.operations).filter(hasSuccessResponse);
    // An imported timeout names its upstream: drive one of its operations.
    const own = policy.upstream ? all.filter((o) => upstreamOf(ctx.suite, o) === policy.upstream) : all;
    const candidates = own.length ? own : all;
    const notRetried = (op: Operation) => !retry || !retry.methods.includes(op.method);
    const op = candidates.find((o) => notRetried(o) && !inRateLimitScope(ctx.policies, o))
      ?? candidates.find((o) => !inRateLimitScope(ctx.policies, o))
      ?? candidates[0];
    if (!op) return { status: 'skipped', message: 'no operation with a success response to send through the proxy', evidence: {} };
    const scheme = authSchemeOf(ctx.suite, ctx.spec)?.scheme;
    const consumer = validConsumers(ctx.suite)[0];
    const bound = timeoutBoundMs(ctx.policies, op);
    const slack = timeoutSlackMs(bound);
    const early = Math.round(bound * 0.8);
    // Long enough that a proxy without the timeout answers late and plainly so, bounded so the check stays short.
    const slowMs = bound + Math.min(3_000, Math.max(1_000, bound));
    const inTimeMs = Math.round(firstTryBudgetMs(ctx.policies, op) / 2);

    const scenarios = [
      { name: `every try ${slowMs} ms, over the ${bound} ms timeout`, fault: { delayMs: slowMs }, slow: true },
      { name: `first try ${inTimeMs} ms, within the timeout`, fault: { delayMs: inTimeMs, delayFirst: 1 }, slow: false },
    ];
    const exchanges: Exchange[] = [];
    const rows: { scenario: string; operation: string; upstreamDelayMs: number; elapsedMs: number; clientStatus: number; tries: number }[] = [];
    const problems: string[] = [];
    let failed: Sent | undefined;
    for (const sc of scenarios) {
      const req = generateRequest(ctx.spec, op, ctx.rng);
      const id = ctx.client.newId('timeout');
      ctx.fleet.faults.set(id, sc.fault);
      const sent = await ctx.client.send(req, { id, consumer, scheme, timeoutMs: slowMs + 5_000 });
      const elapsed = Math.round(sent.doneAt - sent.sentAt);
      const tries = ctx.fleet.journal.forRequest(id).length;
      rows.push({ scenario: sc.name, operation: op.id, upstreamDelayMs: sc.fault.delayMs, elapsedMs: elapsed, clientStatus: sent.status, tries });
      const got = sent.status || sent.error || 'no response';
      let problem: string | undefined;
      if (sc.slow) {
        if (!policy.status.includes(sent.status)) {
          problem = `${sc.name}: the client got ${got} after ${elapsed} ms, expected ${policy.status.join(' or ')} within ${bound + slack} ms (timeout.request=${policy.requestMs} ms)`;
        } else if (elapsed > bound + slack) {
          problem = `${sc.name}: the client got ${sent.status} only after ${elapsed} ms, later than the ${bound} ms timeout + ${slack} ms (timeout.request=${policy.requestMs} ms)`;
        } else if (elapsed < early) {
          problem = `${sc.name}: the proxy gave up after ${elapsed} ms, well before the ${bound} ms timeout (timeout.request=${policy.requestMs} ms): requests that answer in time are cut`;
        }
      } else if (sent.status < 200 || sent.status >= 300) {
        problem = `${sc.name}: the client got ${got} after ${elapsed} ms, expected the upstream's success (timeout.request=${policy.requestMs} ms)`;
      }
      if (problem) {
        problems.push(problem);
        failed ??= sent;
      }
      exchanges.push(exchangeOf(sent, tries, problem ?? `${sc.name}: ${sent.status} after ${elapsed} ms`));
    }
    const data = { requestMs: policy.requestMs, status: policy.status, boundMs: bound, slackMs: slack, scenarios: rows };
    if (problems.length) {
      return {
        status: 'failed',
        message: `timeout policy (request ${policy.requestMs} ms) not enforced: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`,
        evidence: { exchanges, curl: failed ? curlOf(failed) : undefined, data: { ...data, problems } },
      };
    }
    return {
      status: 'passed',
      message: `${op.id}: a slow upstream ended with ${rows[0].clientStatus} after ${rows[0].elapsedMs} ms (timeout ${bound} ms); ${rows[1].elapsedMs} ms in time got ${rows[1].clientStatus}`,
      evidence: { exchanges, data },
    };
  },
};
