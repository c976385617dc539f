import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../model/result.ts';
import { canaryChart, rateLimitChart, retryChart, short, ticks } from './charts.ts';
import { compareReports } from './history.ts';
import { renderHtmlReport } from './html-report.ts';
import { readLoad, renderLoadSection } from './load-section.ts';

const example = (): RunReport => JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/report/example-report.json'), 'utf8')) as RunReport;
const EVIL = '</script><img src=x onerror=alert(1)>"\'\u2028';

describe('charts', () => {
  it('draws canary bands with their numbers, escaped labels and no NaN', () => {
    const svg = canaryChart(
      [
        { version: EVIL, expected: 0.9, observed: 0.9, count: 1440, interval: [0.8612, 0.9289] },
        { version: 'v2', expected: 0.1, observed: Number.NaN, interval: [0.2, 0.3] },
      ],
      { title: EVIL, tolerance: 0.05, requests: 1600 },
    );
    expect(svg).toContain('data-observed="0.9" data-expected="0.9" data-lo="0.8612" data-hi="0.9289" data-count="1440"');
    expect(svg).toContain('<g class="band off" data-version="v2" data-observed="0"');
    expect(svg).not.toMatch(/NaN|Infinity|<img|<\/script/);
    expect(svg).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&#39;');
  });

  it('counts a rate-limit burst by window against the limit', () => {
    const tl = [200, 200, 429, 200, 429].map((status, i) => ({ t: i < 4 ? i : 1500, status }));
    const svg = rateLimitChart(tl, { title: 't', limit: 2, windowMs: 1000 });
    expect(svg).toContain('data-admitted="3" data-rejected="2" data-other="0" data-limit="2" data-window-ms="1000" data-peak="3"');
    // a 2nd window starts at the 5th request: one boundary
    expect(svg.match(/class="window"/g)).toHaveLength(1);
  });

  it('marks retry scenarios whose tries differ', () => {
    const svg = retryChart([{ scenario: 'a', expectedTries: 3, seenTries: 3 }, { scenario: 'b', expectedTries: 1, seenTries: 2 }], 't');
    expect(svg.match(/class="group off"/g)).toHaveLength(1);
    expect(svg).toContain('data-expected="1" data-seen="2"');
  });

  it('formats numbers and ticks', () => {
    expect([short(0.2), short(2.85), short(598.5), short(12345.6), short(3)]).toEqual(['0.2', '2.85', '599', '12346', '3']);
    expect(ticks(10)).toEqual([0, 2.5, 5, 7.5, 10]);
  });
});

describe('the example report (petstore, seed 1)', () => {
  const html = renderHtmlReport(example());
  it('has a chart per canary, rate-limit and retry result with the run numbers', () => {
    expect(html.match(/<figure class="chart chart-canary"/g)).toHaveLength(2);
    expect(html.match(/<figure class="chart chart-ratelimit"/g)).toHaveLength(2);
    expect(html.match(/<figure class="chart chart-retry"/g)).toHaveLength(2);
    expect(html).toContain('data-version="v2" data-observed="0.1" data-expected="0.1" data-lo="0.0711" data-hi="0.1388" data-count="160"');
    expect(html.match(/data-admitted="5" data-rejected="7" data-other="0" data-limit="5"/g)).toHaveLength(2);
    expect(html).not.toContain('id="load"');
    expect(html).not.toContain('id="history"');
    expect(html).not.toMatch(/NaN/);
    expect(Buffer.byteLength(html)).toBeLessThan(2 * 1024 * 1024);
  });
});

