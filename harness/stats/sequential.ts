// Verdicts on shares (canary weights) with a stated false-alarm rate.
//
// Method: group-sequential Wilson score intervals. The test looks at the
// counts after 100, 200, 400, ... requests (doubling, up to maxRequests). At
// every look and for every version it computes a two-sided Wilson interval at
// level alpha / (looks x versions) — a Bonferroni split, so the chance that
// any interval at any look misses the true share is at most alpha.
//  - fail:  some version's interval lies wholly outside [w - tol, w + tol].
//           If the true share is inside the band this needs an interval that
//           misses the truth, so a correct config fails with probability <= alpha.
//  - pass:  every version's interval lies wholly inside the band (equivalence
//           shown), so the test stops early when the verdict is clear.
//  - at the last look with neither: pass, marked inconclusive — there is no
//           significant deviation, and failing here would break the stated rate.

export interface ShareBand {
  version: string;
  expected: number;
  observed: number;
  count: number;
  low: number;
  high: number;
}

export type ShareDecision = 'pass' | 'fail' | 'continue';

export interface ShareLook {
  decision: ShareDecision;
  n: number;
  z: number;
  bands: ShareBand[];
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

/** Look points: 100, 200, 400, ... and maxRequests itself last. */
export function lookSchedule(maxRequests: number, first = 100): number[] {
  const looks: number[] = [];
  for (let n = Math.min(first, maxRequests); n < maxRequests; n *= 2) looks.push(n);
  looks.push(maxRequests);
  return looks;
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
}

export function shareTest(weights: Record<string, number>, tolerance: number, alpha: number, maxRequests: number): ShareTest {
  return { expected: sharesOf(weights), tolerance, alpha, looks: lookSchedule(maxRequests) };
}

/** Judge the counts at a look. `counts` may hold versions not in the expectation (they count as share 0 expected). */
export function judgeLook(test: ShareTest, counts: Record<string, number>, isLast: boolean): ShareLook {
  const versions = [...new Set([...Object.keys(test.expected), ...Object.keys(counts)])];
  const n = Object.values(counts).reduce((s, c) => s + c, 0);
  const perInterval = test.alpha / (test.looks.length * versions.length);
  const z = normalQuantile(1 - perInterval / 2);
  let anyOutside = false;
  let allInside = true;
  const bands: ShareBand[] = versions.map((version) => {
    const expected = test.expected[version] ?? 0;
    const count = counts[version] ?? 0;
    const [low, high] = wilson(count, n, z);
    const bandLow = expected - test.tolerance;
    const bandHigh = expected + test.tolerance;
    if (high < bandLow || low > bandHigh) anyOutside = true;
    if (!(low >= bandLow && high <= bandHigh)) allInside = false;
    return { version, expected, observed: n ? count / n : 0, count, low, high };
  });
  const decision: ShareDecision = anyOutside ? 'fail' : allInside || isLast ? 'pass' : 'continue';
  return { decision, n, z, bands };
}
