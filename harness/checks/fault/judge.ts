// fault, the verdict (pure):
//  - abort: a matching request gets the abort status and never reaches an
//    upstream; a percentage strictly between 0 and 100 is judged as a share
//    of the sample (Wilson interval at 1e-4, as the canary's);
//  - delay: a matching request reaches the upstream and is answered no sooner
//    than the fixed delay (and not much later); a percentage strictly between
//    0 and 100 is listed as not driven (its share would take a couple of
//    hundred delays);
//  - a request without the matching headers is served, undelayed.
//
// Failure codes:
//   fault.notAborted        a matching request was not answered by the proxy with the abort status
//   fault.abortedAtZero     a matching request was aborted though percent is 0
//   fault.abortShare        the share of aborted requests is off the percent
//   fault.delayEarly        a delayed request was answered before the delay
//   fault.delayLate         it was answered well after the delay
//   fault.heldAtZero        a request was held though the delay's percent is 0
//   fault.delayedNotServed  a delayed request did not get the upstream's success (or the abort after it)
//   fault.unmatchedBlocked  a request without the matching headers never reached the upstream
//   fault.unmatchedHeld     a request without the matching headers was held like a matching one

import type { CheckOutcome, Exchange, Failure } from '../../model/result.ts';
import { normalQuantile, wilson } from '../../stats/sequential.ts';
import { failedOutcome } from '../check.ts';
import { exchangeOf, failureOf } from '../shared/client.ts';
import { ABORT_SAMPLE, type FaultHit, type RuleRun } from './drive.ts';
import type { FaultRule } from './policy.ts';

/** Two-sided 1e-4, as the canary's default. */
const Z = normalQuantile(1 - 1e-4 / 2);

/** How early a delayed answer may come (timer granularity) and how late (scheduling, one more event loop turn). */
export const DELAY_EARLY_MS = 20;
export function delayLateMs(fixedDelayMs: number): number {
  return Math.max(1_000, Math.round(fixedDelayMs / 2));
}

export function ruleLabel(rule: FaultRule): string {
  const parts = [rule.abort ? `abort ${rule.abort.status} (${rule.abort.percent}%)` : '', rule.delay ? `delay ${rule.delay.fixedDelayMs} ms (${rule.delay.percent}%)` : ''].filter(Boolean);
  return `${parts.join(' + ')} for ${rule.upstream}${rule.headers.length ? ` when ${rule.headers.map((h) => `${h.name}=${h.exact ?? h.prefix ?? h.regex}`).join(', ')}` : ''}`;
}

type Row = Record<string, unknown>;

interface Verdicts {
  rows: Row[];
  exchanges: Exchange[];
  failures: Failure[];
}

const got = (h: FaultHit) => h.sent.status || h.sent.error;

function judgeAbort(run: RuleRun, label: string, v: Verdicts): void {
  const abort = run.rule.abort!;
  const fail = (code: string, p: string, h: FaultHit) => v.failures.push(failureOf(code, `${label}: ${p}`, h.sent, h.tries));
  if (run.abortHit) {
    const h = run.abortHit;
    const all = abort.percent >= 100;
    v.exchanges.push(exchangeOf(h.sent, h.tries, `matching request: ${all ? 'expect the proxy to answer' : 'expect no abort'}`));
    const aborted = h.sent.status === abort.status && h.tries === 0;
    if (all && !aborted) fail('fault.notAborted', `a matching request got ${got(h)} and reached the upstream ${h.tries} time(s); expected ${abort.status} from the proxy, 0 tries upstream`, h);
    if (!all && h.tries === 0) fail('fault.abortedAtZero', `a matching request was aborted with ${h.sent.status}; percent is 0`, h);
    v.rows.push({ rule: label, fault: 'abort', operation: run.op!.id, status: h.sent.status, upstreamTries: h.tries, elapsedMs: h.elapsedMs });
    return;
  }
  const sample = run.abortSample!;
  const aborted = sample.filter((h) => h.sent.status === abort.status && h.tries === 0).length;
  const [lo, hi] = wilson(aborted, sample.length, Z);
  const want = abort.percent / 100;
  v.rows.push({ rule: label, fault: 'abort', operation: run.op!.id, aborted, of: ABORT_SAMPLE, interval: [lo, hi] });
  if (want < lo || want > hi) fail('fault.abortShare', `${aborted} of ${sample.length} matching requests aborted; ${abort.percent}% lies outside [${(lo * 100).toFixed(1)}%, ${(hi * 100).toFixed(1)}%]`, sample[sample.length - 1]);
}

