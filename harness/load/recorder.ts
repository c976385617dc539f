// What the engine records: latency from the intended send time (coordinated
// omission corrected), service time from the actual write, the engine's own
// scheduling lag, outcomes by status class, and a per-second series.
// Accounting: every scheduled request ends in exactly one outcome, so
//   scheduled = 1xx + 2xx + 3xx + 4xx + 5xx + timeout + connectionError + notSent.

import { LatencyHistogram } from './histogram.ts';
import { emptyOutcomes, type Outcomes, type SecondStats } from '../model/load-report.ts';

const CLASS = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

class Second {
  sent = 0;
  ok = 0;
  c4 = 0;
  c5 = 0;
  errors = 0;
  readonly h = new LatencyHistogram(2);
  captured: Map<string, number> | undefined;
}

export class Recorder {
  readonly latency = new LatencyHistogram();
  readonly service = new LatencyHistogram();
  readonly lag = new LatencyHistogram();
  readonly byOperation = new Map<string, LatencyHistogram>();
  readonly outcomes: Outcomes = emptyOutcomes();
  readonly statusCodes = new Map<number, number>();
  readonly captured = new Map<string, number>();
  /** Requests that waited for a free connection (started after their intended time). */
  lateStarts = 0;
  /** Wall time measured, ms (sum over slices). */
  elapsedMs = 0;
  readonly seconds: Second[] = [];
  /** Offset (s) added to second indexes: slices of one recorder follow each other. */
  secondOffset = 0;
  #start = 0;

  /** Mark the start of a measured slice (performance.now()). */
  begin(now: number): void {
    this.#start = now;
  }

  end(now: number): void {
    this.elapsedMs += now - this.#start;
    this.secondOffset = this.seconds.length;
  }

  #second(at: number): Second {
    const i = this.secondOffset + Math.max(0, Math.floor((at - this.#start) / 1000));
    let s = this.seconds[i];
    if (!s) {
      for (let k = this.seconds.length; k <= i; k++) this.seconds[k] = new Second();
      s = this.seconds[i];
    }
    return s;
  }

  scheduled(intended: number, lagMs: number): void {
    this.outcomes.scheduled++;
    this.lag.record(lagMs);
    this.#second(intended).sent++;
  }

  response(operation: string, status: number, intended: number, sentAt: number, now: number, captured: string | undefined): void {
    const ms = now - intended;
    this.latency.record(ms);
    this.service.record(now - sentAt);
    let h = this.byOperation.get(operation);
    if (!h) this.byOperation.set(operation, (h = new LatencyHistogram()));
    h.record(ms);
    const cls = CLASS[(status / 100) | 0] ?? '5xx';
    this.outcomes[cls]++;
    this.statusCodes.set(status, (this.statusCodes.get(status) ?? 0) + 1);
    const sec = this.#second(intended);
    sec.h.record(ms);
    if (status < 400) sec.ok++;
    else if (status < 500) sec.c4++;
    else sec.c5++;
    if (captured !== undefined) {
      this.captured.set(captured, (this.captured.get(captured) ?? 0) + 1);
      sec.captured ??= new Map();
      sec.captured.set(captured, (sec.captured.get(captured) ?? 0) + 1);
    }
  }

  failure(kind: 'timeout' | 'connectionError' | 'notSent', intended: number): void {
    this.outcomes[kind]++;
    this.#second(intended).errors++;
  }

  /** Fraction of requests that did not get a 1xx-3xx response. */
  failedRate(): number {
    const o = this.outcomes;
    const done = o.scheduled;
    return done ? (o['4xx'] + o['5xx'] + o.timeout + o.connectionError + o.notSent) / done : 0;
  }

  /** Completed responses per second over the measured time. */
  achievedRate(): number {
    const o = this.outcomes;
    const n = o['1xx'] + o['2xx'] + o['3xx'] + o['4xx'] + o['5xx'];
    return this.elapsedMs > 0 ? (n * 1000) / this.elapsedMs : 0;
  }

  /** Scheduled requests per second over the measured time. */
  scheduledRate(): number {
    return this.elapsedMs > 0 ? (this.outcomes.scheduled * 1000) / this.elapsedMs : 0;
  }

  series(): SecondStats[] {
    return this.seconds.map((s, t) => {
      const out: SecondStats = { t, sent: s.sent, ok: s.ok, '4xx': s.c4, '5xx': s.c5, errors: s.errors, p99: Math.round(s.h.percentile(99) * 1000) / 1000 };
      if (s.captured) out.captured = Object.fromEntries(s.captured);
      return out;
    });
  }

  /** The last completed second, for live progress. */
  lastSecond(now: number): { rate: number; p99: number; errors: number } | undefined {
    const i = this.secondOffset + Math.floor((now - this.#start) / 1000) - 1;
    const s = this.seconds[i];
    if (!s) return undefined;
    return { rate: s.ok + s.c4 + s.c5, p99: s.h.percentile(99), errors: s.errors + s.c5 };
  }
}
