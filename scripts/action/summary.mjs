// The GitHub Action's last word on a run: a Markdown table for the job summary
// and an error annotation per failed check, from report.json. Everything in a
// report comes from outside (suite names, messages with the proxy's answers),
// so table cells are HTML-escaped and annotation text is escaped as GitHub's
// workflow commands require (%, CR and LF in the message; also : and , in
// properties; toolkit/packages/core/src/command.ts, escapeData / escapeProperty).
// Plain JavaScript: it runs from the action's checkout with no build.

import { appendFileSync, readFileSync } from 'node:fs';

const cell = (s) => String(s ?? '').replace(/[&<>"'|\\`*_[\]]/g, (c) => `&#${c.charCodeAt(0)};`).replace(/\r?\n/g, ' ');
const escapeData = (s) => String(s ?? '').replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
const label = (r) => (r.route === undefined ? r.check : `${r.check} (route ${r.route})`);

/** report.json -> { markdown, annotations } (annotations are workflow command lines). */
export function summarize(report) {
  const s = report.summary ?? {};
  const results = Array.isArray(report.results) ? report.results : [];
  const lines = [
    `### proxyproof: ${s.failed ? `${s.failed} failed` : 'all configured checks passed'}`,
    '',
    `${s.passed ?? 0} passed, ${s.failed ?? 0} failed, ${s.notSupported ?? 0} not supported, ${s.skipped ?? 0} skipped · seed ${cell(report.seed)}`,
    '',
    '| suite | target | check | status | message |',
    '|---|---|---|---|---|',
  ];
  // Failures first, then what was not supported, then passes; skipped (unconfigured) checks are counted above only.
  const order = { failed: 0, notSupported: 1, passed: 2 };
  for (const r of results.filter((x) => x.status in order).sort((a, b) => order[a.status] - order[b.status])) {
    lines.push(`| ${cell(r.suite)} | ${cell(r.target)} | ${cell(label(r))} | ${cell(r.status)} | ${cell(r.message)} |`);
  }
  const annotations = results.filter((r) => r.status === 'failed').map((r) => `::error title=${escapeProperty(`proxyproof ${r.suite}/${r.target}/${label(r)}`)}::${escapeData(r.message)}`);
  return { markdown: `${lines.join('\n')}\n`, annotations };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [file] = process.argv.slice(2);
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.log(`::warning title=proxyproof::no report to summarize (${escapeData(err.message)})`);
    process.exit(0);
  }
  const { markdown, annotations } = summarize(report);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, markdown);
  for (const a of annotations) console.log(a);
}
