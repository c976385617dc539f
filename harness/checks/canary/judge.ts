// canary, the verdict (pure), from the sequential test's last look
// (stats/sequential.ts): fail when a version's interval lies outside weight ±
// tolerance (a correct config fails with probability at most alpha), pass
// when every equivalence interval lies inside (a share at or past the edge
// passes so with probability at most alpha); a pass at maxRequests without
// that is marked inconclusive. The evidence states the method, both rates and
// the power against a split 2x tolerance off, computed on the test's own
// boundaries.
//
// Failure codes:
//   canary.weightsOff   a version's share is outside its weight ± tolerance
//   canary.unmeasurable a request failed or was served by another upstream, so shares cannot be counted

import type { CheckOutcome } from '../../model/result.ts';
import { shareTestFacts } from '../../stats/sequential.ts';
import { failedOutcome } from '../check.ts';
import { failureOf } from '../shared/client.ts';
import type { CanaryRun } from './drive.ts';
import type { CanaryPolicy } from './policy.ts';

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const pct = (x: number) => (x * 100).toFixed(1);
/** A chance near 1 in a form that does not round to 100%: 1 - 4e-8 reads "1 - 4e-8". */
const powerText = (p: number) => (p > 0.999 ? `1 - ${(1 - p).toExponential(0)}` : p.toFixed(4));

export function judgeCanary(run: CanaryRun, policy: CanaryPolicy): CheckOutcome {
  if (run.bad) {
    const { sent, tries, after } = run.bad;
    const f = failureOf('canary.unmeasurable', `${run.op.id} answered ${sent.status || sent.error} after ${after} requests`, sent, tries);
    return { status: 'failed', message: `canary (${policy.upstream}) could not be measured: ${f.message}`, failures: [f], evidence: { exchanges: [f.exchange!], curl: f.curl, data: { counts: run.counts } } };
  }
  const l = run.look!;
  const facts = shareTestFacts(run.test);
  const method = `${facts.method}; a correct split fails with probability <= ${policy.alpha}; a share at or past its band's edge passes (conclusively) with probability <= ${policy.alpha}; power against a share 2x tolerance off (${facts.power.version} at ${pct(facts.power.share)}%): ${powerText(facts.power.chance)}, mean ${Math.round(facts.power.meanRequests)} requests`;
  const bands = l.bands.map((b) => ({ version: b.version, expected: round(b.expected), observed: round(b.observed), count: b.count, interval: [round(b.low), round(b.high)], equivalence: [round(b.passLow), round(b.passHigh)] }));
  const stated = { alpha: policy.alpha, falseAlarm: facts.falseAlarm, falsePass: facts.falsePass, power: { ...facts.power, share: round(facts.power.share), meanRequests: Math.round(facts.power.meanRequests) }, meanAtWeights: Math.round(facts.meanAtWeights), firstDecisive: facts.firstDecisive };
  const data = { operation: run.op.id, requests: l.n, looks: run.trail, method, ...stated, tolerance: policy.tolerance, z: round(l.z), bands };
  const tol = policy.tolerance;
  if (l.decision === 'fail') {
    const off = l.bands.find((b) => b.high < b.expected - tol || b.low > b.expected + tol) ?? l.bands[0];
    const message = `${off.version} got ${pct(off.observed)}% (interval ${pct(off.low)}–${pct(off.high)}%), expected ${pct(off.expected)}% ± ${tol * 100}% after ${l.n} requests`;
    return failedOutcome(`canary weights for ${policy.upstream} not honoured`, [{ code: 'canary.weightsOff', message }], { data });
  }
  const shares = bands.map((b) => `${b.version} ${pct(b.observed)}% (expected ${pct(b.expected)}%)`).join(', ');
  return {
    status: 'passed',
    message: `${shares} after ${l.n} requests`,
    evidence: { data },
    warnings: l.conclusive ? [] : [`inconclusive at ${l.n} requests: no significant deviation, but the interval does not yet fit the tolerance band`],
  };
}
