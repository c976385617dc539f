// The load section of index.html: reads `report.load` as unknown (the load
// engine's shape is harness/load/report-shape.ts, but a report on disk may be
// older, newer or hostile), keeps what has the expected shape, and draws
// latency percentiles and histograms (direct vs proxied), rate and status
// codes over time, thresholds and policies under load. Draws nothing when
// the report has no load data.

import { escapeHtml as h } from './escape.ts';
import { groupedBars, lineChart, num, short } from './charts.ts';
// The shapes the engine writes; the readers below still check every field of a report on disk.
import type { LatencySummary } from '../model/load-report.ts';
import type { Outcomes } from '../model/load-report.ts';

export type LatencyView = LatencySummary;

export type OutcomesView = Outcomes;

export interface PathView {
  latency: LatencyView;
  histogram: Array<{ le: number | null; count: number }>;
  perSecond: Array<{ t: number; sent: number; ok: number; '4xx': number; '5xx': number; errors: number; p99: number }>;
  scheduledRate?: number;
  achievedRate?: number;
  statusCodes: Record<string, number>;
  outcomes?: OutcomesView;
}

export interface LoadRunView {
  suite: string;
  target: string;
  scenario: string;
  executor: string;
  askedRate?: number;
  connections?: number;
  durationMs?: number;
  proxied: PathView;
  direct?: PathView;
  overhead?: { p50: number; p90: number; p99: number; throughputRatio: number };
  thresholds: Array<{ expression: string; actual: number | null; ok: boolean; note?: string }>;
  aborted: boolean;
}

