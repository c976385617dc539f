// index.html: one self-contained page. No scripts run, nothing is fetched: the
// Content-Security-Policy allows only the page's own stylesheet (by hash).
// The failure filter is CSS only (radio inputs and sibling selectors), charts
// are inline SVG (charts.ts). Every string from the run is escaped; the raw
// report rides along as an inert <script type="application/json"> data block
// for tools.

import { createHash } from 'node:crypto';
import { checkLabel, type CheckResult, type Evidence, type Exchange, type RunReport, type Status, type TargetRun } from '../model/result.ts';
import { escapeHtml as h, jsonForScript } from './escape.ts';
import { CHART_CSS, canaryChart, num, pct, rateLimitChart, resetChartIds, retryChart, short, type CanaryBand, type TimelinePoint } from './charts.ts';
import { NOISE, type Change, type History } from './history.ts';
import { renderLoadSection } from './load-section.ts';

export interface HtmlOptions {
  /** The comparison with a previous report (`run --baseline`). */
  history?: History;
}

const LOG_LINES = 200;
const LOG_CHARS = 20_000;
const BODY_CHARS = 20_000;
const TABLE_ROWS = 200;
const LOG_MATCHES = 40;

const LABEL: Record<Status, string> = {
  passed: '✓ passed',
  failed: '✗ failed',
  skipped: '○ skipped',
  notSupported: '⊘ not supported',
};

const CSS = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9; --skip: #6e7781; --skip-bg: #eaeef2; --ns: #9a6700; --ns-bg: #fff8c5;
  --accent: #0969da; --accent-bg: #ddf4ff; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --panel: #161b22;
    --pass: #3fb950; --pass-bg: #12261e; --fail: #f85149; --fail-bg: #2d1214; --skip: #8d96a0; --skip-bg: #21262d; --ns: #d29922; --ns-bg: #2b2111;
    --accent: #4493f8; --accent-bg: #121d2f; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 1.5rem; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; } h3 { margin: 0 0 .5rem; font-size: 1.05rem; } h4 { margin: .8rem 0 .3rem; }
.meta, .muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
thead th { background: var(--panel); }
th { overflow-wrap: break-word; }
.scroll { overflow-x: auto; }
.matrix { width: auto; min-width: 50%; }
.matrix td, .matrix th { white-space: nowrap; overflow-wrap: normal; }
.matrix thead th small { display: block; font-weight: 400; color: var(--muted); }
.matrix tbody th { white-space: normal; overflow-wrap: anywhere; max-width: 18rem; }
table.wide { min-width: 40rem; }
.matrix td a { text-decoration: none; }
pre { background: var(--panel); border: 1px solid var(--line); padding: .6rem; overflow: auto; max-height: 32rem; white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
a { color: inherit; }
.st { font-weight: 600; white-space: nowrap; }
.passed { color: var(--pass); background: var(--pass-bg); } .failed { color: var(--fail); background: var(--fail-bg); }
.skipped { color: var(--skip); background: var(--skip-bg); } .notSupported { color: var(--ns); background: var(--ns-bg); }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-size: .85rem; font-weight: 600; }
.summary .badge { margin-right: .25rem; } .summary .n { margin-right: 1rem; font-weight: 600; }
article { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: .8rem 1rem; margin: 1rem 0; }
article.r-passed { border-left-color: var(--pass); } article.r-failed { border-left-color: var(--fail); }
article.r-skipped { border-left-color: var(--skip); } article.r-notSupported { border-left-color: var(--ns); }
details { margin: .4rem 0; } summary { cursor: pointer; font-weight: 600; }
.msg { margin: .25rem 0 .5rem; white-space: pre-wrap; }
.error { color: var(--fail); font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 0 1.5rem; }
.filter-input { position: absolute; opacity: 0; width: 1px; height: 1px; margin: 0; }
.filter { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .75rem 0 0; }
.filter label { border: 1px solid var(--line); border-radius: 1rem; padding: .15rem .8rem; cursor: pointer; background: var(--panel); user-select: none; }
#f-all:checked ~ header label[for="f-all"], #f-failed:checked ~ header label[for="f-failed"], #f-notpassed:checked ~ header label[for="f-notpassed"] { background: var(--accent); border-color: var(--accent); color: var(--bg); }
#f-all:focus-visible ~ header label[for="f-all"], #f-failed:focus-visible ~ header label[for="f-failed"], #f-notpassed:focus-visible ~ header label[for="f-notpassed"] { outline: 2px solid var(--accent); outline-offset: 2px; }
#f-failed:checked ~ main .result:not(.r-failed), #f-failed:checked ~ main .matrix tr.row:not(.has-failed) { display: none; }
#f-notpassed:checked ~ main .result.r-passed, #f-notpassed:checked ~ main .matrix tr.row:not(.has-notpassed) { display: none; }
.filter-empty { display: none; }
#f-failed:checked ~ main .filter-empty.no-failed, #f-notpassed:checked ~ main .filter-empty.no-notpassed { display: block; }
.ch-newlyFailing { color: var(--fail); font-weight: 600; } .ch-fixed { color: var(--pass); font-weight: 600; } .ch-stillFailing { color: var(--fail); }
.worse { color: var(--fail); font-weight: 600; } .better { color: var(--pass); font-weight: 600; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .3rem 0; }
.kv dt { color: var(--muted); } .kv dd { margin: 0; }
@media (max-width: 640px) {
  body { padding: .75rem; font-size: 14px; }
  h1 { font-size: 1.3rem; }
  article { padding: .6rem .7rem; }
  .summary .n { margin-right: .5rem; }
}
${CHART_CSS}`;

const CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(CSS, 'utf8').digest('base64')}'; img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'`;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}

