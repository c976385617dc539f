import { describe, expect, it } from 'vitest';
import { judgeLook, shareTest } from '../../stats/sequential.ts';
import { op, sent } from '../../testing/sent.ts';
import type { CanaryRun } from './drive.ts';
import { judgeCanary } from './judge.ts';

const policy = { upstream: 'petstore', weights: { v1: 90, v2: 10 }, tolerance: 0.05, alpha: 1e-4, maxRequests: 6400 };

function run(counts: Record<string, number>): CanaryRun {
  const test = shareTest(policy.weights, policy.tolerance, policy.alpha, policy.maxRequests);
  const look = judgeLook(test, counts, false);
  return { op: op('listPets'), test, counts, trail: [{ n: look.n, decision: look.decision }], look };
}

describe('canary judge', () => {
  it('passes a 90/10 split', () => {
    const r = judgeCanary(run({ v1: 1440, v2: 160 }), policy);
    expect(r.status).toBe('passed');
    expect(r.message).toBe('v1 90.0% (expected 90.0%), v2 10.0% (expected 10.0%) after 1600 requests');
  });

  it('fails a 50/50 split with canary.weightsOff', () => {
    const r = judgeCanary(run({ v1: 800, v2: 800 }), policy);
    expect(r.failures!.map((f) => f.code)).toEqual(['canary.weightsOff']);
    expect(r.message).toMatch(/^canary weights for petstore not honoured: v1 got 50\.0%/);
  });

  it('a request it cannot count is canary.unmeasurable, with the exchange', () => {
    const r = judgeCanary({ ...run({ v1: 3 }), bad: { sent: sent({ status: 502 }), tries: 1, after: 3 } }, policy);
    expect(r.failures!.map((f) => f.code)).toEqual(['canary.unmeasurable']);
    expect(r.evidence.curl).toMatch(/^curl /);
  });
});
