// routing, the verdict (pure). Every request of a case must land where the
// model says: on one of the expected route's versions of its upstream, or
// nowhere (404, nothing at an upstream) when no route takes it. Requests a
// fault aborted or the rate limit refused on purpose are set aside. A split
// route's shares are judged by the sequential test: a correct config fails
// with probability at most the route's alpha, so the check's false-alarm rate
// is at most the sum of its split routes' alphas (Bonferroni). A near miss
// whose route splits over the versions of the route it missed is judged by
// its landings all being on those versions (probability share^n <= alpha on a
// correct config, alphas added the same way); every other case is deterministic.
//
// Failure codes:
//   routing.wrongDestination  a request landed on another upstream or version than its route's
//   routing.notRouted         a request a route must take reached no upstream (status, no try);
//                             a 404 is accepted for a request for no operation of the spec
//   routing.unexpectedRoute   a request no route takes reached an upstream (or was not answered 404)
//   routing.shareOff          a split route's share is outside its weight ± tolerance
//   routing.unmeasurable      a split route's request failed or went to another upstream

import type { CheckOutcome, Failure } from '../../model/result.ts';
import { SERVED_BY_HEADER } from '../../model/upstream.ts';
import { shareTestFacts } from '../../stats/sequential.ts';
import { failedOutcome } from '../check.ts';
import { failureOf } from '../shared/client.ts';
import type { Landing, RoutingCase, RoutingRun, SplitRun } from './drive.ts';

const pct = (x: number) => (x * 100).toFixed(1);
const round = (x: number) => Math.round(x * 10_000) / 10_000;

function where(l: Landing): string {
  return l.tries ? `${l.upstream} ${l.version}` : `nothing (${l.sent.status || l.sent.error})`;
}

/** An overlapping near miss whose every landing is on the missed route's versions. */
function overlapFailure(c: RoutingCase, label: string): Failure | undefined {
  const o = c.overlap!;
  const landed = c.landings.filter((l) => !l.excused);
  if (!landed.length || !landed.every((l) => l.tries > 0 && o.versions.includes(l.version!))) return undefined;
  const p = o.share ** landed.length;
  const last = landed[landed.length - 1];
  return failureOf('routing.wrongDestination', `${label}: all ${landed.length} requests reached ${o.versions.join('|')}, the versions of route ${c.route}; where it must go they get ${pct(o.share)}%, so a correct config does this with probability ${p.toExponential(1)} (alpha ${o.alpha})`, last.sent, last.tries);
}

/** The first landing of a case that is wrong, as a failure. */
function caseFailure(c: RoutingCase): Failure | undefined {
  const label = `${c.route}: ${c.what}`;
  const overlap = c.overlap && overlapFailure(c, label);
  if (overlap) return overlap;
  for (const l of c.landings) {
    if (l.excused) continue;
    if (c.expect.kind === 'none') {
      if (l.tries > 0) return failureOf('routing.unexpectedRoute', `${label}: no route takes it, but it reached ${where(l)}`, l.sent, l.tries);
      if (l.sent.status !== 404) return failureOf('routing.unexpectedRoute', `${label}: no route takes it; expected 404, got ${l.sent.status || l.sent.error}`, l.sent, l.tries);
      continue;
    }
    const { upstream, versions, route } = c.expect;
    const want = `${upstream} ${versions.join('|')}${route && route !== c.route ? ` (route ${route})` : ''}`;
    if (l.tries === 0 && c.expect.orNotFound && l.sent.status === 404) continue;
    if (l.tries === 0) return failureOf('routing.notRouted', `${label}: expected ${want}, got ${where(l)}`, l.sent, l.tries);
    if (l.upstream !== upstream || !versions.includes(l.version!)) return failureOf('routing.wrongDestination', `${label}: expected ${want}, reached ${where(l)}`, l.sent, l.tries);
  }
  return undefined;
}

