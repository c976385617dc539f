// The report.json files the browser tests open, built from the known example
// run (fixtures/report/example-report.json: `proxyproof run
// suites/petstore.suite.yaml --seed 1`, redacted) and written through
// writeReports, exactly as a run writes them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult, RunReport } from '../harness/model/result.ts';
import { summarize } from '../harness/model/result.ts';

export const ROOT = join(import.meta.dirname, '..');
export const OUT = join(ROOT, 'reports', 'e2e');
export const SCREENSHOTS = join(ROOT, 'reports', 'screenshots');

export function exampleReport(): RunReport {
  return JSON.parse(readFileSync(join(ROOT, 'fixtures/report/example-report.json'), 'utf8')) as RunReport;
}

function find(r: RunReport, check: string, target: string): CheckResult {
  const x = r.results.find((y) => y.check === check && y.target === target);
  if (!x) throw new Error(`no ${check} on ${target} in the example report`);
  return x;
}

/** A synthetic load section in the shape of harness/load/report-shape.ts. */
export function loadSection(p99Scale = 1): unknown {
  const edges = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
  const hist = (counts: number[]) => [...edges, null].map((le, i) => ({ le, count: counts[i] ?? 0 }));
  const lat = (p50: number, p99: number) => ({ count: 6000, min: p50 / 3, max: p99 * 3, avg: p50 * 1.2, p50, p90: (p50 + p99) / 2, p95: p99 * 0.8, p99, p999: p99 * 2 });
  const perSecond = Array.from({ length: 10 }, (_, t) => ({ t: t + 1, sent: 600, ok: 590 - (t === 6 ? 40 : 0), '4xx': 10 + (t === 6 ? 30 : 0), '5xx': t === 6 ? 10 : 0, errors: 0, p99: (2 + (t === 6 ? 6 : 0)) * p99Scale }));
  const outcomes = { scheduled: 6000, '1xx': 0, '2xx': 5860, '3xx': 0, '4xx': 130, '5xx': 10, timeout: 0, connectionError: 0, notSent: 0 };
  return {
    version: 1,
    runs: [
      {
        suite: 'petstore', target: 'nginx', scenario: 'steady', executor: 'constant-arrival-rate', model: 'open', askedRate: 600, connections: 16, durationMs: 10000, warmupMs: 1000,
        proxied: { latency: lat(0.9, 2.4 * p99Scale), service: lat(0.8, 2), lag: lat(0.01, 0.1), histogram: hist([0, 0, 0, 150, 2900, 2500, 380, 60, 10]), scheduledRate: 600, achievedRate: 598.5, outcomes, accountingGap: 0, lateStarts: 3, statusCodes: { 200: 5860, 429: 130, 502: 10 }, perSecond, byOperation: {}, measuredMs: 10000 },
        direct: { latency: lat(0.4, 1.1), service: lat(0.4, 1), lag: lat(0.01, 0.1), histogram: hist([0, 0, 200, 2600, 2900, 280, 20]), scheduledRate: 600, achievedRate: 600, outcomes: { ...outcomes, '2xx': 6000, '4xx': 0, '5xx': 0 }, accountingGap: 0, lateStarts: 0, statusCodes: { 200: 6000 }, perSecond: perSecond.map((p) => ({ ...p, ok: 600, '4xx': 0, '5xx': 0, p99: 1.1 })), byOperation: {}, measuredMs: 10000 },
        overhead: { p50: 0.5, p90: 0.9, p99: 2.4 * p99Scale - 1.1, throughputRatio: 0.9975, slices: 10 },
        thresholds: [
          { key: 'http_req_duration', expression: 'p(99)<5', actual: 2.4 * p99Scale, ok: 2.4 * p99Scale < 5, abortOnFail: false },
          { key: 'http_req_failed', expression: 'rate<0.01', actual: 10 / 6000, ok: true, abortOnFail: false },
        ],
        aborted: false,
      },
    ],
    policies: [{ suite: 'petstore', target: 'nginx', policy: 'rateLimit', status: 'passed', message: 'no window admitted more than 5 per consumer under 600/s', data: { limit: 5, windowMs: 1000, admittedPerSecond: [5, 5, 4] } }],
  };
}

/**
 * The example with things broken, for the failure filter, the history and
 * the charts' "off" states: retry on nginx saw a 4th try, canary on haproxy
 * drifted to 78/22, rate limit on haproxy admitted 7 of 5, fault on haproxy
 * not supported; and a load section.
 */
