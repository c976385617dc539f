// index.html: one self-contained page. No scripts run, nothing is fetched: the
// Content-Security-Policy allows only the page's own stylesheet (by hash).
// Every string from the run is escaped; the raw report rides along as an
// inert <script type="application/json"> data block for tools.

import { createHash } from 'node:crypto';
import type { CheckResult, Evidence, Exchange, RunReport, Status, TargetRun } from '../run/result.ts';
import { escapeHtml as h, jsonForScript } from './escape.ts';

const LOG_LINES = 200;
const LOG_CHARS = 20_000;
const BODY_CHARS = 20_000;
const TABLE_ROWS = 200;

const LABEL: Record<Status, string> = {
  passed: '✓ passed',
  failed: '✗ failed',
  skipped: '○ skipped',
  notSupported: '⊘ not supported',
};

const CSS = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9; --skip: #6e7781; --skip-bg: #eaeef2; --ns: #9a6700; --ns-bg: #fff8c5; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --panel: #161b22;
    --pass: #3fb950; --pass-bg: #12261e; --fail: #f85149; --fail-bg: #2d1214; --skip: #8d96a0; --skip-bg: #21262d; --ns: #d29922; --ns-bg: #2b2111; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 1.5rem; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; } h3 { margin: 0 0 .5rem; font-size: 1.05rem; }
.meta, .muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
thead th { background: var(--panel); }
pre { background: var(--panel); border: 1px solid var(--line); padding: .6rem; overflow: auto; max-height: 32rem; white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
a { color: inherit; }
.st { font-weight: 600; white-space: nowrap; }
.passed { color: var(--pass); background: var(--pass-bg); } .failed { color: var(--fail); background: var(--fail-bg); }
.skipped { color: var(--skip); background: var(--skip-bg); } .notSupported { color: var(--ns); background: var(--ns-bg); }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-size: .85rem; font-weight: 600; }
.summary .badge { margin-right: .5rem; }
article { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: .8rem 1rem; margin: 1rem 0; }
article.r-passed { border-left-color: var(--pass); } article.r-failed { border-left-color: var(--fail); }
article.r-skipped { border-left-color: var(--skip); } article.r-notSupported { border-left-color: var(--ns); }
details { margin: .4rem 0; } summary { cursor: pointer; font-weight: 600; }
.msg { margin: .25rem 0 .5rem; white-space: pre-wrap; }
.error { color: var(--fail); font-weight: 600; }
`;

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
  return `<h4>Exchanges</h4><table><thead><tr><th>#</th><th>Method</th><th>URL</th><th>Status</th><th>Upstream tries</th><th>Served by</th><th>Note</th></tr></thead><tbody>${rows}</tbody></table>${more}${details}`;
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

function evidence(e: Evidence): string {
  const parts: string[] = [];
  if (e.curl) parts.push(`<h4>Reproduce</h4><pre>${h(e.curl)}</pre>`);
  if (e.exchanges?.length) parts.push(exchanges(e.exchanges));
  if (e.data && Object.keys(e.data).length) {
    parts.push(`<h4>Data</h4><table><tbody>${Object.entries(e.data).map(([k, v]) => `<tr><th>${h(k)}</th><td>${dataValue(v)}</td></tr>`).join('')}</tbody></table>`);
  }
  return parts.join('');
}

function resultArticle(r: CheckResult, id: string): string {
  const warn = r.warnings?.length ? `<ul>${r.warnings.map((w) => `<li>warning: ${h(w)}</li>`).join('')}</ul>` : '';
  const ev = evidence(r.evidence);
  const evBlock = ev ? `<details${r.status === 'failed' ? ' open' : ''}><summary>Evidence</summary>${ev}</details>` : '';
  return (
    `<article id="${id}" class="r-${r.status}"><h3>${h(r.check)} · ${h(r.suite)} / ${h(r.target)} ${badge(r.status)}</h3>` +
    `<p class="msg">${h(r.message)}</p>${warn}<p class="muted">${h(r.runtime)} runtime · ${h(r.durationMs)} ms</p>${evBlock}</article>`
  );
}

