// rateLimit, the verdict (pure), phase by phase:
//  liveness:  no 429 for a client at 80% of the limit;
//  safety:    the burst admitted at most `limit`, the rest got 429, nothing else;
//  isolation: another consumer (or client address) was admitted right after
//             the first was limited;
//  recovery:  after the quiet period the first was admitted again.
// The evidence lists which properties were measured and why any was not.
//
// Failure codes:
//   rateLimit.livenessRejected  a client under the limit got 429
//   rateLimit.livenessError     a client under the limit got something other than a success or 429
//   rateLimit.overAdmitted      the burst admitted more than the limit
//   rateLimit.unexpectedStatus  a burst request got something other than a success or 429
//   rateLimit.noRejection       no 429 at all in a burst of twice the limit
//   rateLimit.notIsolated       another consumer (by: consumer) or address (by: ip) was limited with the first
//   rateLimit.notRecovered      the first consumer was still limited after the quiet period

import type { CheckOutcome, Exchange, Failure } from '../../model/result.ts';
import { failedOutcome } from '../check.ts';
import { exchangeOf, failureOf, type Sent } from '../shared/client.ts';
import { isSuccess, type RateLimitRun } from './drive.ts';
import type { Property } from './plan.ts';

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
  if (!run.liveness) return;
  const { intervalMs, who } = run.liveness;
  // The isolation request opens the liveness run; it is judged as isolation.
  const sent = run.liveness.sent.filter((s) => s !== run.isolation?.sent);
  const rejected = sent.filter((s) => s.status === 429);
  t.data.liveness = { who, requests: run.liveness.sent.length, intervalMs: Math.round(intervalMs), rejected: rejected.length };
  if (rejected.length) fail(t, run, 'rateLimit.livenessRejected', `liveness: ${who} at 80% of the limit (${run.liveness.sent.length} requests ${Math.round(intervalMs)} ms apart) got ${rejected.length} 429s`, rejected[0]);
  const other = sent.find(otherThan429);
  if (other) fail(t, run, 'rateLimit.livenessError', `liveness: unexpected ${other.status || other.error} for an admitted request`, other);
}

/**
 * How many requests the limit lets through again while a burst lasts: a
 * leaky bucket (nginx limit_req: excess drains at the rate,
 * ngx_http_limit_req_module.c ngx_http_limit_req_lookup) or a token bucket
 * (Envoy local_ratelimit) admits one more every W/L ms, so a burst spread over
 * `spanMs` may see floor(L * spanMs / W) more than L without anything wrong.
 * Zero for a burst that lands within one such interval (the example suite's).
 */
export function drainedDuring(policy: { limit: number; windowMs: number }, spanMs: number): number {
  return Math.floor((policy.limit * spanMs) / policy.windowMs);
}

function judgeBurst(run: RateLimitRun, t: Tally): Sent | undefined {
  const { sent, admitted, straddled, attempt } = run.burst;
  const L = run.policy.limit;
  const first = Math.min(...sent.map((s) => s.sentAt));
  const last = Math.max(...sent.map((s) => s.doneAt));
  t.data.burst = { who: run.burst.who, requests: sent.length, admitted, rejected: sent.filter((s) => s.status === 429).length, spanMs: last - first, straddled, attempt, sent: run.serialBurst ? `one after another: ${run.serialBurst}` : 'all at once' };
  t.data.straddleRemeasures = run.straddleRemeasures;
  t.data.timeline = sent.map((s) => ({ t: s.doneAt - first, status: s.status }));
  const first429 = sent.find((s) => s.status === 429);
  if (first429) t.data.headersOn429 = Object.fromEntries(Object.entries(first429.responseHeaders).filter(([k]) => /^(retry-after|ratelimit|x-ratelimit)/i.test(k)));
  const drained = drainedDuring(run.policy, last - first);
  if (drained) t.data.drainedDuringBurst = drained;
  if (admitted > L + drained) fail(t, run, 'rateLimit.overAdmitted', `safety: a burst of ${sent.length} admitted ${admitted}, more than the limit of ${L} per ${run.policy.windowMs} ms${drained ? ` (+${drained} the limit renews in the ${last - first} ms the burst took)` : ''}`, sent.filter((s) => s.status < 300)[L + drained]);
  const odd = sent.find(otherThan429);
  if (odd) fail(t, run, 'rateLimit.unexpectedStatus', `safety: a burst request got ${odd.status || odd.error}, expected a success or 429`, odd);
  if (admitted < L && !t.failures.length) t.warnings.push(`the burst admitted ${admitted}, fewer than the limit of ${L}`);
  if (!first429) t.failures.push({ code: 'rateLimit.noRejection', message: `safety: no 429 in a burst of ${sent.length} (admitted ${admitted})` });
  return first429;
}

function judgeAfter(run: RateLimitRun, t: Tally): void {
  const a = run.burst.who;
  if (run.isolation) {
    const { sent: other, who, afterBurstMs } = run.isolation;
    t.data.isolation = { who, status: other.status, afterBurstMs };
    if (!isSuccess(other)) fail(t, run, 'rateLimit.notIsolated', `isolation: ${who} got ${other.status || other.error} ${afterBurstMs} ms after ${a}'s burst was limited; limits must be per ${run.policy.by === 'ip' ? 'client address' : 'consumer'}`, other);
  }
  if (run.recovery) {
    const again = run.recovery;
    t.data.recovery = { afterMs: run.quietMs, status: again.status };
    if (!isSuccess(again)) fail(t, run, 'rateLimit.notRecovered', `recovery: after ${run.quietMs} ms quiet, ${a} still got ${again.status || again.error}`, again);
  }
}

/** Which properties were measured and which were not, with why; a warning for each one left out. */
function judgeCoverage(run: RateLimitRun, t: Tally): void {
  const measured: Property[] = ['safety'];
  if (run.liveness) measured.push('liveness');
  if (run.isolation) measured.push('isolation');
  if (run.recovery) measured.push('recovery');
  t.data.measured = measured;
  t.data.unmeasured = run.plan.unmeasured;
  if (run.waitedMs) t.data.waitedForQuietMs = run.waitedMs;
  for (const u of run.plan.unmeasured) t.warnings.push(`${u.property} not measured: ${u.why}`);
}

export function judgeRateLimit(run: RateLimitRun): CheckOutcome {
  const { policy } = run;
  const t: Tally = { failures: [], warnings: [], data: { operation: run.op.id, limit: policy.limit, windowMs: policy.windowMs, by: policy.by } };
  judgeCoverage(run, t);
  judgeLiveness(run, t);
  const first429 = judgeBurst(run, t);
  judgeAfter(run, t);
  const exchanges: Exchange[] = t.failures.flatMap((f) => (f.exchange ? [f.exchange] : []));
  if (first429 && exchanges.length < 3) exchanges.push(exchangeOf(first429, 0, 'first 429 of the burst'));
  if (t.failures.length) return failedOutcome(`rate limit (${policy.limit} per ${policy.windowMs} ms by ${policy.by}) not enforced`, t.failures, { exchanges, data: t.data }, t.warnings);
  const left = run.plan.unmeasured.map((u) => u.property);
  return {
    status: 'passed',
    message: `burst of ${run.burst.sent.length} admitted ${run.burst.admitted} of limit ${policy.limit}${run.liveness ? '; 80% load never rejected' : ''}${run.recovery ? '; recovered after a quiet period' : ''}${run.isolation ? `; ${run.isolation.who} unaffected` : ''}${left.length ? `; not measured: ${left.join(', ')}` : ''}`,
    evidence: { exchanges, data: t.data },
    warnings: t.warnings,
  };
}