function logExcerpt(log: string): { text: string; note: string } {
  const lines = log.split('\n');
  let text = lines.length > LOG_LINES ? lines.slice(-LOG_LINES).join('\n') : log;
  if (text.length > LOG_CHARS) text = text.slice(-LOG_CHARS);
  const note = text.length < log.length ? `last ${Math.min(lines.length, LOG_LINES)} of ${lines.length} lines` : `${lines.length} lines`;
  return { text, note };
}

function badge(s: Status): string {
  return `<span class="badge ${s}">${h(LABEL[s])}</span>`;
}

function headersTable(headers: Record<string, string> | undefined): string {
  const entries = Object.entries(headers ?? {});
  if (!entries.length) return '<p class="muted">no headers</p>';
  return `<table><tbody>${entries.map(([k, v]) => `<tr><th>${h(k)}</th><td><code>${h(v)}</code></td></tr>`).join('')}</tbody></table>`;
}

function exchangeDetail(x: Exchange, i: number): string {
  const req = `<h4>Request</h4><pre>${h(`${x.request.method} ${x.request.url}`)}</pre>${headersTable(x.request.headers)}${x.request.body !== undefined ? `<pre>${h(clip(x.request.body, BODY_CHARS))}</pre>` : ''}`;
  const res = x.response
    ? `<h4>Response ${h(x.response.status)}</h4>${headersTable(x.response.headers)}${x.response.body !== undefined ? `<pre>${h(clip(x.response.body, BODY_CHARS))}</pre>` : ''}`
    : '<h4>Response</h4><p class="muted">no response</p>';
  return `<details><summary>Exchange ${i + 1}: ${h(x.request.method)} ${h(x.request.url)}</summary>${req}${res}</details>`;
}

function exchanges(list: Exchange[]): string {
  const rows = list
    .slice(0, TABLE_ROWS)
    .map(
      (x, i) =>
        `<tr><td>${i + 1}</td><td><code>${h(x.request.method)}</code></td><td><code>${h(x.request.url)}</code></td><td>${x.response ? h(x.response.status) : '<span class="muted">none</span>'}</td><td>${x.upstreamTries ?? ''}</td><td>${h(x.servedBy ?? '')}</td><td>${h(x.note ?? '')}</td></tr>`,
    )
    .join('');
  const more = list.length > TABLE_ROWS ? `<p class="muted">${list.length - TABLE_ROWS} more exchanges in report.json</p>` : '';
  const details = list.slice(0, 20).map(exchangeDetail).join('');
  return `<h4>Exchanges</h4><div class="scroll"><table class="wide"><thead><tr><th>#</th><th>Method</th><th>URL</th><th>Status</th><th>Upstream tries</th><th>Served by</th><th>Note</th></tr></thead><tbody>${rows}</tbody></table></div>${more}${details}`;
}

