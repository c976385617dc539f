// junit.xml: one <testsuite> per suite × target, one <testcase> per check.
// failed -> <failure>, skipped and notSupported -> <skipped> with the reason.
// Valid against the common JUnit schema (fixtures/junit/junit.xsd: Windy
// Road's Ant schema plus the <skipped> and aggregate attributes Jenkins,
// GitLab and GitHub Actions read): every testsuite has package, id, hostname,
// a UTC timestamp without zone or fraction, <properties> first and
// <system-out>/<system-err> last.

import { checkLabel, type CheckResult, type Evidence, type RunReport, type TargetRun } from '../model/result.ts';
import { escapeXml, escapeXmlAttr } from './escape.ts';

const MAX_BODY = 2000;

function clip(text: string, max = MAX_BODY): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/** Plain-text summary of the evidence, for failure bodies and CI logs. */
export function evidenceSummary(e: Evidence): string {
  const lines: string[] = [];
  for (const x of e.exchanges ?? []) {
    const status = x.response ? String(x.response.status) : 'no response';
    const extra = [
      x.upstreamTries !== undefined ? `upstream tries ${x.upstreamTries}` : '',
      x.servedBy ? `served by ${x.servedBy}` : '',
      x.note ?? '',
    ].filter(Boolean);
    lines.push(`${x.request.method} ${x.request.url} -> ${status}${extra.length ? ` (${extra.join('; ')})` : ''}`);
    if (x.response?.body) lines.push(`  body: ${clip(x.response.body, 300).replace(/\s*\n\s*/g, ' ')}`);
  }
  if (e.curl) lines.push(`reproduce: ${e.curl}`);
  if (e.data && Object.keys(e.data).length) lines.push(`data: ${clip(JSON.stringify(e.data))}`);
  return lines.join('\n');
}

const seconds = (ms: number): string => (Math.max(0, Number.isFinite(ms) ? ms : 0) / 1000).toFixed(3);

/** YYYY-MM-DDTHH:MM:SS in UTC (the schema allows no zone and no fraction). */
export function junitTimestamp(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '1970-01-01T00:00:00' : d.toISOString().slice(0, 19);
}

function testcase(r: CheckResult): string {
  const open = `    <testcase name="${escapeXmlAttr(checkLabel(r))}" classname="${escapeXmlAttr(`${r.suite}.${r.target}`)}" time="${seconds(r.durationMs)}"`;
  const parts: string[] = [];
  if (r.status === 'failed') {
    parts.push(`      <failure message="${escapeXmlAttr(r.message)}" type="failed">${escapeXml(evidenceSummary(r.evidence))}</failure>`);
  } else if (r.status === 'skipped') {
    parts.push(`      <skipped message="${escapeXmlAttr(`skipped: ${r.message}`)}"/>`);
  } else if (r.status === 'notSupported') {
    parts.push(`      <skipped message="${escapeXmlAttr(`not supported: ${r.message}`)}"/>`);
  }
  const out = [r.status === 'passed' ? r.message : '', ...(r.warnings ?? []).map((w) => `warning: ${w}`)].filter(Boolean);
  if (out.length) parts.push(`      <system-out>${escapeXml(out.join('\n'))}</system-out>`);
  return parts.length ? `${open}>\n${parts.join('\n')}\n    </testcase>` : `${open}/>`;
}

export function renderJunitReport(report: RunReport): string {
  const groups = new Map<string, { suite: string; target: string; results: CheckResult[]; run?: TargetRun }>();
  const group = (suite: string, target: string) => {
    const k = JSON.stringify([suite, target]);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { suite, target, results: [] }));
    return g;
  };
  for (const t of report.targets) group(t.suite, t.target).run = t;
  for (const r of report.results) group(r.suite, r.target).results.push(r);

  const suites: string[] = [];
  let total = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  let time = 0;
  for (const g of groups.values()) {
    const f = g.results.filter((r) => r.status === 'failed').length;
    const s = g.results.filter((r) => r.status === 'skipped' || r.status === 'notSupported').length;
    const e = g.run?.error ? 1 : 0;
    const ms = g.results.reduce((a, r) => a + r.durationMs, 0);
    const cases = g.results.map(testcase);
    if (g.run?.error) {
      cases.push(`    <testcase name="start" classname="${escapeXmlAttr(`${g.suite}.${g.target}`)}" time="0.000">\n      <error message="${escapeXmlAttr(g.run.error)}" type="environment"/>\n    </testcase>`);
    }
    const tests = g.results.length + e;
    total += tests;
    failures += f;
    errors += e;
    skipped += s;
    time += ms;
    const runtime = g.run?.runtime ?? g.results[0]?.runtime ?? '';
    const out = g.run ? `${g.run.mode === 'render' ? 'rendered' : 'user'} config, ${g.run.runtime} runtime${g.run.image ? `, image ${g.run.image}` : ''}; seed ${report.seed}` : `seed ${report.seed}`;
    suites.push(
      `  <testsuite name="${escapeXmlAttr(`${g.suite}/${g.target}`)}" package="${escapeXmlAttr(g.suite || 'proxyproof')}" id="${suites.length}" hostname="localhost" tests="${tests}" failures="${f}" errors="${e}" skipped="${s}" time="${seconds(ms)}" timestamp="${junitTimestamp(report.startedAt)}">\n` +
        `    <properties>\n      <property name="seed" value="${escapeXmlAttr(report.seed)}"/>\n` +
        (runtime ? `      <property name="runtime" value="${escapeXmlAttr(runtime)}"/>\n` : '') +
        (g.run?.mode ? `      <property name="mode" value="${escapeXmlAttr(g.run.mode)}"/>\n` : '') +
        `    </properties>\n` +
        (cases.length ? `${cases.join('\n')}\n` : '') +
        `    <system-out>${escapeXml(out)}</system-out>\n    <system-err>${g.run?.error ? escapeXml(g.run.error) : ''}</system-err>\n` +
        `  </testsuite>`,
    );
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="proxyproof" tests="${total}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(time)}">\n` +
    (suites.length ? `${suites.join('\n')}\n` : '') +
    `</testsuites>\n`
  );
}
