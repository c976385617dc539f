import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../util/rng.ts';
import { stopChance } from './binomial-bounds.ts';
import { judgeLook, lookSchedule, marginOf, normalQuantile, shareTest, shareTestFacts, wilson, type ShareLook, type ShareTest } from './sequential.ts';

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
  it('every 100 before the first decisive look, then every 50 or more, ending at the maximum', () => {
    const looks = lookSchedule(6400, 680);
    expect(looks.slice(0, 9)).toEqual([100, 200, 300, 400, 500, 600, 680, 730, 780]);
    expect(looks[looks.length - 1]).toBe(6400);
    expect(lookSchedule(1000, 1000)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    // Large maxima keep about 120 late looks, so the exact recursion stays cheap.
    expect(lookSchedule(100_000, 700).length).toBeLessThan(135);
  });
});

/** A request stream: independent draws at the true shares, or nginx's smooth weighted round robin (exact split). */
type Stream = () => string;

function random(shares: Record<string, number>, rng: Rng): Stream {
  const versions = Object.keys(shares);
  return () => {
    let u = rng();
    for (const v of versions) {
      if (u < shares[v]) return v;
      u -= shares[v];
    }
    return versions[versions.length - 1];
  };
}

/** ngx_http_upstream_get_peer (src/http/ngx_http_upstream_round_robin.c, nginx 1.22): current += weight, take the largest, subtract the total. */
function smoothRoundRobin(weights: Record<string, number>): Stream {
  const current: Record<string, number> = Object.fromEntries(Object.keys(weights).map((v) => [v, 0]));
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  return () => {
    let best = '';
    for (const v of Object.keys(weights)) {
      current[v] += weights[v];
      if (!best || current[v] > current[best]) best = v;
    }
    current[best] -= total;
    return best;
  };
}

function drive(test: ShareTest, next: Stream): ShareLook {
  const counts: Record<string, number> = {};
  let sent = 0;
  for (const [i, look] of test.looks.entries()) {
    for (; sent < look; sent++) {
      const v = next();
      counts[v] = (counts[v] ?? 0) + 1;
    }
    const l = judgeLook(test, counts, i === test.looks.length - 1);
    if (l.decision !== 'continue') return l;
  }
  throw new Error('unreachable: the last look always decides');
}

const ninetyTen = () => shareTest({ v1: 90, v2: 10 }, 0.05, 1e-4, 6400);

/** Many seeded runs at true shares (independent routing): failures, conclusive passes, mean requests. */
function repeat(test: ShareTest, shares: Record<string, number>, runs: number, seed = 1) {
  let fail = 0;
  let conclusive = 0;
  let requests = 0;
  for (let s = seed; s < seed + runs; s++) {
    const l = drive(test, random(shares, createRng(s)));
    if (l.decision === 'fail') fail++;
    if (l.decision === 'pass' && l.conclusive) conclusive++;
    requests += l.n;
  }
  return { fail, conclusive, mean: requests / runs };
}

describe('round robin at the weights (an exact split)', () => {
  it('90/10 passes conclusively at the first decisive look, 680 requests (at most 700)', () => {
    const test = ninetyTen();
    expect(test.firstDecisive).toBe(680);
    const l = drive(test, smoothRoundRobin({ v1: 90, v2: 10 }));
    expect([l.decision, l.conclusive, l.n]).toEqual(['pass', true, 680]);
  });

  it('other splits pass at their own first decisive look, never failing', () => {
    const splits: Array<Record<string, number>> = [{ a: 70, b: 30 }, { a: 50, b: 50 }, { a: 50, b: 30, c: 20 }, { a: 99, b: 1 }];
    for (const weights of splits) {
      const test = shareTest(weights, 0.05, 1e-4, 6400);
      const l = drive(test, smoothRoundRobin(weights));
      expect([l.decision, l.conclusive, l.n]).toEqual(['pass', true, test.firstDecisive]);
    }
  });
});

describe('what alpha bounds (exactly, and by simulation)', () => {
  const test = ninetyTen();
  const m = marginOf(test, 0.9);
  const failOnly = (i: number, s: number) => (s >= m.upFail[i] || s <= m.lowFail[i] ? 'fail' : undefined);
  const passOnly = (i: number, s: number) => (s <= m.upPass[i] && s >= m.lowPass[i] ? 'pass' : undefined);

  it('a split inside the band, edges included, fails with probability <= alpha (exact: alpha/2 per direction)', () => {
    // v1's share at 0.95 (upper edge), 0.85 (lower edge) and 0.9: the worst cases are the edges.
    const atEdges = [0.95, 0.85].map((p) => stopChance(p, test.looks, failOnly).chance.fail ?? 0);
    for (const c of atEdges) expect(c).toBeLessThanOrEqual(test.alpha / 2);
    expect(atEdges[0] + atEdges[1]).toBeLessThanOrEqual(test.alpha);
    // Spent, not wasted: most of the budget is used at the edge.
    expect(atEdges[0]).toBeGreaterThan(test.alpha / 4);
    expect(stopChance(0.9, test.looks, failOnly).chance.fail ?? 0).toBeLessThan(1e-8);
  });

  it('a share exactly at the band edge passes conclusively with probability <= alpha (exact, per edge)', () => {
    for (const p of [0.95, 0.85]) {
      const c = stopChance(p, test.looks, passOnly).chance.pass ?? 0;
      expect(c).toBeLessThanOrEqual(test.alpha);
      expect(c).toBeGreaterThan(test.alpha / 4);
    }
  });

  it('simulated at the edge (2,000 runs each way): no failure and no conclusive pass', () => {
    for (const shares of [{ v1: 0.85, v2: 0.15 }, { v1: 0.95, v2: 0.05 }]) {
      const r = repeat(test, shares, 2000);
      expect([r.fail, r.conclusive]).toEqual([0, 0]);
    }
  });

  it('with alpha 0.05 the rates are measurable: at the edge, failures <= alpha/2 and conclusive passes <= alpha, and not far below', () => {
    const loose = shareTest({ v1: 90, v2: 10 }, 0.05, 0.05, 1500);
    const runs = 4000;
    const r = repeat(loose, { v1: 0.85, v2: 0.15 }, runs);
    const within = (rate: number, bound: number) => rate <= bound + 4 * Math.sqrt((bound * (1 - bound)) / runs);
    expect(within(r.fail / runs, 0.025)).toBe(true);
    expect(within(r.conclusive / runs, 0.05)).toBe(true);
    expect(r.fail / runs).toBeGreaterThan(0.005);
    expect(r.conclusive / runs).toBeGreaterThan(0.01);
  });
});

