import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.ts';
import { binomialPmf, countBounds, stopChance } from './binomial-bounds.ts';

describe('binomialPmf', () => {
  it('sums to 1 and matches C(n,k) p^k q^(n-k) where it is small enough to write out', () => {
    const { from, pmf, lost } = binomialPmf(10, 0.3);
    expect(from).toBe(0);
    expect(pmf[3]).toBeCloseTo(120 * 0.3 ** 3 * 0.7 ** 7, 12);
    expect(pmf.reduce((s, x) => s + x, 0) + lost).toBeCloseTo(1, 12);
  });

  it('does not underflow for large n and trims only negligible tails', () => {
    const { from, pmf, lost } = binomialPmf(6400, 0.9);
    expect(from).toBeGreaterThan(5000);
    expect(lost).toBeLessThan(1e-25);
    expect(pmf.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 10);
  });
});

describe('countBounds', () => {
  it('spends no more than the budget, and a single look is the exact binomial tail test', () => {
    const { bounds, spent } = countBounds(0.15, 'low', [700], () => 1e-4);
    expect(spent).toBeLessThanOrEqual(1e-4);
    // P(Bin(700, .15) <= c) <= 1e-4 < P(... <= c + 1): the largest such c.
    const cdf = (c: number) => Array.from(binomialPmf(700, 0.15).pmf).reduce((s, x, i) => s + (binomialPmf(700, 0.15).from + i <= c ? x : 0), 0);
    expect(cdf(bounds[0])).toBeLessThanOrEqual(1e-4);
    expect(cdf(bounds[0] + 1)).toBeGreaterThan(1e-4);
  });

  it('the crossing chance over several looks is what it says, by Monte Carlo (200,000 seeded paths)', () => {
    // A large alpha so the chance can be measured: looks 20, 40, 60, 80 at p0 = 0.3.
    const looks = [20, 40, 60, 80];
    const { bounds, spent } = countBounds(0.3, 'high', looks, (i) => 0.05 * ((i + 1) / looks.length));
    expect(spent).toBeLessThanOrEqual(0.05);
    expect(spent).toBeGreaterThan(0.03);
    const rng = createRng(7);
    let crossed = 0;
    const runs = 200_000;
    for (let r = 0; r < runs; r++) {
      let s = 0;
      let n = 0;
      for (const [i, look] of looks.entries()) {
        for (; n < look; n++) if (rng() < 0.3) s++;
        if (s >= bounds[i]) {
          crossed++;
          break;
        }
      }
    }
    const sd = Math.sqrt((spent * (1 - spent)) / runs);
    expect(Math.abs(crossed / runs - spent)).toBeLessThan(4 * sd);
  });

  it('edges at 0 or 1 are exact: a share of 0 is shown >0 by one hit, a share past 1 never fails above', () => {
    expect(countBounds(0, 'high', [100, 200], () => 1e-4).bounds).toEqual([1, 1]);
    expect(countBounds(-0.05, 'high', [100], () => 1e-4).bounds).toEqual([0]);
    expect(countBounds(1.05, 'high', [100], () => 1e-4).bounds).toEqual([101]);
    expect(countBounds(1, 'low', [100], () => 1e-4).bounds).toEqual([99]);
  });
});

describe('stopChance', () => {
  it('splits the chance among the regions and stops each path once', () => {
    const r = stopChance(0.5, [2, 4], (i, s) => (i === 0 && s === 2 ? 'a' : i === 1 && s >= 3 ? 'b' : undefined));
    // P(2 heads of 2) = 1/4; then from 0 or 1 heads (3/4), >= 3 of 4: from 1 head (1/2) two more (1/4) -> 1/8.
    expect(r.chance.a).toBeCloseTo(0.25, 12);
    expect(r.chance.b).toBeCloseTo(0.125, 12);
    expect(r.meanN).toBeCloseTo(0.25 * 2 + 0.75 * 4, 12);
  });
});
