// rateLimit, the verdict (pure), phase by phase:
//  liveness:  no 429 for a client at 80% of the limit;
//  safety:    the burst admitted at most `limit`, the rest got 429, nothing else;
//  isolation: another consumer was admitted while the first was limited;
//  recovery:  after the quiet period the first consumer was admitted again.
//
// Failure codes:
//   rateLimit.livenessRejected  a client under the limit got 429
//   rateLimit.livenessError     a client under the limit got something other than a success or 429
//   rateLimit.overAdmitted      the burst admitted more than the limit
//   rateLimit.unexpectedStatus  a burst request got something other than a success or 429
//   rateLimit.noRejection       no 429 at all in a burst of twice the limit
//   rateLimit.notIsolated       another consumer was limited with the first (by: consumer)
//   rateLimit.notRecovered      the first consumer was still limited after the quiet period

import type { CheckOutcome, Exchange, Failure } from '../../model/result.ts';
import { failedOutcome } from '../check.ts';
import { exchangeOf, failureOf, type Sent } from '../shared/client.ts';
import { isSuccess, MAX_QUIET_MS, type RateLimitRun } from './drive.ts';

interface Tally {
  failures: Failure[];
  warnings: string[];
  data: Record<string, unknown>;
}

function fail(t: Tally, run: RateLimitRun, code: string, message: string, s: Sent | undefined): void {
  t.failures.push(failureOf(code, message, s, s && run.tries[s.id]));
}

const otherThan429 = (s: Sent) => s.status !== 429 && !isSuccess(s);

function judgeLiveness(run: RateLimitRun, t: Tally): void {
  if (!run.liveness) {
    t.warnings.push(`window ${run.policy.windowMs} ms too long to measure liveness and recovery within ${MAX_QUIET_MS} ms; only the burst was measured`);
    return;
  }
  const { sent, intervalMs } = run.liveness;
  const rejected = sent.filter((s) => s.status === 429);
  t.data.liveness = { requests: sent.length, intervalMs: Math.round(intervalMs), rejected: rejected.length };
  if (rejected.length) fail(t, run, 'rateLimit.livenessRejected', `liveness: a client at 80% of the limit (${sent.length} requests ${Math.round(intervalMs)} ms apart) got ${rejected.length} 429s`, rejected[0]);
  const other = sent.find(otherThan429);
  if (other) fail(t, run, 'rateLimit.livenessError', `liveness: unexpected ${other.status || other.error} for an admitted request`, other);
}

function judgeBurst(run: RateLimitRun, t: Tally): Sent | undefined {
  const { sent, admitted, straddled, attempt } = run.burst;
  const L = run.policy.limit;
  const first = Math.min(...sent.map((s) => s.sentAt));
  const last = Math.max(...sent.map((s) => s.doneAt));
  t.data.burst = { requests: sent.length, admitted, rejected: sent.filter((s) => s.status === 429).length, spanMs: last - first, straddled, attempt, sent: run.serialBurst ? `one after another: ${run.serialBurst}` : 'all at once' };
  t.data.straddleRemeasures = run.straddleRemeasures;
  t.data.timeline = sent.map((s) => ({ t: s.doneAt - first, status: s.status }));
  const first429 = sent.find((s) => s.status === 429);
  if (first429) t.data.headersOn429 = Object.fromEntries(Object.entries(first429.responseHeaders).filter(([k]) => /^(retry-after|ratelimit|x-ratelimit)/i.test(k)));
  if (admitted > L) fail(t, run, 'rateLimit.overAdmitted', `safety: a burst of ${sent.length} admitted ${admitted}, more than the limit of ${L} per ${run.policy.windowMs} ms`, sent.filter((s) => s.status < 300)[L]);
  const odd = sent.find(otherThan429);
  if (odd) fail(t, run, 'rateLimit.unexpectedStatus', `safety: a burst request got ${odd.status || odd.error}, expected a success or 429`, odd);
  if (admitted < L && !t.failures.length) t.warnings.push(`the burst admitted ${admitted}, fewer than the limit of ${L}`);
  if (!first429) t.failures.push({ code: 'rateLimit.noRejection', message: `safety: no 429 in a burst of ${sent.length} (admitted ${admitted})` });
  return first429;
}

function judgeAfter(run: RateLimitRun, t: Tally): void {
  const { a, b } = run.consumers;
  if (run.policy.by === 'consumer') {
    if (run.isolation && b) {
      const other = run.isolation;
      t.data.isolation = { consumer: b.name, status: other.status };
      if (!isSuccess(other)) fail(t, run, 'rateLimit.notIsolated', `isolation: consumer ${b.name} got ${other.status || other.error} while ${a?.name} was limited; limits must be per consumer`, other);
    } else t.warnings.push('isolation not measured: the suite has only one valid consumer');
  }
  if (run.recovery) {
    const again = run.recovery;
    t.data.recovery = { afterMs: run.quietMs, status: again.status };
    if (!isSuccess(again)) fail(t, run, 'rateLimit.notRecovered', `recovery: after ${run.quietMs} ms quiet, ${a?.name ?? 'the client'} still got ${again.status || again.error}`, again);
  }
}

export function judgeRateLimit(run: RateLimitRun): CheckOutcome {
  const { policy } = run;
  const t: Tally = { failures: [], warnings: [], data: { operation: run.op.id, limit: policy.limit, windowMs: policy.windowMs, by: policy.by } };
  judgeLiveness(run, t);
  const first429 = judgeBurst(run, t);
  judgeAfter(run, t);
  const exchanges: Exchange[] = t.failures.flatMap((f) => (f.exchange ? [f.exchange] : []));
  if (first429 && exchanges.length < 3) exchanges.push(exchangeOf(first429, 0, 'first 429 of the burst'));
  if (t.failures.length) return failedOutcome(`rate limit (${policy.limit} per ${policy.windowMs} ms by ${policy.by}) not enforced`, t.failures, { exchanges, data: t.data }, t.warnings);
  const { b } = run.consumers;
  return {
    status: 'passed',
    message: `burst of ${run.burst.sent.length} admitted ${run.burst.admitted} of limit ${policy.limit}${run.measureSlow ? '; 80% load never rejected; recovered after a quiet period' : ''}${policy.by === 'consumer' && b ? `; ${b.name} unaffected` : ''}`,
    evidence: { exchanges, data: t.data },
    warnings: t.warnings,
  };
}
