// History: this run against a previous report.json (`run --baseline path`).
// Results are matched by suite, target, runtime and check; load runs by
// suite, target and scenario. A load figure "moved" only beyond a noise band
// (NOISE below): small wobbles between runs are not news.

import { readFile } from 'node:fs/promises';
import { checkLabel, type RunReport, type Status } from '../model/result.ts';
import { readLoad, type LoadRunView } from './load-section.ts';

export type Change = 'newlyFailing' | 'fixed' | 'stillFailing' | 'changed' | 'unchanged' | 'gone';

export interface HistoryRow {
  suite: string;
  target: string;
  runtime: string;
  check: string;
  before?: Status;
  after?: Status;
  change: Change;
  /** The index of the current result (for links), when there is one. */
  index?: number;
  message?: string;
}

export interface LoadDelta {
  suite: string;
  target: string;
  scenario: string;
  metric: string;
  unit: string;
  before: number;
  after: number;
  /** after/before - 1 (0 when before is 0). */
  relative: number;
  /** Worse for the proxy (slower, fewer per second, more errors). */
  worse: boolean;
}

export interface History {
  baseline: string;
  baselineStartedAt?: string;
  baselineSeed?: number;
  /** Why the baseline could not be used (the rest is then empty). */
  error?: string;
  rows: HistoryRow[];
  counts: Record<Change, number>;
  load: LoadDelta[];
}

/**
 * Noise bands: a metric moved when both the relative and the absolute change
 * exceed these (latency in ms, rates per second, error share in points).
 */
export const NOISE = {
  p50: { relative: 0.1, absolute: 0.2 },
  p99: { relative: 0.2, absolute: 0.5 },
  achievedRate: { relative: 0.05, absolute: 1 },
  errorShare: { relative: 0, absolute: 0.01 },
} as const;

const STATUSES = new Set(['passed', 'failed', 'skipped', 'notSupported']);

function classify(before: Status | undefined, after: Status | undefined): Change {
  if (after === undefined) return 'gone';
  if (after === 'failed') return before === 'failed' ? 'stillFailing' : 'newlyFailing';
  if (before === 'failed' && after === 'passed') return 'fixed';
  if (before === after) return 'unchanged';
  return 'changed';
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : String(v ?? '');
}

function errorShare(run: LoadRunView): number | undefined {
  const o = run.proxied.outcomes;
  if (!o || !o.scheduled) return undefined;
  return (o['5xx'] + o.timeout + o.connectionError) / o.scheduled;
}

function loadDeltas(current: unknown, baseline: unknown): LoadDelta[] {
  const a = readLoad(baseline);
  const b = readLoad(current);
  if (!a || !b) return [];
  const key = (r: LoadRunView) => JSON.stringify([r.suite, r.target, r.scenario]);
  const before = new Map(a.runs.map((r) => [key(r), r]));
  const out: LoadDelta[] = [];
  for (const run of b.runs) {
    const old = before.get(key(run));
    if (!old) continue;
    const metrics: Array<[string, string, number | undefined, number | undefined, { relative: number; absolute: number }, boolean]> = [
      ['p50 latency (proxied)', 'ms', old.proxied.latency.p50, run.proxied.latency.p50, NOISE.p50, true],
      ['p99 latency (proxied)', 'ms', old.proxied.latency.p99, run.proxied.latency.p99, NOISE.p99, true],
      ['achieved rate (proxied)', '/s', old.proxied.achievedRate, run.proxied.achievedRate, NOISE.achievedRate, false],
      ['error share (5xx, timeouts, connection errors)', '', errorShare(old), errorShare(run), NOISE.errorShare, true],
    ];
    if (old.overhead && run.overhead) metrics.push(['p99 overhead (proxied − direct)', 'ms', old.overhead.p99, run.overhead.p99, NOISE.p99, true]);
    for (const [metric, unit, x, y, noise, higherIsWorse] of metrics) {
      if (x === undefined || y === undefined) continue;
      const abs = Math.abs(y - x);
      const rel = x !== 0 ? y / x - 1 : 0;
      const beyond = abs > noise.absolute && (x === 0 || Math.abs(rel) > noise.relative);
      if (!beyond) continue;
      out.push({ suite: run.suite, target: run.target, scenario: run.scenario, metric, unit, before: x, after: y, relative: rel, worse: higherIsWorse ? y > x : y < x });
    }
  }
  return out;
}

/** Compare this run with a previous report (any JSON: read defensively). */
export function compareReports(current: RunReport, baseline: unknown, label: string): History {
  const counts: Record<Change, number> = { newlyFailing: 0, fixed: 0, stillFailing: 0, changed: 0, unchanged: 0, gone: 0 };
  const base = baseline as Partial<RunReport> | null;
  if (!base || typeof base !== 'object' || !Array.isArray(base.results)) {
    return { baseline: label, error: 'not a proxyproof report.json (no results list)', rows: [], counts, load: [] };
  }
  const key = (r: { suite: unknown; target: unknown; runtime: unknown; check: unknown; route?: unknown }) => JSON.stringify([str(r.suite), str(r.target), str(r.runtime), str(r.check), str(r.route)]);
  const before = new Map<string, Status>();
  for (const r of base.results as unknown[]) {
    if (!r || typeof r !== 'object') continue;
    const x = r as Record<string, unknown>;
    if (STATUSES.has(x.status as string)) before.set(key(x as never), x.status as Status);
  }
  const rows: HistoryRow[] = [];
  const seen = new Set<string>();
  current.results.forEach((r, index) => {
    const k = key(r);
    seen.add(k);
    const b = before.get(k);
    rows.push({ suite: r.suite, target: r.target, runtime: r.runtime, check: checkLabel(r), before: b, after: r.status, change: classify(b, r.status), index, message: r.message });
  });
  for (const [k, b] of before) {
    if (seen.has(k)) continue;
    const [suite, target, runtime, check, route] = JSON.parse(k) as string[];
    rows.push({ suite, target, runtime, check: checkLabel({ check, route: route || undefined }), before: b, change: 'gone' });
  }
  for (const row of rows) counts[row.change]++;
  return {
    baseline: label,
    baselineStartedAt: typeof base.startedAt === 'string' ? base.startedAt : undefined,
    baselineSeed: typeof base.seed === 'number' ? base.seed : undefined,
    rows,
    counts,
    load: loadDeltas(current.load, (base as { load?: unknown }).load),
  };
}

/** Read a baseline file; a file that cannot be read or parsed becomes a History with its error. */
export async function loadBaseline(current: RunReport, path: string): Promise<History> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return compareError(path, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return compareError(path, `not JSON: ${(err as Error).message}`);
  }
  return compareReports(current, parsed, path);
}

function compareError(label: string, error: string): History {
  return { baseline: label, error, rows: [], counts: { newlyFailing: 0, fixed: 0, stillFailing: 0, changed: 0, unchanged: 0, gone: 0 }, load: [] };
}
