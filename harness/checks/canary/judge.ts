// canary, the verdict (pure), from the sequential test's last look: fail when
// a version's interval lies outside weight ± tolerance (a correct config fails
// with probability at most alpha), pass otherwise; a pass whose intervals do
// not yet fit the band is marked inconclusive.
//
// Failure codes:
//   canary.weightsOff   a version's share is outside its weight ± tolerance
//   canary.unmeasurable a request failed or was served by another upstream, so shares cannot be counted

import type { CheckOutcome } from '../../model/result.ts';
import { failedOutcome } from '../check.ts';
import { failureOf } from '../shared/client.ts';
import type { CanaryRun } from './drive.ts';
import type { CanaryPolicy } from './policy.ts';

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const pct = (x: number) => (x * 100).toFixed(1);

export function judgeCanary(run: CanaryRun, policy: CanaryPolicy): CheckOutcome {
  if (run.bad) {
    const { sent, tries, after } = run.bad;
    const f = failureOf('canary.unmeasurable', `${run.op.id} answered ${sent.status || sent.error} after ${after} requests`, sent, tries);
    return { status: 'failed', message: `canary (${policy.upstream}) could not be measured: ${f.message}`, failures: [f], evidence: { exchanges: [f.exchange!], curl: f.curl, data: { counts: run.counts } } };
  }
  const l = run.look!;
  const method = `group-sequential Wilson intervals, alpha=${policy.alpha} split over ${run.test.looks.length} looks and the versions (Bonferroni)`;
  const bands = l.bands.map((b) => ({ version: b.version, expected: round(b.expected), observed: round(b.observed), count: b.count, interval: [round(b.low), round(b.high)] }));
  const data = { operation: run.op.id, requests: l.n, looks: run.trail, method, tolerance: policy.tolerance, z: round(l.z), bands };
  const tol = policy.tolerance;
  if (l.decision === 'fail') {
    const off = l.bands.find((b) => b.high < b.expected - tol || b.low > b.expected + tol)!;
    const message = `${off.version} got ${pct(off.observed)}% (interval ${pct(off.low)}–${pct(off.high)}%), expected ${pct(off.expected)}% ± ${tol * 100}% after ${l.n} requests`;
    return failedOutcome(`canary weights for ${policy.upstream} not honoured`, [{ code: 'canary.weightsOff', message }], { data });
  }
  const allInside = l.bands.every((b) => b.low >= b.expected - tol && b.high <= b.expected + tol);
  const shares = bands.map((b) => `${b.version} ${pct(b.observed)}% (expected ${pct(b.expected)}%)`).join(', ');
  return {
    status: 'passed',
    message: `${shares} after ${l.n} requests`,
    evidence: { data },
    warnings: allInside ? [] : [`inconclusive at ${l.n} requests: no significant deviation, but the interval does not yet fit the tolerance band`],
  };
}