export interface LoadView {
  runs: LoadRunView[];
  policies: Array<{ suite: string; target: string; policy: string; status: string; message: string; admittedPerSecond?: number[]; limitPerSecond?: number }>;
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const s = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const opt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function latency(v: unknown): LatencyView {
  const o = isObj(v) ? v : {};
  return { count: num(o.count), min: num(o.min), avg: num(o.avg), max: num(o.max), p50: num(o.p50), p90: num(o.p90), p95: num(o.p95), p99: num(o.p99), p999: num(o.p999) };
}

function path(v: unknown): PathView | undefined {
  if (!isObj(v) || !isObj(v.latency)) return undefined;
  const o = isObj(v.outcomes) ? v.outcomes : undefined;
  return {
    latency: latency(v.latency),
    histogram: arr(v.histogram)
      .filter(isObj)
      .map((b) => ({ le: b.le === null ? null : num(b.le), count: num(b.count) })),
    perSecond: arr(v.perSecond)
      .filter(isObj)
      .map((p) => ({ t: num(p.t), sent: num(p.sent), ok: num(p.ok), '4xx': num(p['4xx']), '5xx': num(p['5xx']), errors: num(p.errors), p99: num(p.p99) })),
    scheduledRate: opt(v.scheduledRate),
    achievedRate: opt(v.achievedRate),
    statusCodes: Object.fromEntries(Object.entries(isObj(v.statusCodes) ? v.statusCodes : {}).map(([k, c]) => [k, num(c)])),
    outcomes: o
      ? { scheduled: num(o.scheduled), '1xx': num(o['1xx']), '2xx': num(o['2xx']), '3xx': num(o['3xx']), '4xx': num(o['4xx']), '5xx': num(o['5xx']), timeout: num(o.timeout), connectionError: num(o.connectionError), notSent: num(o.notSent) }
      : undefined,
  };
}

/** The load section, or undefined when there is none (or nothing usable in it). */
export function readLoad(load: unknown): LoadView | undefined {
  if (!isObj(load)) return undefined;
  const runs: LoadRunView[] = [];
  for (const r of arr(load.runs)) {
    if (!isObj(r)) continue;
    const proxied = path(r.proxied);
    if (!proxied) continue;
    const ov = isObj(r.overhead) ? r.overhead : undefined;
    runs.push({
      suite: s(r.suite),
      target: s(r.target),
      scenario: s(r.scenario),
      executor: s(r.executor),
      askedRate: opt(r.askedRate),
      connections: opt(r.connections),
      durationMs: opt(r.durationMs),
      proxied,
      direct: path(r.direct),
      overhead: ov ? { p50: num(ov.p50), p90: num(ov.p90), p99: num(ov.p99), throughputRatio: num(ov.throughputRatio) } : undefined,
      thresholds: arr(r.thresholds)
        .filter(isObj)
        .map((t) => ({ expression: s(t.expression), actual: opt(t.actual) ?? null, ok: t.ok === true, note: t.note === undefined ? undefined : s(t.note) })),
      aborted: r.aborted === true,
    });
  }
  const policies = arr(load.policies)
    .filter(isObj)
    .map((p) => {
      const d = isObj(p.data) ? p.data : {};
      const admitted = arr(d.admittedPerSecond).map(num);
      // The limit per second, for the chart's reference line (rate limit under load only).
      const limit = num(d.limit) > 0 && num(d.windowMs) > 0 ? (num(d.limit) * 1000) / num(d.windowMs) : undefined;
      return { suite: s(p.suite), target: s(p.target), policy: s(p.policy), status: s(p.status), message: s(p.message), ...(p.policy === 'rateLimit' && admitted.length ? { admittedPerSecond: admitted, limitPerSecond: limit } : {}) };
    });
  if (!runs.length && !policies.length) return undefined;
  return { runs, policies };
}

const PCTS: Array<[keyof LatencyView, string]> = [
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p95', 'p95'],
  ['p99', 'p99'],
  ['p999', 'p99.9'],
];

function bucketLabel(le: number | null, prev: number | null): string {
  if (le === null) return `> ${short(prev ?? 0)} ms`;
  return `≤ ${short(le)} ms`;
}

function runBlock(run: LoadRunView, i: number): string {
  const name = `${run.suite} / ${run.target} · ${run.scenario}`;
  const paths: Array<[string, string, PathView]> = [['direct', 's-direct', run.direct!], ['proxied', 's-proxied', run.proxied]].filter((p) => p[2]) as Array<[string, string, PathView]>;
  const rows = [
    ['requests', ...paths.map(([, , p]) => short(p.latency.count))],
    ...PCTS.map(([k, label]) => [`${label} latency (ms)`, ...paths.map(([, , p]) => short(p.latency[k]))]),
    ['achieved rate (/s)', ...paths.map(([, , p]) => (p.achievedRate === undefined ? '' : short(p.achievedRate)))],
    ['status codes', ...paths.map(([, , p]) => Object.entries(p.statusCodes).map(([c, n]) => `${c}: ${n}`).join(', '))],
  ];
  const table =
    `<div class="scroll"><table class="load-figures" data-run="${i}"><thead><tr><th></th>${paths.map(([n]) => `<th>${h(n)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map(([k, ...v]) => `<tr><th>${h(k)}</th>${v.map((x) => `<td>${h(x)}</td>`).join('')}</tr>`).join('') +
    `</tbody></table></div>`;
  const overhead = run.overhead
    ? `<p>Proxy overhead: p50 +${h(short(run.overhead.p50))} ms, p90 +${h(short(run.overhead.p90))} ms, p99 +${h(short(run.overhead.p99))} ms; throughput ratio ${h(short(run.overhead.throughputRatio))}.</p>`
    : '';
  const percentiles = groupedBars({
    kind: 'latency',
    title: `${name}: latency percentiles (ms), direct vs proxied`,
    categories: PCTS.map(([, l]) => l),
    series: paths.map(([n, cls, p]) => ({ name: n, cls, values: PCTS.map(([k]) => p.latency[k]) })),
    yLabel: 'ms',
  });
  const edges = run.proxied.histogram.length ? run.proxied.histogram : (run.direct?.histogram ?? []);
  // Keep the buckets from the first to the last that has any count, on either path.
  const used = edges.map((_, k) => paths.some(([, , p]) => num(p.histogram[k]?.count) > 0));
  const first = used.indexOf(true);
  const last = used.lastIndexOf(true);
  const histogram =
    first >= 0
      ? groupedBars({
          kind: 'histogram',
          title: `${name}: latency histogram (requests per bucket)`,
          categories: edges.slice(first, last + 1).map((b, k) => bucketLabel(b.le, edges[first + k - 1]?.le ?? null)),
          series: paths.map(([n, cls, p]) => ({ name: n, cls, values: p.histogram.slice(first, last + 1).map((b) => b.count) })),
          yLabel: 'requests',
          integer: true,
        })
      : '';
  const ps = run.proxied.perSecond;
  const overTime = ps.length
    ? lineChart({
        kind: 'rate',
        title: `${name}: proxied requests per second by outcome`,
        x: ps.map((p) => p.t),
        xLabel: 'seconds',
        yLabel: 'per second',
        series: [
          { name: 'sent', cls: 'c-sent', values: ps.map((p) => p.sent) },
          { name: 'ok (<400)', cls: 'c-ok', values: ps.map((p) => p.ok) },
          { name: '4xx', cls: 'c-4xx', values: ps.map((p) => p['4xx']) },
          { name: '5xx', cls: 'c-5xx', values: ps.map((p) => p['5xx']) },
          { name: 'errors', cls: 'c-err', values: ps.map((p) => p.errors) },
        ],
      }) +
      lineChart({ kind: 'p99', title: `${name}: proxied p99 latency per second (ms)`, x: ps.map((p) => p.t), xLabel: 'seconds', yLabel: 'ms', series: [{ name: 'p99', cls: 'c-p99', values: ps.map((p) => p.p99) }] })
    : '';
  const thresholds = run.thresholds.length
    ? `<table><thead><tr><th>Threshold</th><th>Actual</th><th>Verdict</th></tr></thead><tbody>${run.thresholds
        .map((t) => `<tr><td><code>${h(t.expression)}</code></td><td>${t.actual === null ? `<span class="muted">${h(t.note ?? 'not measured')}</span>` : h(short(t.actual))}</td><td class="st ${t.ok ? 'passed' : 'failed'}">${t.ok ? '✓ ok' : '✗ crossed'}</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  const meta = [run.executor, run.askedRate !== undefined ? `${short(run.askedRate)}/s asked` : '', run.connections !== undefined ? `${run.connections} connections` : '', run.durationMs !== undefined ? `${short(run.durationMs / 1000)} s` : '', run.aborted ? 'aborted by a threshold' : '']
    .filter(Boolean)
    .join(' · ');
  return `<article class="load-run" id="l${i}"><h3>${h(name)}</h3><p class="muted">${h(meta)}</p>${table}${overhead}<div class="charts">${percentiles}${histogram}${overTime}</div>${thresholds}</article>`;
}

/** Rate limit under load: requests admitted per second against the limit. */
function admittedChart(p: LoadView['policies'][number]): string {
  const a = p.admittedPerSecond;
  if (!a?.length) return '';
  const series = [{ name: 'admitted', cls: 'c-ok', values: a }];
  if (p.limitPerSecond !== undefined) series.push({ name: 'limit', cls: 'c-limit', values: a.map(() => p.limitPerSecond!) });
  return lineChart({ kind: 'rl-load', title: `${p.suite} / ${p.target}: rate limit under load, admitted per second against the limit`, x: a.map((_, i) => i), xLabel: 'seconds', yLabel: 'admitted', series });
}

/** The HTML of the load section; '' when the report has no load data. */
export function renderLoadSection(load: unknown): string {
  const view = readLoad(load);
  if (!view) return '';
  const policies = view.policies.length
    ? `<h3>Policies under load</h3><table><thead><tr><th>Suite / target</th><th>Policy</th><th>Verdict</th><th>Message</th></tr></thead><tbody>${view.policies
        .map((p) => {
          const st = ['passed', 'failed', 'skipped'].includes(p.status) ? p.status : 'skipped';
          return `<tr><td>${h(p.suite)} / ${h(p.target)}</td><td>${h(p.policy)}</td><td class="st ${st}">${h(p.status)}</td><td>${h(p.message)}</td></tr>`;
        })
        .join('')}</tbody></table>${view.policies.map(admittedChart).join('')}`
    : '';
  return `<section id="load"><h2>Load</h2>${view.runs.map(runBlock).join('\n')}${policies}</section>`;
}