describe('load section', () => {
  it('reads nothing from nothing or junk', () => {
    for (const v of [undefined, null, 3, 'x', [], {}, { runs: [{}] }, { runs: 'x', policies: {} }]) {
      expect(readLoad(v)).toBeUndefined();
      expect(renderLoadSection(v)).toBe('');
    }
  });

  it('draws percentiles, histogram and rate over time, escaping names', () => {
    const lat = { count: 10, min: 1, max: 9, avg: 2, p50: 1.5, p90: 3, p95: 4, p99: 8, p999: 9 };
    const html = renderLoadSection({
      runs: [{
        suite: EVIL, target: 'nginx', scenario: 's', executor: 'constant-arrival-rate', proxied: { latency: lat, histogram: [{ le: 1, count: 0 }, { le: 2, count: 7 }, { le: null, count: 3 }], perSecond: [{ t: 1, sent: 5, ok: 4, '4xx': 1, '5xx': 0, errors: 0, p99: 8 }], statusCodes: { 200: 9 } },
        direct: { latency: { ...lat, p99: 2 }, histogram: [], statusCodes: {} }, thresholds: [{ expression: EVIL, actual: null, ok: false }],
      }],
    });
    expect(html).toContain('<section id="load">');
    expect(html).toContain('data-category="p99"');
    expect(html).toContain('data-series="direct" data-value="2"');
    expect(html).toContain('data-series="proxied" data-value="8"');
    expect(html).toContain('data-category="≤ 2 ms"');
    expect(html).toContain('data-category="&gt; 2 ms"');
    expect(html).toContain('class="chart chart-rate"');
    expect(html).not.toMatch(/<img|<\/script|NaN/);
  });
});

describe('history', () => {
  it('tells newly failing, fixed, still failing, changed, unchanged and gone apart', () => {
    const now = example();
    const before = example();
    const at = (r: RunReport, check: string, target: string) => r.results.find((x) => x.check === check && x.target === target)!;
    at(now, 'retry', 'nginx').status = 'failed';
    at(before, 'canary', 'nginx').status = 'failed';
    at(before, 'auth', 'haproxy').status = 'failed';
    at(now, 'auth', 'haproxy').status = 'failed';
    at(now, 'fault', 'nginx').status = 'notSupported';
    before.results.push({ ...at(before, 'auth', 'nginx'), check: 'old-check' });
    const h = compareReports(now, before, 'b.json');
    expect(h.counts).toEqual({ newlyFailing: 1, fixed: 1, stillFailing: 1, changed: 1, unchanged: 12, gone: 1 });
    const html = renderHtmlReport(now, { history: h });
    expect(html).toContain('<tr class="hist-newlyFailing" data-change="newlyFailing"><td class="ch-newlyFailing">newly failing</td><td><a href="#r3">retry</a></td>');
  });

  it('reports a baseline that is not a report, escaped', () => {
    const h = compareReports(example(), { nope: EVIL }, EVIL);
    expect(h.error).toMatch(/not a proxyproof report/);
    const html = renderHtmlReport(example(), { history: h });
    expect(html).toContain('The baseline could not be used');
    expect(html).not.toContain('<img src=x');
  });

  it('shows load figures only when they move beyond noise', () => {
    const run = (p50: number, p99: number, rate: number) => ({ runs: [{ suite: 's', target: 't', scenario: 'x', proxied: { latency: { p50, p99 }, achievedRate: rate, outcomes: { scheduled: 100, '5xx': 0, timeout: 0, connectionError: 0 } } }] });
    const now = { ...example(), load: run(1.05, 3, 100) } as unknown as RunReport;
    const h = compareReports(now, { ...example(), load: run(1, 2, 99) }, 'b');
    expect(h.load.map((d) => d.metric)).toEqual(['p99 latency (proxied)']);
    expect(h.load[0]).toMatchObject({ before: 2, after: 3, worse: true });
  });
});

describe('page size', () => {
  it('embeds proxy logs only as the excerpt the page shows (full logs stay in report.json)', () => {
    const r = example();
    r.targets[0].log = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(80)}`).join('\n');
    const html = renderHtmlReport(r);
    const body = /<script type="application\/json" id="proxyproof-report">([^<]*)<\/script>/.exec(html)![1];
    const embedded = JSON.parse(body) as RunReport;
    expect(embedded.targets[0].log).toMatch(/^… \(last 200 of 20000 lines; the full log is in report\.json\)\n/);
    expect(embedded.targets[0].log).toContain('line 19999');
    expect(embedded.results).toEqual(r.results);
    expect(Buffer.byteLength(html)).toBeLessThan(400 * 1024);
  });
});