function judgeDelay(run: RuleRun, label: string, v: Verdicts): void {
  const delay = run.rule.delay!;
  const h = run.delayHit;
  if (!h) {
    v.rows.push({ rule: label, fault: 'delay', skipped: `a delay on ${delay.percent}% of requests is not driven: its share would take about ${ABORT_SAMPLE} delays of ${delay.fixedDelayMs} ms` });
    return;
  }
  const abort = run.rule.abort;
  const abortAll = abort !== undefined && abort.percent >= 100;
  const all = delay.percent >= 100;
  const fixed = delay.fixedDelayMs;
  // With an abort on every request too, the proxy holds the request and then answers it itself.
  const servedOk = abortAll ? h.sent.status === abort.status && h.tries === 0 : h.sent.status >= 200 && h.sent.status < 300 && h.tries >= 1;
  v.exchanges.push(exchangeOf(h.sent, h.tries, `matching request: expect ${all ? `the answer after ${fixed} ms` : 'no delay'} (${h.elapsedMs} ms)`));
  const fail = (code: string, p: string) => v.failures.push(failureOf(code, `${label}: ${p}`, h.sent, h.tries));
  if (all && h.elapsedMs < fixed - DELAY_EARLY_MS) fail('fault.delayEarly', `a matching request was answered after ${h.elapsedMs} ms, before the ${fixed} ms delay`);
  else if (all && h.elapsedMs > fixed + delayLateMs(fixed)) fail('fault.delayLate', `a matching request was answered only after ${h.elapsedMs} ms, over the ${fixed} ms delay + ${delayLateMs(fixed)} ms`);
  else if (!all && h.elapsedMs >= fixed - DELAY_EARLY_MS) fail('fault.heldAtZero', `a matching request took ${h.elapsedMs} ms; percent is 0, so it must not be held ${fixed} ms`);
  else if (!servedOk) fail('fault.delayedNotServed', `a delayed request got ${got(h)} and reached the upstream ${h.tries} time(s); expected ${abortAll ? `${abort.status} from the proxy` : "the upstream's success"}`);
  v.rows.push({ rule: label, fault: 'delay', operation: run.op!.id, status: h.sent.status, upstreamTries: h.tries, elapsedMs: h.elapsedMs, fixedDelayMs: fixed });
}

function judgeMiss(run: RuleRun, label: string, v: Verdicts): void {
  const m = run.miss!;
  const delay = run.rule.delay;
  v.exchanges.push(exchangeOf(m.sent, m.tries, `request without the matching headers: expect it served${delay ? ' without the delay' : ''} (${m.elapsedMs} ms)`));
  const fail = (code: string, p: string) => v.failures.push(failureOf(code, `${label}: ${p}`, m.sent, m.tries));
  if (m.tries === 0) fail('fault.unmatchedBlocked', `a request without the matching headers got ${got(m)} and never reached the upstream`);
  else if (delay && delay.percent > 0 && m.elapsedMs >= delay.fixedDelayMs / 2) fail('fault.unmatchedHeld', `a request without the matching headers took ${m.elapsedMs} ms: it was held like a matching one (delay ${delay.fixedDelayMs} ms)`);
  v.rows.push({ rule: `${label} (not matching)`, operation: run.op!.id, status: m.sent.status, upstreamTries: m.tries, elapsedMs: m.elapsedMs });
}

export function judgeFault(runs: RuleRun[]): CheckOutcome {
  const v: Verdicts = { rows: [], exchanges: [], failures: [] };
  for (const run of runs) {
    const label = ruleLabel(run.rule);
    if (run.skipped) {
      v.rows.push({ rule: label, skipped: run.skipped });
      continue;
    }
    if (run.rule.abort) judgeAbort(run, label, v);
    if (run.rule.delay) judgeDelay(run, label, v);
    if (run.miss) judgeMiss(run, label, v);
  }
  const { rows, exchanges, failures } = v;
  if (failures.length) return failedOutcome('fault injection not enforced', failures, { exchanges, data: { rules: rows } });
  const said = (r: Row) => `${String(r.rule)}: ${String(r.skipped)}`;
  if (!rows.some((r) => !r.skipped)) return { status: 'skipped', message: `no fault rule could be exercised: ${rows.map(said).join('; ')}`, evidence: { data: { rules: rows } } };
  const rules = runs.map((r) => r.rule);
  const notDriven = rows.filter((r) => r.skipped).map(said);
  return {
    status: 'passed',
    message: `${rules.length} fault rule(s): ${rules.some((r) => r.abort) ? 'aborted requests answered by the proxy, never reaching the upstream; ' : ''}${rules.some((r) => r.delay) ? 'delayed requests held for their delay; ' : ''}others served${notDriven.length ? ` (not driven: ${notDriven.join('; ')})` : ''}`,
    evidence: { exchanges, data: { rules: rows } },
  };
}
