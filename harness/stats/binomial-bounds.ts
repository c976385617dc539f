// Exact group-sequential boundaries for one binomial count, by alpha
// spending (Lan & DeMets 1983, "Discrete sequential boundaries for clinical
// trials", Biometrika 70(3)), computed on the exact binomial distribution
// rather than its normal approximation (Jennison & Turnbull 2000, "Group
// Sequential Methods with Applications to Clinical Trials", ch. 12: exact
// calculations for binary data, by recursion over the looks).
//
// At each look the count S (successes in the first n requests) of the paths
// that have not stopped is carried as a sub-distribution; the boundary of the
// look is the most extreme count whose tail mass stays within the alpha
// allotted so far, and that mass is removed (those paths stopped). So, at the
// share p0 the boundaries are computed for, the chance that S crosses at any
// look is at most the alpha spent, whatever the number of looks.

/** Mass below this is dropped from a tail; it is charged to the budget, so the bound stays exact. */
const TRIM = 1e-30;

export type Tail = 'low' | 'high';

/** Binomial(n, p) probabilities from index `from` on, tails under TRIM dropped (their mass returned as `lost`). */
export function binomialPmf(n: number, p: number): { from: number; pmf: Float64Array; lost: number } {
  if (n === 0 || p <= 0) return { from: 0, pmf: Float64Array.of(1), lost: 0 };
  if (p >= 1) return { from: n, pmf: Float64Array.of(1), lost: 0 };
  // log pmf by the ratio recurrence: no factorials, no underflow before exp.
  const logOdds = Math.log(p) - Math.log1p(-p);
  const all = new Float64Array(n + 1);
  let lp = n * Math.log1p(-p);
  for (let k = 0; k <= n; k++) {
    all[k] = Math.exp(lp);
    lp += Math.log((n - k) / (k + 1)) + logOdds;
  }
  return trimmed(all, 0);
}

/** Drop the tails under TRIM from a (sub-)distribution that starts at count `from`. */
function trimmed(d: Float64Array, from: number): { from: number; pmf: Float64Array; lost: number } {
  let lo = 0;
  let hi = d.length - 1;
  let lost = 0;
  while (lo < hi && d[lo] < TRIM) lost += d[lo++];
  while (hi > lo && d[hi] < TRIM) lost += d[hi--];
  return { from: from + lo, pmf: d.slice(lo, hi + 1), lost };
}

function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x === 0) continue;
    for (let j = 0; j < b.length; j++) out[i + j] += x * b[j];
  }
  return out;
}

export interface Bounds {
  /** Per look: `low` tail, stop when S <= bound (-1: never); `high` tail, stop when S >= bound (n + 1: never). */
  bounds: number[];
  /** Alpha actually spent at p0 (the exact crossing probability, plus trimmed mass). */
  spent: number;
}

/** The counts beyond which the `tail` stops at each look, when the true share is p0 and at most `budget(i)` may be spent by look i. */
export function countBounds(p0: number, tail: Tail, looks: number[], budget: (i: number) => number): Bounds {
  if (p0 <= 0 || p0 >= 1) return degenerate(p0, tail, looks);
  let dist: Float64Array = Float64Array.of(1);
  let from = 0;
  let n = 0;
  let spent = 0;
  const kernels = new Map<number, ReturnType<typeof binomialPmf>>();
  const bounds: number[] = [];
  for (const [i, look] of looks.entries()) {
    const step = look - n;
    if (step > 0) {
      const k = kernels.get(step) ?? binomialPmf(step, p0);
      kernels.set(step, k);
      spent += k.lost * sumOf(dist);
      const t = trimmed(convolve(dist, k.pmf), from + k.from);
      ({ from, pmf: dist } = t);
      spent += t.lost;
      n = look;
    }
    const cut = cutTail(dist, tail, budget(i) - spent);
    spent += cut.mass;
    // Nothing cut: no count stops here (the trimmed tails were charged above, but need not stop).
    bounds.push(cut.mass > 0 ? from + cut.index : tail === 'low' ? -1 : look + 1);
  }
  return { bounds, spent };
}

function sumOf(d: Float64Array): number {
  let s = 0;
  for (const x of d) s += x;
  return s;
}

/**
 * Remove the largest tail whose mass is at most `room`. `low`: index of the last
 * removed entry (-1 when none); `high`: index of the first removed (length when none).
 */
function cutTail(d: Float64Array, tail: Tail, room: number): { index: number; mass: number } {
  let mass = 0;
  if (tail === 'low') {
    let i = 0;
    while (i < d.length && mass + d[i] <= room) mass += d[i++];
    d.fill(0, 0, i);
    return { index: i - 1, mass };
  }
  let i = d.length;
  while (i > 0 && mass + d[i - 1] <= room) mass += d[--i];
  d.fill(0, i);
  return { index: i, mass };
}

/** A share of 0 or 1 (or outside [0,1]) at the edge: the count is certain, so the bounds are exact with nothing spent. */
function degenerate(p0: number, tail: Tail, looks: number[]): Bounds {
  const bounds = looks.map((n) => {
    if (tail === 'low') return p0 > 1 ? n : p0 >= 1 ? n - 1 : -1;
    return p0 < 0 ? 0 : p0 <= 0 ? 1 : n + 1;
  });
  return { bounds, spent: 0 };
}

/**
 * At true share p, the chance that the count first lands in each stop region
 * (`classify` names the region of count s at look i, or undefined to go on),
 * and the mean requests to the stop (the last look when none).
 */
export function stopChance(p: number, looks: number[], classify: (i: number, s: number) => string | undefined): { chance: Record<string, number>; meanN: number } {
  let dist: Float64Array = Float64Array.of(1);
  let from = 0;
  let n = 0;
  let stopped = 0;
  let meanN = 0;
  const chance: Record<string, number> = {};
  for (const [i, look] of looks.entries()) {
    const k = binomialPmf(look - n, p);
    ({ from, pmf: dist } = trimmed(convolve(dist, k.pmf), from + k.from));
    n = look;
    for (let j = 0; j < dist.length; j++) {
      const region = dist[j] > 0 ? classify(i, from + j) : undefined;
      if (region === undefined) continue;
      chance[region] = (chance[region] ?? 0) + dist[j];
      stopped += dist[j];
      meanN += dist[j] * n;
      dist[j] = 0;
    }
  }
  return { chance, meanN: meanN + (1 - stopped) * n };
}
