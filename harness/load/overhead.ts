// Proxy overhead: the same scenario straight to the mock upstream and through
// the proxy, in one run, interleaved in slices (direct, proxied, direct, ...)
// so machine drift (other load, CPU frequency) lands on both paths alike.
// Added latency is proxied minus direct at p50, p90 and p99; the throughput
// ratio is proxied over direct achieved rate.

import { runEngine, modelDuration, type EngineOptions, type Model } from './engine.ts';
import { Recorder } from './recorder.ts';
import { accountingGap } from '../model/load-report.ts';
import type { PathReport } from '../model/load-report.ts';

export interface SliceOptions extends Omit<EngineOptions, 'endpoints' | 'model' | 'recorder' | 'warmupMs'> {
  model: Model;
  proxied: EngineOptions['endpoints'];
  /** Omit to measure the proxied path only. */
  direct?: EngineOptions['endpoints'];
  warmupMs: number;
  /** Slice length; default 2 s (at least 2 slices per path when both run). */
  sliceMs?: number;
}

export interface Measured {
  proxied: Recorder;
  direct?: Recorder;
  aborted: boolean;
  slices: number;
  connections: number;
}

/** Cut a model into consecutive slices of about sliceMs each. */
export function sliceModel(m: Model, sliceMs: number): Model[] {
  const total = modelDuration(m);
  if (m.kind !== 'ramping-arrival-rate') {
    const n = Math.max(1, Math.round(total / sliceMs));
    return Array.from({ length: n }, (_, i) => ({ ...m, durationMs: Math.round(((i + 1) * total) / n) - Math.round((i * total) / n) }));
  }
  // Ramps: cut each stage at slice boundaries, interpolating the rate.
  const out: Model[] = [];
  let rate = m.startRate;
  for (const s of m.stages) {
    const n = Math.max(1, Math.round(s.durationMs / sliceMs));
    for (let i = 0; i < n; i++) {
      const from = rate + ((s.target - rate) * i) / n;
      const to = rate + ((s.target - rate) * (i + 1)) / n;
      out.push({ ...m, startRate: from, stages: [{ target: to, durationMs: Math.round(s.durationMs / n) }] });
    }
    rate = s.target;
  }
  return out;
}

export async function measure(opts: SliceOptions): Promise<Measured> {
  const proxied = new Recorder();
  const direct = opts.direct ? new Recorder() : undefined;
  const sliceMs = opts.sliceMs ?? 2000;
  const slices = direct ? sliceModel(opts.model, sliceMs) : [opts.model];
  let aborted = false;
  let connections = 0;
  for (let i = 0; i < slices.length && !aborted; i++) {
    const warm = i === 0 ? opts.warmupMs : Math.min(opts.warmupMs, 200);
    if (direct) {
      await runEngine({ ...opts, endpoints: opts.direct!, model: slices[i], recorder: direct, warmupMs: warm, onTick: undefined, shouldAbort: undefined });
    }
    const r = await runEngine({ ...opts, endpoints: opts.proxied, model: slices[i], recorder: proxied, warmupMs: warm });
    aborted = r.aborted;
    connections = Math.max(connections, r.connections);
  }
  return { proxied, direct, aborted, slices: slices.length, connections };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function pathReport(r: Recorder): PathReport {
  return {
    latency: r.latency.summary(),
    service: r.service.summary(),
    lag: r.lag.summary(),
    histogram: r.latency.bucketList(),
    scheduledRate: round(r.scheduledRate()),
    achievedRate: round(r.achievedRate()),
    outcomes: { ...r.outcomes },
    accountingGap: accountingGap(r.outcomes),
    lateStarts: r.lateStarts,
    statusCodes: Object.fromEntries([...r.statusCodes].map(([k, v]) => [String(k), v])),
    perSecond: r.series(),
    byOperation: Object.fromEntries([...r.byOperation].map(([k, h]) => [k, h.summary()])),
    measuredMs: Math.round(r.elapsedMs),
  };
}

export function overheadOf(proxied: Recorder, direct: Recorder, slices: number): { p50: number; p90: number; p99: number; throughputRatio: number; slices: number } {
  const d = (p: number) => round(proxied.latency.percentile(p) - direct.latency.percentile(p));
  const dr = direct.achievedRate();
  return { p50: d(50), p90: d(90), p99: d(99), throughputRatio: dr > 0 ? round(proxied.achievedRate() / dr) : 0, slices };
}