function splitFailure(s: SplitRun): Failure | undefined {
  if (s.bad) {
    const { sent, tries, after } = s.bad;
    return failureOf('routing.unmeasurable', `${s.route}: ${s.op} answered ${sent.status || sent.error}${tries ? ` from ${sent.responseHeaders[SERVED_BY_HEADER] ?? 'an upstream'}` : ''} after ${after} requests of the split`, sent, tries);
  }
  const l = s.look!;
  if (l.decision !== 'fail') return undefined;
  const tol = s.test.tolerance;
  const off = l.bands.find((b) => b.high < b.expected - tol || b.low > b.expected + tol)!;
  return { code: 'routing.shareOff', message: `${s.route}: ${off.version} got ${pct(off.observed)}% (interval ${pct(off.low)}–${pct(off.high)}%), expected ${pct(off.expected)}% ± ${tol * 100}% after ${l.n} requests` };
}

/** What the split's sequential test promises (stats/sequential.ts), stated beside its verdict. */
function splitFacts(s: SplitRun) {
  const f = shareTestFacts(s.test);
  return { method: f.method, falseAlarm: f.falseAlarm, falsePass: f.falsePass, power: { ...f.power, share: round(f.power.share), meanRequests: Math.round(f.power.meanRequests) } };
}

function splitData(s: SplitRun) {
  return {
    route: s.route,
    operation: s.op,
    requests: s.look?.n ?? 0,
    looks: s.trail,
    bands: (s.look?.bands ?? []).map((b) => ({ version: b.version, expected: round(b.expected), observed: round(b.observed), count: b.count, interval: [round(b.low), round(b.high)], equivalence: [round(b.passLow), round(b.passHigh)] })),
    conclusive: s.look?.conclusive ?? false,
    test: splitFacts(s),
  };
}

export function judgeRouting(run: RoutingRun): CheckOutcome {
  const counted = run.cases.reduce((n, c) => n + c.landings.filter((l) => !l.excused).length, 0);
  const splitRequests = run.splits.reduce((n, s) => n + (s.look?.n ?? s.bad?.after ?? 0), 0);
  const overlaps = run.cases.filter((c) => c.overlap);
  const alpha = run.splits.reduce((a, s) => a + s.test.alpha, 0) + overlaps.reduce((a, c) => a + c.overlap!.alpha, 0);
  const method = `every request of a case lands where the first matching route sends it; split routes by their sequential share test, near misses into a split that shares versions with the missed route by all-n-landings (false-alarm rate <= ${alpha} over ${run.splits.length} split(s) and ${overlaps.length} overlapping near miss(es), Bonferroni)`;
  const data = {
    method,
    /** Every request the check sent: its cases' and its splits'. */
    requests: counted + splitRequests,
    cases: run.cases.map((c) => ({ route: c.route, kind: c.kind, what: c.what, expect: c.expect, requests: c.landings.length, excused: c.landings.filter((l) => l.excused).length, landed: [...new Set(c.landings.map(where))] })),
    splits: run.splits.map(splitData),
    skipped: run.skipped,
  };
  const failures = [...run.splits.map(splitFailure), ...run.cases.map(caseFailure)].filter((f): f is Failure => f !== undefined);
  if (failures.length) return failedOutcome('routes not honoured', failures, { data });
  const routes = new Set(run.cases.map((c) => c.route)).size;
  const kinds = (k: RoutingCase['kind']) => run.cases.filter((c) => c.kind === k).length;
  const warnings = run.splits.filter((s) => s.look && s.look.decision === 'pass' && !s.look.conclusive).map((s) => `${s.route}: split inconclusive at ${s.look!.n} requests: no significant deviation, but the interval does not yet fit the tolerance band`);
  const message = `${routes} route(s): ${kinds('takes')} matching, ${kinds('nearMiss')} near-miss and ${kinds('order')} first-match case(s) landed right (${counted} requests)${run.splits.length ? `; ${run.splits.length} split(s) within tolerance (${splitRequests} requests)` : ''}`;
  return { status: 'passed', message, evidence: { data }, ...(warnings.length ? { warnings } : {}) };
}