const isPrimitive = (v: unknown): boolean => v === null || ['string', 'number', 'boolean'].includes(typeof v);

function cell(v: unknown): string {
  return isPrimitive(v) ? h(String(v)) : `<code>${h(JSON.stringify(v))}</code>`;
}

function dataValue(v: unknown): string {
  if (isPrimitive(v)) return h(String(v));
  if (Array.isArray(v) && v.length && v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
    const cols = [...new Set(v.flatMap((x) => Object.keys(x as object)))];
    if (cols.length <= 12) {
      const rows = v
        .slice(0, TABLE_ROWS)
        .map((x) => `<tr>${cols.map((c) => `<td>${cell((x as Record<string, unknown>)[c] ?? '')}</td>`).join('')}</tr>`)
        .join('');
      const more = v.length > TABLE_ROWS ? `<p class="muted">${v.length - TABLE_ROWS} more rows in report.json</p>` : '';
      return `<table><thead><tr>${cols.map((c) => `<th>${h(c)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>${more}`;
    }
  }
  if (Array.isArray(v) && v.every(isPrimitive) && v.length <= 50) return h(v.map(String).join(', '));
  return `<pre>${h(clip(JSON.stringify(v, null, 2) ?? String(v), BODY_CHARS))}</pre>`;
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The charts a result's evidence data supports: canary bands, a rate-limit timeline, retry scenarios. */
function chartsFor(r: CheckResult): string {
  const d = r.evidence.data;
  if (!isObj(d)) return '';
  const where = `${r.suite} / ${r.target}`;
  const out: string[] = [];
  if (Array.isArray(d.bands)) {
    const bands: CanaryBand[] = d.bands.filter(isObj).map((b) => ({
      version: String(b.version ?? ''),
      expected: num(b.expected),
      observed: num(b.observed),
      count: b.count === undefined ? undefined : num(b.count),
      interval: Array.isArray(b.interval) && b.interval.length === 2 ? [num(b.interval[0]), num(b.interval[1])] : undefined,
    }));
    if (bands.length) {
      const requests = num(d.requests);
      out.push(canaryChart(bands, { title: `Canary shares per version, ${where}${requests ? ` (${requests} requests)` : ''}`, tolerance: num(d.tolerance), requests }));
    }
  }
  if (Array.isArray(d.timeline) && d.limit !== undefined) {
    const timeline: TimelinePoint[] = d.timeline.filter(isObj).map((p) => ({ t: num(p.t), status: num(p.status) }));
    if (timeline.length) out.push(rateLimitChart(timeline, { title: `Rate-limit burst, ${where}: admitted and 429 against the limit of ${num(d.limit)} per ${short(num(d.windowMs))} ms`, limit: num(d.limit), windowMs: num(d.windowMs) || 1000 }));
  }
  if (Array.isArray(d.scenarios)) {
    const sc = d.scenarios.filter(isObj).filter((x) => x.expectedTries !== undefined || x.seenTries !== undefined);
    if (sc.length) {
      out.push(
        retryChart(
          sc.map((x) => ({ scenario: String(x.scenario ?? ''), expectedTries: num(x.expectedTries), seenTries: num(x.seenTries), clientStatus: num(x.clientStatus) })),
          `Retry: tries seen at the upstream per scenario, ${where}`,
        ),
      );
    }
  }
  return out.length ? `<div class="charts">${out.join('')}</div>` : '';
}

/** Proxy log lines that carry the request ids of the result's exchanges. */
function matchingLogLines(e: Evidence, run: TargetRun | undefined): string[] {
  if (!run?.log || !e.exchanges?.length) return [];
  const ids = new Set<string>();
  for (const x of e.exchanges) {
    for (const [k, v] of Object.entries(x.request.headers ?? {})) if (/^x-request-id$/i.test(k) && typeof v === 'string' && v.length >= 4) ids.add(v);
  }
  if (!ids.size) return [];
  const out: string[] = [];
  for (const line of run.log.split('\n')) {
    for (const id of ids) {
      const at = line.indexOf(id);
      // whole id only: pp-1-nginx-r-1 must not match pp-1-nginx-r-12
      if (at >= 0 && !/[A-Za-z0-9]/.test(line[at + id.length] ?? '')) {
        out.push(line);
        break;
      }
    }
    if (out.length >= LOG_MATCHES) break;
  }
  return out;
}

function evidence(e: Evidence, run: TargetRun | undefined): string {
  const parts: string[] = [];
  if (e.curl) parts.push(`<h4>Reproduce</h4><pre class="curl">${h(e.curl)}</pre>`);
  if (e.exchanges?.length) parts.push(exchanges(e.exchanges));
  const lines = matchingLogLines(e, run);
  if (lines.length) parts.push(`<h4>Proxy log lines for these requests</h4><pre class="log-excerpt">${h(clip(lines.join('\n'), LOG_CHARS))}</pre>`);
  if (e.data && Object.keys(e.data).length) {
    parts.push(`<h4>Data</h4><table><tbody>${Object.entries(e.data).map(([k, v]) => `<tr><th>${h(k)}</th><td>${dataValue(v)}</td></tr>`).join('')}</tbody></table>`);
  }
  return parts.join('');
}

function resultArticle(r: CheckResult, id: string, seed: number, run: { index: number; run: TargetRun } | undefined): string {
  const warn = r.warnings?.length ? `<ul>${r.warnings.map((w) => `<li>warning: ${h(w)}</li>`).join('')}</ul>` : '';
  const ev = evidence(r.evidence, run?.run);
  const evBlock = ev ? `<details${r.status === 'failed' ? ' open' : ''}><summary>Evidence</summary>${ev}</details>` : '';
  const meta =
    `<p class="muted">${h(r.runtime)} runtime · ${h(r.durationMs)} ms · seed <code>${h(seed)}</code>` +
    (run ? ` · <a href="#t${run.index}">proxy config and log</a>` : '') +
    `</p>`;
  return (
    `<article id="${id}" class="result r-${r.status}" data-check="${h(r.check)}" data-target="${h(r.target)}" data-status="${h(r.status)}"><h3>${h(checkLabel(r))} · ${h(r.suite)} / ${h(r.target)} ${badge(r.status)}</h3>` +
    `<p class="msg">${h(r.message)}</p>${warn}${meta}${chartsFor(r)}${evBlock}</article>`
  );
}

function targetArticle(t: TargetRun, id: string): string {
  const log = logExcerpt(t.log);
  return (
    `<article id="${id}" class="target"><h3>${h(t.suite)} / ${h(t.target)}</h3>` +
    `<p class="muted">${t.mode === 'render' ? 'rendered config' : 'user config'} · ${h(t.runtime)} runtime${t.image ? ` · image <code>${h(t.image)}</code>` : ''}${t.readyMs !== undefined ? ` · ready in ${h(t.readyMs)} ms` : ''}</p>` +
    (t.error ? `<p class="error">${h(t.error)}</p>` : '') +
    `<details><summary>Proxy config</summary><pre>${h(t.config)}</pre></details>` +
    `<details${t.error ? ' open' : ''}><summary>Proxy log (${h(log.note)})</summary><pre>${h(log.text) || '<span class="muted">empty</span>'}</pre></details>` +
    `</article>`
  );
}

const CHANGE_LABEL: Record<Change, string> = {
  newlyFailing: 'newly failing',
  fixed: 'fixed',
  stillFailing: 'still failing',
  changed: 'changed',
  unchanged: 'unchanged',
  gone: 'no longer run',
};

function statusText(s: Status | undefined): string {
  return s ? LABEL[s] : '—';
}

function historySection(hist: History): string {
  const head = `<p class="muted">Compared with <code>${h(hist.baseline)}</code>${hist.baselineStartedAt ? ` (started ${h(hist.baselineStartedAt)}` : ''}${hist.baselineSeed !== undefined ? `${hist.baselineStartedAt ? ', ' : ' ('}seed ${h(hist.baselineSeed)})` : hist.baselineStartedAt ? ')' : ''}.</p>`;
  if (hist.error) return `<section id="history"><h2>Since the baseline</h2>${head}<p class="error">The baseline could not be used: ${h(hist.error)}</p></section>`;
  const c = hist.counts;
  const counts = `<p class="summary history-counts" data-newly-failing="${c.newlyFailing}" data-fixed="${c.fixed}" data-unchanged="${c.unchanged}"><span class="ch-newlyFailing">${c.newlyFailing} newly failing</span> · <span class="ch-fixed">${c.fixed} fixed</span> · ${c.stillFailing} still failing · ${c.changed} changed · ${c.unchanged} unchanged${c.gone ? ` · ${c.gone} no longer run` : ''}</p>`;
  const order: Change[] = ['newlyFailing', 'fixed', 'stillFailing', 'changed', 'gone'];
  const notable = hist.rows.filter((r) => r.change !== 'unchanged').sort((a, b) => order.indexOf(a.change) - order.indexOf(b.change));
  const table = notable.length
    ? `<div class="scroll"><table class="history"><thead><tr><th>Change</th><th>Check</th><th>Suite / target</th><th>Before</th><th>Now</th></tr></thead><tbody>${notable
        .map(
          (r) =>
            `<tr class="hist-${r.change}" data-change="${r.change}"><td class="ch-${r.change}">${h(CHANGE_LABEL[r.change])}</td><td>${r.index !== undefined ? `<a href="#r${r.index}">${h(r.check)}</a>` : h(r.check)}</td><td>${h(r.suite)} / ${h(r.target)} <span class="muted">(${h(r.runtime)})</span></td><td>${h(statusText(r.before))}</td><td>${h(statusText(r.after))}</td></tr>`,
        )
        .join('')}</tbody></table></div>`
    : '<p>No verdict changed.</p>';
  const load = hist.load.length
    ? `<h3>Load figures that moved beyond noise</h3><p class="muted">Moved means beyond both bands: p50 ${pct(NOISE.p50.relative, 0)} and ${NOISE.p50.absolute} ms, p99 ${pct(NOISE.p99.relative, 0)} and ${NOISE.p99.absolute} ms, achieved rate ${pct(NOISE.achievedRate.relative, 0)}, error share ${pct(NOISE.errorShare.absolute, 0)} points.</p><div class="scroll"><table class="load-moves"><thead><tr><th>Suite / target · scenario</th><th>Figure</th><th>Before</th><th>Now</th><th>Change</th></tr></thead><tbody>${hist.load
        .map((d) => {
          const fmt = (v: number) => (d.unit ? `${short(v)} ${d.unit}` : pct(v, 2));
          return `<tr><td>${h(d.suite)} / ${h(d.target)} · ${h(d.scenario)}</td><td>${h(d.metric)}</td><td>${h(fmt(d.before))}</td><td>${h(fmt(d.after))}</td><td class="${d.worse ? 'worse' : 'better'}">${d.before ? `${d.relative >= 0 ? '+' : ''}${h(pct(d.relative))}` : 'from 0'} (${d.worse ? 'worse' : 'better'})</td></tr>`;
        })
        .join('')}</tbody></table></div>`
    : '';
  return `<section id="history"><h2>Since the baseline</h2>${head}${counts}${table}${load}</section>`;
}

function importsSection(report: RunReport): string {
  const imports = report.imports ?? [];
  const notes = imports.flatMap((i) => i.notes.map((n) => ({ suite: i.suite, ...n })));
  if (!imports.length) return '';
  return (
    `<section id="imports"><h2>Imported policies</h2>` +
    imports.map((i) => `<p>${h(i.suite)}: ${i.from.map((f) => `<code>${h(f)}</code>`).join(', ')}</p>`).join('') +
    (notes.length
      ? `<div class="scroll"><table><thead><tr><th>Suite</th><th>Source</th><th>Resource</th><th>Kind</th><th>What could not be expressed</th></tr></thead><tbody>${notes
          .map((n) => `<tr><td>${h(n.suite)}</td><td>${h(n.source)}</td><td>${h(n.resource)}</td><td>${h(n.kind)}</td><td>${h(n.message)}</td></tr>`)
          .join('')}</tbody></table></div>`
      : '') +
    `</section>`
  );
}

/**
 * The report as embedded in the page: proxy logs cut to the excerpt the page
 * shows (the full logs are in report.json beside it), so the page stays small.
 */
function embedded(report: RunReport): RunReport {
  if (!report.targets.some((t) => logExcerpt(t.log).text.length < t.log.length)) return report;
  return {
    ...report,
    targets: report.targets.map((t) => {
      const log = logExcerpt(t.log);
      return log.text.length < t.log.length ? { ...t, log: `… (${log.note}; the full log is in report.json)\n${log.text}` } : t;
    }),
  };
}

export function renderHtmlReport(report: RunReport, opts: HtmlOptions = {}): string {
  resetChartIds();
  const page = indexPage(report);
  const s = report.summary;
  const verdict = s.failed > 0 ? 'failed' : 'passed';
  const title = `proxyproof: ${verdict} (${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ${s.notSupported} not supported)`;
  return (
    pageHead(title) +
    FILTER_INPUTS +
    pageHeader(page, verdict) +
    `<main>\n` +
    (opts.history ? `${historySection(opts.history)}\n` : '') +
    verdictsSection(page) +
    checksSection(page) +
    renderLoadSection((report as { load?: unknown }).load) +
    importsSection(report) +
    `<section id="targets"><h2>Targets</h2>${report.targets.map((t, i) => targetArticle(t, `t${i}`)).join('\n') || '<p class="muted">none</p>'}</section>\n` +
    `</main>\n<script type="application/json" id="proxyproof-report">${jsonForScript(embedded(report))}</script>\n</body>\n</html>\n`
  );
}

/** A column of the verdict matrix. */
interface Column {
  suite: string;
  target: string;
  runtime: string;
}

/** What the page's parts share: the report and where things are in it. */
interface Page {
  report: RunReport;
  columns: Column[];
  checks: string[];
  /** The element id of each result's article. */
  ids: Map<CheckResult, string>;
  /** The results per matrix cell (cellKey). */
  byCell: Map<string, CheckResult[]>;
  /** The first target run per column (colKey). */
  runOf: Map<string, { index: number; run: TargetRun }>;
  failedN: number;
  notPassedN: number;
}

/** Worst first: the order of the checks on the page, and which status a matrix cell shows. */
const WORST_FIRST: Status[] = ['failed', 'notSupported', 'skipped', 'passed'];

const colKey = (s: string, t: string, rt: string) => JSON.stringify([s, t, rt]);
const cellKey = (check: string, suite: string, target: string, runtime: string) => JSON.stringify([check, suite, target, runtime]);

function indexPage(report: RunReport): Page {
  const byCell = new Map<string, CheckResult[]>();
  for (const r of report.results) {
    const k = cellKey(checkLabel(r), r.suite, r.target, r.runtime);
    byCell.set(k, [...(byCell.get(k) ?? []), r]);
  }
  const runOf = new Map<string, { index: number; run: TargetRun }>();
  report.targets.forEach((t, index) => {
    const k = colKey(t.suite, t.target, t.runtime);
    if (!runOf.has(k)) runOf.set(k, { index, run: t });
  });
  return {
    report,
    columns: matrixColumns(report),
    // A route-scoped result is a row of its own: `retry (route refunds)`, grouped after the suite-wide check.
    checks: [...new Set(report.results.map(checkLabel))],
    ids: new Map<CheckResult, string>(report.results.map((r, i) => [r, `r${i}`])),
    byCell,
    runOf,
    failedN: report.results.filter((r) => r.status === 'failed').length,
    notPassedN: report.results.filter((r) => r.status !== 'passed').length,
  };
}

/** One column per suite, target and runtime: the targets' first, then those only results name. */
function matrixColumns(report: RunReport): Column[] {
  const columns: Column[] = [];
  const seen = new Set<string>();
  const addCol = (suite: string, target: string, runtime: string) => {
    const k = colKey(suite, target, runtime);
    if (!seen.has(k)) {
      seen.add(k);
      columns.push({ suite, target, runtime });
    }
  };
  for (const t of report.targets) addCol(t.suite, t.target, t.runtime);
  for (const r of report.results) addCol(r.suite, r.target, r.runtime);
  return columns;
}

function pageHead(title: string): string {
  return (
    `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="referrer" content="no-referrer">\n<meta name="color-scheme" content="light dark">\n` +
    `<title>${h(title)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n`
  );
}

/** The filter's radio inputs come before the header and main: the CSS sibling selectors (~) that act on them need that. */
const FILTER_INPUTS =
  `<input class="filter-input" type="radio" name="filter" id="f-all" checked aria-label="show all results">` +
  `<input class="filter-input" type="radio" name="filter" id="f-failed" aria-label="show failures only">` +
  `<input class="filter-input" type="radio" name="filter" id="f-notpassed" aria-label="show results that did not pass">\n`;

function pageHeader(page: Page, verdict: Status): string {
  const { report } = page;
  const s = report.summary;
  const filter =
    `<nav class="filter" aria-label="Filter results"><span class="muted">Show:</span>` +
    `<label for="f-all">all (${report.results.length})</label><label for="f-failed">failures only (${page.failedN})</label><label for="f-notpassed">not passed (${page.notPassedN})</label></nav>`;
  return (
    `<header><h1>proxyproof report ${badge(verdict)}</h1>` +
    `<p class="meta">${h(report.tool.name)} ${h(report.tool.version)} · seed <code>${h(report.seed)}</code> · started ${h(report.startedAt)} · finished ${h(report.finishedAt)}</p>` +
    `<p class="summary">${badge('passed')} <span class="n">${s.passed}</span>${badge('failed')} <span class="n">${s.failed}</span>${badge('skipped')} <span class="n">${s.skipped}</span>${badge('notSupported')} <span class="n">${s.notSupported}</span></p>` +
    `<p class="muted">Rerun with the same seed: <code>--seed ${h(report.seed)}</code>. Credentials are redacted.</p>${filter}</header>\n`
  );
}

function verdictsSection(page: Page): string {
  const empty = `<p class="filter-empty no-failed muted">No failures.</p>` + (page.notPassedN ? '' : `<p class="filter-empty no-notpassed muted">Everything passed.</p>`);
  return `<section id="verdicts"><h2>Verdicts</h2>${verdictMatrix(page)}${page.failedN ? '' : empty}</section>\n`;
}

function verdictMatrix(page: Page): string {
  if (!page.checks.length) return '<p class="muted">No checks ran.</p>';
  const runtimes = new Set(page.columns.map((c) => c.runtime));
  const head = page.columns.map((c) => `<th>${h(c.suite)} / ${h(c.target)}${runtimes.size > 1 || c.runtime !== 'process' ? `<small>${h(c.runtime)}</small>` : ''}</th>`).join('');
  return (
    `<div class="scroll"><table class="matrix"><thead><tr><th>Check</th>${head}</tr></thead><tbody>` +
    page.checks.map((check) => matrixRow(page, check)).join('') +
    `</tbody></table></div>`
  );
}

function matrixRow(page: Page, check: string): string {
  const inRow = page.report.results.filter((r) => checkLabel(r) === check);
  const cls = ['row', inRow.some((r) => r.status === 'failed') ? 'has-failed' : '', inRow.some((r) => r.status !== 'passed') ? 'has-notpassed' : ''].filter(Boolean).join(' ');
  return `<tr class="${cls}"><th>${h(check)}</th>${page.columns.map((c) => matrixCell(page, check, c)).join('')}</tr>`;
}

function matrixCell(page: Page, check: string, c: Column): string {
  const rs = page.byCell.get(cellKey(check, c.suite, c.target, c.runtime)) ?? [];
  if (!rs.length) return '<td class="muted">—</td>';
  const worst = WORST_FIRST.find((s) => rs.some((r) => r.status === s)) ?? 'passed';
  return `<td class="st ${worst}">${rs.map((r) => `<a href="#${page.ids.get(r)}">${h(LABEL[r.status])}</a>`).join(' ')}</td>`;
}

function checksSection(page: Page): string {
  const { report } = page;
  const sorted = [...report.results].sort((a, b) => WORST_FIRST.indexOf(a.status) - WORST_FIRST.indexOf(b.status));
  const articles = sorted.map((r) => resultArticle(r, page.ids.get(r)!, report.seed, page.runOf.get(colKey(r.suite, r.target, r.runtime)))).join('\n');
  return `<section id="checks"><h2>Checks</h2>${articles || '<p class="muted">none</p>'}</section>\n`;
}