function targetArticle(t: TargetRun, id: string): string {
  const log = logExcerpt(t.log);
  return (
    `<article id="${id}"><h3>${h(t.suite)} / ${h(t.target)}</h3>` +
    `<p class="muted">${t.mode === 'render' ? 'rendered config' : 'user config'} · ${h(t.runtime)} runtime</p>` +
    (t.error ? `<p class="error">${h(t.error)}</p>` : '') +
    `<details><summary>Proxy config</summary><pre>${h(t.config)}</pre></details>` +
    `<details${t.error ? ' open' : ''}><summary>Proxy log (${h(log.note)})</summary><pre>${h(log.text) || '<span class="muted">empty</span>'}</pre></details>` +
    `</article>`
  );
}

export function renderHtmlReport(report: RunReport): string {
  const columns: { suite: string; target: string }[] = [];
  const colKey = (s: string, t: string) => JSON.stringify([s, t]);
  const seen = new Set<string>();
  const addCol = (suite: string, target: string) => {
    const k = colKey(suite, target);
    if (!seen.has(k)) {
      seen.add(k);
      columns.push({ suite, target });
    }
  };
  for (const t of report.targets) addCol(t.suite, t.target);
  for (const r of report.results) addCol(r.suite, r.target);
  const checks = [...new Set(report.results.map((r) => r.check))];
  const ids = new Map<CheckResult, string>(report.results.map((r, i) => [r, `r${i}`]));
  const byCell = new Map<string, CheckResult[]>();
  for (const r of report.results) {
    const k = JSON.stringify([r.check, r.suite, r.target]);
    byCell.set(k, [...(byCell.get(k) ?? []), r]);
  }

  const matrix = checks.length
    ? `<table class="matrix"><thead><tr><th>Check</th>${columns.map((c) => `<th>${h(c.suite)} / ${h(c.target)}</th>`).join('')}</tr></thead><tbody>` +
      checks
        .map(
          (check) =>
            `<tr><th>${h(check)}</th>${columns
              .map((c) => {
                const rs = byCell.get(JSON.stringify([check, c.suite, c.target])) ?? [];
                if (!rs.length) return '<td class="muted">—</td>';
                return `<td class="st ${rs[0].status}">${rs.map((r) => `<a href="#${ids.get(r)}">${h(LABEL[r.status])}</a>`).join(' ')}</td>`;
              })
              .join('')}</tr>`,
        )
        .join('') +
      `</tbody></table>`
    : '<p class="muted">No checks ran.</p>';

  const order: Status[] = ['failed', 'notSupported', 'skipped', 'passed'];
  const sorted = [...report.results].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status));
  const s = report.summary;
  const verdict = s.failed > 0 ? 'failed' : 'passed';
  const title = `proxyproof: ${verdict} (${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ${s.notSupported} not supported)`;

  return (
    `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="referrer" content="no-referrer">\n` +
    `<title>${h(title)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n` +
    `<header><h1>proxyproof report ${badge(verdict)}</h1>` +
    `<p class="meta">${h(report.tool.name)} ${h(report.tool.version)} · seed <code>${h(report.seed)}</code> · started ${h(report.startedAt)} · finished ${h(report.finishedAt)}</p>` +
    `<p class="summary">${badge('passed')} ${s.passed} ${badge('failed')} ${s.failed} ${badge('skipped')} ${s.skipped} ${badge('notSupported')} ${s.notSupported}</p>` +
    `<p class="muted">Rerun with the same seed: <code>--seed ${h(report.seed)}</code>. Credentials are redacted.</p></header>\n` +
    `<main>\n<section><h2>Verdicts</h2>${matrix}</section>\n` +
    `<section><h2>Checks</h2>${sorted.map((r) => resultArticle(r, ids.get(r)!)).join('\n') || '<p class="muted">none</p>'}</section>\n` +
    `<section><h2>Targets</h2>${report.targets.map((t, i) => targetArticle(t, `t${i}`)).join('\n') || '<p class="muted">none</p>'}</section>\n` +
    `</main>\n<script type="application/json" id="proxyproof-report">${jsonForScript(report)}</script>\n</body>\n</html>\n`
  );
}
