import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.ts';
import { judgeLook, lookSchedule, normalQuantile, shareTest, wilson } from './sequential.ts';

describe('normalQuantile', () => {
  it('matches known quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(1 - 5e-5)).toBeCloseTo(3.890592, 4);
  });
});

describe('wilson', () => {
  it('contains the estimate and narrows with n', () => {
    const [l1, h1] = wilson(10, 100, 1.96);
    const [l2, h2] = wilson(100, 1000, 1.96);
    expect(l1).toBeLessThan(0.1);
    expect(h1).toBeGreaterThan(0.1);
    expect(h2 - l2).toBeLessThan(h1 - l1);
    expect(wilson(0, 50, 1.96)[0]).toBe(0);
  });
});

describe('lookSchedule', () => {
  it('doubles up to the maximum', () => {
    expect(lookSchedule(6400)).toEqual([100, 200, 400, 800, 1600, 3200, 6400]);
    expect(lookSchedule(1000)).toEqual([100, 200, 400, 800, 1000]);
  });
});

/** Run the sequential test on simulated random (binomial) routing. */
function simulate(trueShares: Record<string, number>, weights: Record<string, number>, seed: number) {
  const test = shareTest(weights, 0.05, 1e-4, 6400);
  const rng = createRng(seed);
  const versions = Object.keys(trueShares);
  const counts: Record<string, number> = Object.fromEntries(versions.map((v) => [v, 0]));
  let sent = 0;
  for (let i = 0; i < test.looks.length; i++) {
    while (sent < test.looks[i]) {
      let u = rng();
      let pick = versions[versions.length - 1];
      for (const v of versions) {
        if (u < trueShares[v]) { pick = v; break; }
        u -= trueShares[v];
      }
      counts[pick]++;
      sent++;
    }
    const look = judgeLook(test, counts, i === test.looks.length - 1);
    if (look.decision !== 'continue') return look;
  }
  throw new Error('unreachable: the last look always decides');
}

describe('sequential share test', () => {
  it('random selection at the true weights: no false alarm in 2000 simulated runs', () => {
    let failures = 0;
    let requests = 0;
    for (let s = 1; s <= 2000; s++) {
      const look = simulate({ v1: 0.9, v2: 0.1 }, { v1: 90, v2: 10 }, s);
      if (look.decision === 'fail') failures++;
      requests += look.n;
    }
    expect(failures).toBe(0);
    // Mean requests per verdict, for the record: random routing needs ~1600-3200.
    expect(requests / 2000).toBeLessThan(3300);
  });

  it('a share at the edge of the band (0.145 vs 0.1 +- 0.05) fails rarely: under alpha bound', () => {
    let failures = 0;
    for (let s = 1; s <= 2000; s++) if (simulate({ v1: 0.855, v2: 0.145 }, { v1: 90, v2: 10 }, s).decision === 'fail') failures++;
    // Any failure here would be a false alarm at rate >= 5e-4, far above alpha=1e-4.
    expect(failures).toBe(0);
  });

  it('50/50 routing against a 90/10 expectation fails at the first look, every time', () => {
    for (let s = 1; s <= 500; s++) {
      const look = simulate({ v1: 0.5, v2: 0.5 }, { v1: 90, v2: 10 }, s);
      expect(look.decision).toBe('fail');
      expect(look.n).toBe(100);
    }
  });

  it('exact smooth round robin passes once the interval fits the band', () => {
    const test = shareTest({ v1: 90, v2: 10 }, 0.05, 1e-4, 6400);
    const at = (n: number) => judgeLook(test, { v1: n * 0.9, v2: n * 0.1 }, false).decision;
    expect(at(100)).toBe('continue');
    expect(at(800)).toBe('continue');
    expect(at(1600)).toBe('pass');
  });

  it('a version that should get nothing but does is caught', () => {
    const test = shareTest({ v1: 70, v2: 30, v3: 0 }, 0.05, 1e-4, 6400);
    expect(judgeLook(test, { v1: 50, v2: 20, v3: 30 }, false).decision).toBe('fail');
  });
});
