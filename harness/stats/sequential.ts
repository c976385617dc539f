// Verdicts on shares (canary weights, split routes) with a stated false-alarm
// rate and a stated power.
//
// Method: an exact binomial group-sequential test with alpha spending (Lan &
// DeMets 1983, Biometrika 70(3); exact recursion for binary data as in
// Jennison & Turnbull 2000, "Group Sequential Methods with Applications to
// Clinical Trials", ch. 12), one margin per version: the count of a version
// after n requests is Binomial(n, share) when each request is routed
// independently, and its boundaries are computed at the edges of its band
// [w - tol, w + tol] (stats/binomial-bounds.ts). For two versions one margin
// decides (the other is its mirror); for more, every version has its own.
//
// Looks: every 100 requests before the first decisive look n1 (there only a
// failure can be declared), then n1, then every `step` requests up to
// maxRequests. n1 is the smallest n at which a sample exactly at the weights
// passes with 80% of alpha spent at once (about the fixed-sample size);
// after it the rest of alpha is spent with Hwang-Shih-DeCani's function
// (gamma 5) over the remaining requests, so the looks stay frequent and
// the total stays alpha.
//
// What alpha bounds (exactly, not by a normal approximation):
//  - fail: some version's interval lies wholly outside its band. A config
//    whose every share lies in its band (edges included) fails with
//    probability <= alpha: alpha/2 per direction, split over the versions
//    when there are more than two (a union bound).
//  - pass: every version's equivalence interval lies strictly inside its
//    band (an intersection-union test, Berger 1982, Technometrics 24(4)). A
//    config with some share at or past its band's edge passes with
//    probability <= alpha; no split is needed, since one wrong version's
//    one-sided test must err.
//  - neither by maxRequests: pass, marked inconclusive (`conclusive: false`):
//    there is no significant deviation, and failing would break the rate.
// The intervals shown are score (Wilson) intervals whose critical value at
// each look is matched to the count boundary, so "interval inside/outside
// the band" is exactly the decision.

import { countBounds, stopChance, type Bounds } from './binomial-bounds.ts';

export interface ShareBand {
  version: string;
  expected: number;
  observed: number;
  count: number;
  /** The interval that decides failing: alpha over both directions (and the versions). */
  low: number;
  high: number;
  /** The equivalence interval that decides passing: one-sided alpha at each end; inside [low, high]. */
  passLow: number;
  passHigh: number;
}

export type ShareDecision = 'pass' | 'fail' | 'continue';