describe('power and requests per verdict (independent routing)', () => {
  const test = ninetyTen();
  const facts = shareTestFacts(test);

  it('a split 2x tolerance off fails with the stated power, 500 simulated runs all failing', () => {
    expect(facts.power.chance).toBeGreaterThan(0.9999);
    const r = repeat(test, { v1: 0.8, v2: 0.2 }, 500);
    expect(r.fail).toBe(500);
    expect(Math.abs(r.mean - facts.power.meanRequests) / facts.power.meanRequests).toBeLessThan(0.05);
  });

  it('at the weights: 1,000 simulated runs, no failure, all conclusive, mean requests as computed (~970)', () => {
    const r = repeat(test, { v1: 0.9, v2: 0.1 }, 1000);
    expect([r.fail, r.conclusive]).toEqual([0, 1000]);
    expect(Math.abs(r.mean - facts.meanAtWeights) / facts.meanAtWeights).toBeLessThan(0.05);
    // Wald's bound: any test whose conclusive pass at share 0.15 has chance <= alpha needs on average
    // kl(P(pass), alpha) / KL(0.1 || 0.15) requests at share 0.1 (Wald 1945; Garivier & Kaufmann 2016, lemma 1).
    // With P(pass) ~ 1 that is ~845: no design reaches 700 on independent routing at alpha 1e-4.
    const kl = (p: number, q: number) => p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));
    const bound = kl(0.999, test.alpha) / kl(0.1, 0.15);
    expect(bound).toBeGreaterThan(840);
    expect(r.mean).toBeGreaterThan(bound);
  });

  it('50/50 against 90/10 fails every time (500 runs), nearly always at the first look (100 requests)', () => {
    let atFirst = 0;
    for (let s = 1; s <= 500; s++) {
      const l = drive(test, random({ v1: 0.5, v2: 0.5 }, createRng(s)));
      expect(l.decision).toBe('fail');
      expect(l.n).toBeLessThanOrEqual(200);
      if (l.n === 100) atFirst++;
    }
    expect(atFirst).toBeGreaterThanOrEqual(495);
  });
});

describe('judgeLook', () => {
  it('the shown intervals are the decision: fail iff an interval is outside its band, conclusive iff every equivalence interval is inside', () => {
    const test = shareTest({ v1: 70, v2: 20, v3: 10 }, 0.05, 1e-4, 3000);
    const rng = createRng(3);
    for (const n of test.looks) {
      for (let k = 0; k < 30; k++) {
        const a = Math.floor(rng() * (n + 1));
        const b = Math.floor(rng() * (n - a + 1));
        const l = judgeLook(test, { v1: a, v2: b, v3: n - a - b }, false);
        const tol = test.tolerance;
        const off = l.bands.some((x) => x.high < x.expected - tol || x.low > x.expected + tol);
        const inside = l.bands.every((x) => x.passLow > x.expected - tol && x.passHigh < x.expected + tol);
        expect(l.decision === 'fail').toBe(off);
        expect(l.conclusive).toBe(inside);
      }
    }
  });

  it('two versions are one margin: the second band mirrors the first', () => {
    const test = ninetyTen();
    const l = judgeLook(test, { v1: 612, v2: 68 }, false);
    expect(l.bands[1].low).toBeCloseTo(1 - l.bands[0].high, 12);
    expect(l.bands[1].passHigh).toBeCloseTo(1 - l.bands[0].passLow, 12);
  });

  it('a version that should get nothing but does is caught; an unknown one too', () => {
    const test = shareTest({ v1: 70, v2: 30, v3: 0 }, 0.05, 1e-4, 6400);
    expect(judgeLook(test, { v1: 50, v2: 20, v3: 30 }, false).decision).toBe('fail');
    const two = ninetyTen();
    expect(judgeLook(two, { v1: 60, v2: 10, v9: 30 }, false).decision).toBe('fail');
  });

  it('refuses counts that are not at one of its looks', () => {
    expect(() => judgeLook(ninetyTen(), { v1: 1440, v2: 160 }, false)).toThrow(/not one of the test's looks/);
  });

  it('a single-look test (the canary under load) is the exact fixed-sample test at the whole alpha', () => {
    const one: ShareTest = { expected: { v1: 0.9, v2: 0.1 }, tolerance: 0.05, alpha: 1e-4, looks: [2000] };
    expect(judgeLook(one, { v1: 1800, v2: 200 }, true)).toMatchObject({ decision: 'pass', conclusive: true });
    // 380 of 2,000 is 5 sd above the edge 15% (the exact boundary at 5e-5 on that side is about 4 sd).
    expect(judgeLook(one, { v1: 1620, v2: 380 }, true).decision).toBe('fail');
    expect(judgeLook(one, { v1: 1660, v2: 340 }, true)).toMatchObject({ decision: 'pass', conclusive: false });
    expect(judgeLook(one, { v1: 0 }, true).decision).toBe('pass');
  });
});
