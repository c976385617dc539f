// Latency histograms for the load engine: HDR histograms (hdr-histogram-js)
// recording microseconds as integers, 3 significant digits, so a percentile
// is within 0.1% of the true value from 1 µs up to an hour. Beside each HDR
// histogram a small fixed set of log-spaced buckets is counted for charts.

import { build, type Histogram } from 'hdr-histogram-js';
import { BUCKET_EDGES_MS, type LatencySummary } from '../model/load-report.ts';

const HIGHEST_US = 3_600_000_000;

export class LatencyHistogram {
  readonly #h: Histogram;
  readonly buckets: number[] = new Array(BUCKET_EDGES_MS.length + 1).fill(0);
  #count = 0;
  #sumUs = 0;
  #minUs = Infinity;

  constructor(digits: 1 | 2 | 3 = 3) {
    this.#h = build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: digits, autoResize: false, bitBucketSize: 32 });
  }

  /** Record one latency in milliseconds (fractions kept to the microsecond). */
  record(ms: number): void {
    let us = Math.round(ms * 1000);
    if (us < 1) us = 1;
    if (us > HIGHEST_US) us = HIGHEST_US;
    this.#h.recordValue(us);
    this.#count++;
    this.#sumUs += us;
    if (us < this.#minUs) this.#minUs = us;
    let i = 0;
    const edges = BUCKET_EDGES_MS;
    while (i < edges.length && ms > edges[i]) i++;
    this.buckets[i]++;
  }

  get count(): number {
    return this.#count;
  }

  /** Value at percentile p (0-100) in milliseconds; 0 when empty. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    return this.#h.getValueAtPercentile(p) / 1000;
  }

  get min(): number {
    return this.#count ? this.#minUs / 1000 : 0;
  }

  get max(): number {
    return this.#count ? this.#h.maxValue / 1000 : 0;
  }

  get avg(): number {
    return this.#count ? this.#sumUs / this.#count / 1000 : 0;
  }

  add(other: LatencyHistogram): void {
    this.#h.add(other.#h);
    this.#count += other.#count;
    this.#sumUs += other.#sumUs;
    if (other.#minUs < this.#minUs) this.#minUs = other.#minUs;
    for (let i = 0; i < this.buckets.length; i++) this.buckets[i] += other.buckets[i];
  }

  summary(): LatencySummary {
    const r = (x: number) => Math.round(x * 1000) / 1000;
    return {
      count: this.#count,
      min: r(this.min),
      max: r(this.max),
      avg: r(this.avg),
      p50: r(this.percentile(50)),
      p90: r(this.percentile(90)),
      p95: r(this.percentile(95)),
      p99: r(this.percentile(99)),
      p999: r(this.percentile(99.9)),
    };
  }

  /** Chart buckets: [{ le: upper edge ms (null: above the last edge), count }]. */
  bucketList(): Array<{ le: number | null; count: number }> {
    return this.buckets.map((count, i) => ({ le: i < BUCKET_EDGES_MS.length ? BUCKET_EDGES_MS[i] : null, count }));
  }

  destroy(): void {
    this.#h.destroy();
  }
}