export interface ShareLook {
  decision: ShareDecision;
  n: number;
  /** The largest critical value (normal scale) of the failing intervals at this look. */
  z: number;
  bands: ShareBand[];
  /** Every equivalence interval lies inside its band: a pass is shown, not just no failure. */
  conclusive: boolean;
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, rel. error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0,1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Wilson score interval for k successes in n trials at critical value z. */
export function wilson(k: number, n: number, z: number): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Normalize weights to shares that sum to 1. */
export function sharesOf(weights: Record<string, number>): Record<string, number> {
  const total = Object.values(weights).reduce((s, w) => s + w, 0);
  return Object.fromEntries(Object.entries(weights).map(([v, w]) => [v, w / total]));
}

export interface ShareTest {
  expected: Record<string, number>;
  tolerance: number;
  alpha: number;
  looks: number[];
  /** The first look at which a pass may be declared; earlier looks can only fail. Default: the first look. */
  firstDecisive?: number;
  /** Versions that may serve besides the expected ones (the union bound counts them). Default: none. */
  versions?: string[];
}

/** Alpha spent by the first decisive look. */
const FIRST_SHARE = 0.8;
/** Share of the failing alpha spent on the early looks (a grossly wrong split fails in 100 requests). */
const EARLY_FAIL = 0.1;
/** Hwang-Shih-DeCani spending after the first decisive look (Hwang, Shih & DeCani 1990, Stat. Med. 9(12)). */
const GAMMA = 5;
const EARLY_STEP = 100;
const MIN_STEP = 50;
/** Looks after n1 are at most this many, so the exact recursion stays fast for large maxRequests. */
const LATE_LOOKS = 120;

/** Looks: every 100 before `firstDecisive`, then it, then every step (>= 50, multiples of 10) to maxRequests. */
export function lookSchedule(maxRequests: number, firstDecisive = Math.min(100, maxRequests)): number[] {
  const n1 = Math.min(firstDecisive, maxRequests);
  const looks: number[] = [];
  for (let n = EARLY_STEP; n < n1; n += EARLY_STEP) looks.push(n);
  const step = Math.max(MIN_STEP, Math.ceil((maxRequests - n1) / LATE_LOOKS / 10) * 10);
  for (let n = n1; n < maxRequests; n += step) looks.push(n);
  looks.push(maxRequests);
  return looks;
}

/** Versions the union bound is over: the expected ones and any others that may serve. */
function categories(test: ShareTest): string[] {
  return [...new Set([...Object.keys(test.expected), ...(test.versions ?? [])])];
}

/** Margins the failing alpha is split over: one for two versions (one is the other's mirror), else one per version. */
export function marginCount(test: ShareTest): number {
  const k = categories(test).length;
  return k === 2 ? 1 : k;
}

/** Cumulative fraction of a side's alpha spent by n requests. */
export function spentFraction(test: ShareTest, n: number, side: 'pass' | 'fail'): number {
  const n1 = test.firstDecisive ?? test.looks[0];
  const last = test.looks[test.looks.length - 1];
  if (n >= last) return 1;
  if (n < n1) return side === 'pass' ? 0 : (EARLY_FAIL * n) / n1;
  const t = (n - n1) / (last - n1);
  return FIRST_SHARE + ((1 - FIRST_SHARE) * (1 - Math.exp(-GAMMA * t))) / (1 - Math.exp(-GAMMA));
}

/** A version's count boundaries at every look: pass when lowPass <= S <= upPass, fail when S >= upFail or S <= lowFail. */
export interface Margin {
  upPass: number[];
  lowPass: number[];
  upFail: number[];
  lowFail: number[];
}

/** Designs by test object (judged at every look), then by content (tests built again with the same inputs). */
const byTest = new WeakMap<ShareTest, Map<number, Margin>>();
const margins = new Map<string, Margin>();

export function marginOf(test: ShareTest, share: number): Margin {
  const own = byTest.get(test) ?? new Map<number, Margin>();
  byTest.set(test, own);
  const mine = own.get(share);
  if (mine) return mine;
  const key = JSON.stringify([share, test.tolerance, test.alpha, marginCount(test), test.firstDecisive, test.looks]);
  const hit = margins.get(key) ?? designMargin(test, share);
  own.set(share, hit);
  if (margins.size >= 64) margins.delete(margins.keys().next().value!);
  margins.set(key, hit);
  return hit;
}

function designMargin(test: ShareTest, share: number): Margin {
  const { looks, tolerance: tol, alpha } = test;
  const pass = (i: number) => alpha * spentFraction(test, looks[i], 'pass');
  const fail = (i: number) => (alpha / 2 / marginCount(test)) * spentFraction(test, looks[i], 'fail');
  const b = (p0: number, tail: 'low' | 'high', budget: (i: number) => number): Bounds['bounds'] => countBounds(p0, tail, looks, budget).bounds;
  return { upPass: b(share + tol, 'low', pass), lowPass: b(share - tol, 'high', pass), upFail: b(share + tol, 'high', fail), lowFail: b(share - tol, 'low', fail) };
}

/**
 * The first decisive look: the smallest multiple of 10 at which counts exactly at
 * the weights pass a single look at FIRST_SHARE of alpha (maxRequests if none).
 */
export function firstDecisiveLook(expected: Record<string, number>, tolerance: number, alpha: number, maxRequests: number): number {
  const shares = [...new Set(Object.values(expected))];
  const budget = () => alpha * FIRST_SHARE;
  const passesAt = (n: number) =>
    shares.every((w) => {
      const s = Math.round(n * w);
      return s <= countBounds(w + tolerance, 'low', [n], budget).bounds[0] && s >= countBounds(w - tolerance, 'high', [n], budget).bounds[0];
    });
  // Start below the normal-approximation size and walk up: the exact size is near it.
  const z = normalQuantile(1 - alpha * FIRST_SHARE);
  const edges = shares.flatMap((w) => [w - tolerance, w + tolerance]).filter((p) => p > 0 && p < 1);
  const guess = (z * z * Math.max(0, ...edges.map((p) => p * (1 - p)))) / (tolerance * tolerance);
  for (let n = Math.max(10, Math.floor((0.6 * guess) / 10) * 10); n < maxRequests; n += 10) if (passesAt(n)) return n;
  return maxRequests;
}

export function shareTest(weights: Record<string, number>, tolerance: number, alpha: number, maxRequests: number, versions?: string[]): ShareTest {
  const expected = sharesOf(weights);
  const firstDecisive = firstDecisiveLook(expected, tolerance, alpha, maxRequests);
  return { expected, tolerance, alpha, looks: lookSchedule(maxRequests, firstDecisive), firstDecisive, ...(versions ? { versions } : {}) };
}

/** A score-interval end whose comparison with p0 is exactly the count bound (upper end < p0 iff S <= bound; lower end > p0 iff S >= bound). */
function matchedEnd(s: number, n: number, p0: number, bound: number, end: 'upper' | 'lower', fallbackZ: number): { end: number; z: number } {
  const sd = Math.sqrt(n * p0 * (1 - p0));
  const inside = p0 > 0 && p0 < 1;
  const z = !inside ? fallbackZ : end === 'upper' ? (n * p0 - (bound + 0.5)) / sd : (bound - 0.5 - n * p0) / sd;
  const [low, high] = wilson(s, n, Math.max(0, z));
  return { end: end === 'upper' ? high : low, z };
}

interface Judged {
  band: ShareBand;
  /** The equivalence interval lies inside the band. */
  inside: boolean;
  /** The failing interval lies wholly outside the band. */
  off: boolean;
  z: number;
}

function judgeVersion(test: ShareTest, version: string, count: number, n: number, i: number): Judged {
  const share = test.expected[version] ?? 0;
  const tol = test.tolerance;
  const m = marginOf(test, share);
  // Only for edges outside (0,1), where the count is certain and the bound exact: a display value.
  const zPass = normalQuantile(1 - Math.min(0.5, test.alpha));
  const zFail = normalQuantile(1 - Math.min(0.5, test.alpha / 2 / marginCount(test)));
  const passHigh = matchedEnd(count, n, share + tol, m.upPass[i], 'upper', zPass).end;
  const passLow = matchedEnd(count, n, share - tol, m.lowPass[i], 'lower', zPass).end;
  const high = matchedEnd(count, n, share - tol, m.lowFail[i], 'upper', zFail);
  const low = matchedEnd(count, n, share + tol, m.upFail[i], 'lower', zFail);
  return {
    band: { version, expected: share, observed: count / n, count, low: low.end, high: high.end, passLow, passHigh },
    inside: count <= m.upPass[i] && count >= m.lowPass[i],
    off: count >= m.upFail[i] || count <= m.lowFail[i],
    z: Math.max(low.z, high.z),
  };
}

/** The other version of a pair: its count is n minus the first's, so its intervals are the mirror image. */
function mirror(j: Judged, version: string, expected: number, n: number): Judged {
  const b = j.band;
  const count = n - b.count;
  const band = { version, expected, observed: count / n, count, low: 1 - b.high, high: 1 - b.low, passLow: 1 - b.passHigh, passHigh: 1 - b.passLow };
  return { ...j, band };
}

/** Judge the counts at a look (n must be one of test.looks). `counts` may hold versions not in the expectation (expected share 0). */
export function judgeLook(test: ShareTest, counts: Record<string, number>, isLast: boolean): ShareLook {
  const known = categories(test);
  const versions = [...new Set([...known, ...Object.keys(counts)])];
  const n = Object.values(counts).reduce((s, c) => s + c, 0);
  if (n === 0) {
    const bands = versions.map((version) => ({ version, expected: test.expected[version] ?? 0, observed: 0, count: 0, low: 0, high: 1, passLow: 0, passHigh: 1 }));
    return { decision: isLast ? 'pass' : 'continue', n, z: 0, bands, conclusive: false };
  }
  const i = test.looks.indexOf(n);
  if (i < 0) throw new RangeError(`judgeLook: ${n} requests is not one of the test's looks (${test.looks.slice(0, 4).join(', ')}, …)`);
  const pair = versions.length === 2 && known.length === 2;
  const first = judgeVersion(test, versions[0], counts[versions[0]] ?? 0, n, i);
  const judged = pair ? [first, mirror(first, versions[1], test.expected[versions[1]] ?? 0, n)] : [first, ...versions.slice(1).map((v) => judgeVersion(test, v, counts[v] ?? 0, n, i))];
  const conclusive = judged.every((j) => j.inside);
  const decision: ShareDecision = judged.some((j) => j.off) ? 'fail' : conclusive || isLast ? 'pass' : 'continue';
  return { decision, n, z: Math.max(...judged.map((j) => j.z)), bands: judged.map((j) => j.band), conclusive };
}

export interface ShareTestFacts {
  method: string;
  firstDecisive: number;
  looks: number;
  /** Bound on P(fail) for a config whose every share is in its band. */
  falseAlarm: number;
  /** Bound on P(a conclusive pass) for a config with a share at or past its band's edge. */
  falsePass: number;
  /** Against a share 2x tolerance off (the version and direction where it is least): P(fail by maxRequests), mean requests to the verdict. */
  power: { version: string; share: number; chance: number; meanRequests: number };
  /** Mean requests to a verdict when each request is routed independently at exactly the weights (for 3+ versions, the largest margin's: a lower bound). */
  meanAtWeights: number;
}

/** What the test promises, computed exactly on its boundaries (binomial sampling). */
export function shareTestFacts(test: ShareTest): ShareTestFacts {
  const known = categories(test);
  const judged = known.length === 2 ? known.slice(0, 1) : known;
  const tol = test.tolerance;
  let power: ShareTestFacts['power'] = { version: '', share: 0, chance: 1, meanRequests: 0 };
  let meanAtWeights = 0;
  for (const version of judged) {
    const w = test.expected[version] ?? 0;
    const m = marginOf(test, w);
    const classify = (i: number, s: number) => (s >= m.upFail[i] || s <= m.lowFail[i] ? 'fail' : s <= m.upPass[i] && s >= m.lowPass[i] ? 'pass' : undefined);
    for (const share of [w + 2 * tol, w - 2 * tol].filter((p) => p >= 0 && p <= 1)) {
      const r = stopChance(share, test.looks, classify);
      if ((r.chance.fail ?? 0) < power.chance) power = { version, share, chance: r.chance.fail ?? 0, meanRequests: r.meanN };
    }
    meanAtWeights = Math.max(meanAtWeights, stopChance(w, test.looks, classify).meanN);
  }
  const margins = marginCount(test);
  const n1 = test.firstDecisive ?? test.looks[0];
  const method =
    `exact binomial group-sequential test, alpha spending (Lan & DeMets 1983; Jennison & Turnbull 2000 ch. 12): ${test.looks.length} looks, ` +
    `every ${EARLY_STEP} requests before ${n1} (failures only), then from ${n1} to ${test.looks[test.looks.length - 1]}; ` +
    (margins === 1 ? 'one interval for both versions' : `failing alpha split over ${margins} versions (union bound)`) +
    '; passing by intersection-union (Berger 1982)';
  return { method, firstDecisive: n1, looks: test.looks.length, falseAlarm: test.alpha, falsePass: test.alpha, power, meanAtWeights };
}
