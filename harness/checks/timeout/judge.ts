// timeout, the verdict (pure): with every try slower than the bound the
// client gets a timeout status within the bound plus a little, and not much
// before it (a proxy that cuts at 500 ms when 2 s was meant fails good
// requests); a try that takes half the budget gets its success.
//
// Failure codes:
//   timeout.wrongStatus   a slow upstream's request did not end with a timeout status
//   timeout.late          it ended with one, but past the bound plus the slack
//   timeout.early         it ended well before the bound
//   timeout.inTimeFailed  a request answered in time did not get its success

import type { Policies } from '../../model/policies.ts';
import type { CheckOutcome, Failure } from '../../model/result.ts';
import type { Operation } from '../../model/spec.ts';
import { failedOutcome } from '../check.ts';
import { exchangeOf, failureOf } from '../shared/client.ts';
import type { TimeoutSample } from './drive.ts';
import type { TimeoutPolicy } from './policy.ts';

export interface TimeoutPlan {
  op: Operation;
  boundMs: number;
  slowMs: number;
  inTimeMs: number;
}

/** How late past the bound an answer may come: timers, scheduling, one event loop turn on each side. */
export function timeoutSlackMs(boundMs: number): number {
  return Math.max(300, Math.round(boundMs * 0.2));
}

/** The longest a client can wait on this operation under the policies. */
export function timeoutBoundMs(policies: Policies, op: Operation): number {
  const t = policies.timeout!;
  const r = policies.retry;
  if (r && r.methods.includes(op.method) && r.perTryTimeoutMs !== undefined) return Math.min(t.requestMs, (r.attempts + 1) * r.perTryTimeoutMs);
  return t.requestMs;
}

function failureOfSample(s: TimeoutSample, policy: TimeoutPolicy, bound: number): Failure | undefined {
  const slack = timeoutSlackMs(bound);
  const { sent, elapsedMs: elapsed } = s;
  const got = sent.status || sent.error || 'no response';
  const set = `(timeout.request=${policy.requestMs} ms)`;
  const fail = (code: string, message: string) => failureOf(code, `${s.scenario}: ${message}`, sent, s.tries);
  if (!s.slow) return sent.status >= 200 && sent.status < 300 ? undefined : fail('timeout.inTimeFailed', `the client got ${got} after ${elapsed} ms, expected the upstream's success ${set}`);
  if (!policy.status.includes(sent.status)) return fail('timeout.wrongStatus', `the client got ${got} after ${elapsed} ms, expected ${policy.status.join(' or ')} within ${bound + slack} ms ${set}`);
  if (elapsed > bound + slack) return fail('timeout.late', `the client got ${sent.status} only after ${elapsed} ms, later than the ${bound} ms timeout + ${slack} ms ${set}`);
  if (elapsed < Math.round(bound * 0.8)) return fail('timeout.early', `the proxy gave up after ${elapsed} ms, well before the ${bound} ms timeout ${set}: requests that answer in time are cut`);
  return undefined;
}

export function judgeTimeout(samples: TimeoutSample[], plan: TimeoutPlan, policy: TimeoutPolicy): CheckOutcome {
  const bound = plan.boundMs;
  const failures: Failure[] = [];
  const exchanges = samples.map((s) => {
    const f = failureOfSample(s, policy, bound);
    if (f) failures.push(f);
    return f?.exchange ?? exchangeOf(s.sent, s.tries, `${s.scenario}: ${s.sent.status} after ${s.elapsedMs} ms`);
  });
  const rows = samples.map((s) => ({ scenario: s.scenario, operation: plan.op.id, upstreamDelayMs: s.upstreamDelayMs, elapsedMs: s.elapsedMs, clientStatus: s.sent.status, tries: s.tries }));
  const data = { requestMs: policy.requestMs, status: policy.status, boundMs: bound, slackMs: timeoutSlackMs(bound), scenarios: rows };
  if (failures.length) return failedOutcome(`timeout policy (request ${policy.requestMs} ms) not enforced`, failures, { exchanges, data });
  return {
    status: 'passed',
    message: `${plan.op.id}: a slow upstream ended with ${rows[0].clientStatus} after ${rows[0].elapsedMs} ms (timeout ${bound} ms); ${rows[1].elapsedMs} ms in time got ${rows[1].clientStatus}`,
    evidence: { exchanges, data },
  };
}
