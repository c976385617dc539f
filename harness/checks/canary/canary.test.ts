import { describe, expect, it } from 'vitest';
import { judgeLook, shareTest } from '../../stats/sequential.ts';
import { op, sent } from '../../testing/sent.ts';
import type { CanaryRun } from './drive.ts';
import { judgeCanary } from './judge.ts';

const policy = { upstream: 'petstore', weights: { v1: 90, v2: 10 }, tolerance: 0.05, alpha: 1e-4, maxRequests: 6400 };

function run(counts: Record<string, number>, isLast = false): CanaryRun {
  const test = shareTest(policy.weights, policy.tolerance, policy.alpha, policy.maxRequests);
  const look = judgeLook(test, counts, isLast);
  return { op: op('listPets'), test, counts, trail: [{ n: look.n, decision: look.decision }], look };
}

describe('canary judge', () => {
  it('passes a 90/10 split at the first decisive look, and states the method, both rates and the power', () => {
    const r = judgeCanary(run({ v1: 612, v2: 68 }), policy);
    expect(r.status).toBe('passed');
    expect(r.warnings).toEqual([]);
    expect(r.message).toBe('v1 90.0% (expected 90.0%), v2 10.0% (expected 10.0%) after 680 requests');
    const data = r.evidence.data as { method: string; falseAlarm: number; falsePass: number; power: { chance: number; share: number; meanRequests: number } };
    expect(data.method).toMatch(/^exact binomial group-sequential test, alpha spending \(Lan & DeMets 1983/);
    expect(data.method).toMatch(/a correct split fails with probability <= 0\.0001; a share at or past its band's edge passes \(conclusively\) with probability <= 0\.0001; power against a share 2x tolerance off \(v1 at 80\.0%\): 1 - 4e-8, mean 1200 requests$/);
    expect([data.falseAlarm, data.falsePass, data.power.share]).toEqual([1e-4, 1e-4, 0.8]);
  });

  it('a pass at maxRequests without equivalence shown is inconclusive', () => {
    const r = judgeCanary(run({ v1: 5430, v2: 970 }, true), policy);
    expect(r.status).toBe('passed');
    expect(r.warnings![0]).toMatch(/^inconclusive at 6400 requests/);
  });

  it('fails a 50/50 split with canary.weightsOff, at the first look', () => {
    const r = judgeCanary(run({ v1: 50, v2: 50 }), policy);
    expect(r.failures!.map((f) => f.code)).toEqual(['canary.weightsOff']);
    expect(r.message).toMatch(/^canary weights for petstore not honoured: v1 got 50\.0% \(interval \d+\.\d–\d+\.\d%\), expected 90\.0% ± 5% after 100 requests/);
  });

  it('a request it cannot count is canary.unmeasurable, with the exchange', () => {
    const { look: _unjudged, ...base } = run({ v1: 100 });
    const r = judgeCanary({ ...base, counts: { v1: 3 }, trail: [], bad: { sent: sent({ status: 502 }), tries: 1, after: 3 } }, policy);
    expect(r.failures!.map((f) => f.code)).toEqual(['canary.unmeasurable']);
    expect(r.evidence.curl).toMatch(/^curl /);
  });
});