export function failingReport(): RunReport {
  const r = exampleReport();
  const retry = find(r, 'retry', 'nginx');
  const sc = (retry.evidence.data!.scenarios as Array<{ seenTries: number }>)[3];
  sc.seenTries = 4;
  retry.status = 'failed';
  retry.message = "scenario 'all 3 allowed tries fail with 502': the upstream saw 4 tries, expected 3 (attempts 2 + the first)";
  retry.evidence.curl = "curl -sS -i -X GET 'http://127.0.0.1:45769/v1/pets/744' -H 'x-api-key: [REDACTED]' -H 'x-request-id: pp-1-nginx-retry-31'";
  // A proxy log that names request ids (nginx: log_format with $http_x_request_id): the evidence quotes those lines.
  const nginx = r.targets.find((t) => t.target === 'nginx')!;
  nginx.log += [1, 2, 3, 4].map((k) => `\n127.0.0.1 - - [28/Nov/2026:21:16:01 +0000] "GET /v1/pets/744 HTTP/1.1" 502 ${k} req=pp-1-nginx-retry-31 upstream=127.0.0.1:400${k}`).join('') + '\n127.0.0.1 - - "GET /v1/pets HTTP/1.1" 200 req=pp-1-nginx-retry-310';

  const canary = find(r, 'canary', 'haproxy');
  canary.status = 'failed';
  canary.message = 'v1 78.0% (expected 90.0%), v2 22.0% (expected 10.0%) after 400 requests: outside the tolerance';
  canary.evidence.data = { ...canary.evidence.data, requests: 400, bands: [
    { version: 'v1', expected: 0.9, observed: 0.78, count: 312, interval: [0.7141, 0.8335] },
    { version: 'v2', expected: 0.1, observed: 0.22, count: 88, interval: [0.1665, 0.2859] },
  ] };

  const rl = find(r, 'rateLimit', 'haproxy');
  rl.status = 'failed';
  rl.message = 'burst of 12 admitted 7 of limit 5';
  const tl = rl.evidence.data!.timeline as Array<{ t: number; status: number }>;
  tl.forEach((p, i) => (p.status = i < 7 ? 200 : 429));

  const fault = find(r, 'fault', 'haproxy');
  fault.status = 'notSupported';
  fault.message = 'haproxy cannot express fault.abort';

  r.summary = summarize(r.results);
  (r as { load?: unknown }).load = loadSection(2);
  return r;
}

/** The baseline for failingReport: the example as it was, with a faster load run. */
export function baselineReport(): RunReport {
  const r = exampleReport();
  (r as { load?: unknown }).load = loadSection(1);
  return r;
}

/** Payloads that would run, fetch or navigate if any reached the page as markup. */
export function payloads(port: number): string[] {
  const u = `http://127.0.0.1:${port}`;
  return [
    `</script><script>window.__pwned=1;fetch('${u}/script')</script>`,
    `<img src=x onerror="window.__pwned=2;fetch('${u}/img')">`,
    `<svg onload="window.__pwned=3;fetch('${u}/svg')"></svg>`,
    `<a href="javascript:window.__pwned=4;fetch('${u}/js-url')">click</a>`,
    `javascript:fetch('${u}/bare-js-url')`,
    `<iframe src="${u}/iframe"></iframe>`,
    `<link rel="stylesheet" href="${u}/css">`,
    `<meta http-equiv="refresh" content="0;url=${u}/refresh">`,
    `</style><style>@import url(${u}/import);</style>`,
    `\u2028\u2029</script><!--<script>window.__pwned=5</script>-->`,
    `"><img src="${u}/attr-break">`,
    `]]></failure><failure message="xml">`,
  ];
}

/** A report whose every outside string (responses, headers, spec text, logs, messages, configs) carries the payloads. */
export function hostileReport(port: number): RunReport {
  const all = payloads(port).join(' ');
  const x = (tag: string) => `${tag} ${all}`;
  const r = exampleReport();
  for (const res of r.results) {
    res.message = x(`message of ${res.check}`);
    res.warnings = [x('warning')];
    for (const e of res.evidence.exchanges ?? []) {
      e.request.url = `javascript:fetch('http://127.0.0.1:${port}/url')//${x('url')}`;
      e.request.headers = { ...e.request.headers, [x('header-name')]: x('header-value') };
      if (e.response) {
        e.response.headers = { ...e.response.headers, 'x-evil': x('response-header') };
        e.response.body = x('response-body');
      }
      e.note = x('note');
    }
    res.evidence.curl = x('curl');
    const d = res.evidence.data;
    if (d) {
      d.specDescription = x('spec description');
      if (Array.isArray(d.bands)) for (const b of d.bands as Array<Record<string, unknown>>) b.version = x('version');
      if (Array.isArray(d.scenarios)) for (const s of d.scenarios as Array<Record<string, unknown>>) s.scenario = x('scenario');
    }
  }
  const first = r.results[0];
  first.check = x('check');
  first.status = 'failed';
  for (const t of r.targets) {
    t.log = `${x('proxy log')}\n${t.log.split('\n').slice(0, 50).join('\n')}`;
    t.config = x('config');
    t.error = x('error');
  }
  r.startedAt = x('startedAt');
  r.summary = summarize(r.results);
  (r as { load?: unknown }).load = loadSection();
  const load = (r as unknown as { load: { runs: Array<Record<string, unknown>> } }).load;
  load.runs[0].scenario = x('scenario');
  load.runs[0].thresholds = [{ key: 'k', expression: x('threshold'), actual: 1, ok: false, abortOnFail: false }];
  r.imports = [{ suite: 'petstore', from: [x('from')], notes: [{ source: x('source'), resource: x('resource'), kind: 'unsupported', message: x('import note') }] }];
  return r;
}

/** Collect a page's console errors and warnings, page errors and every request it makes. */
export function watch(page: import('@playwright/test').Page): { errors: string[]; requests: string[] } {
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  return { errors, requests };
}
