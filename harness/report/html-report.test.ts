import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../model/result.ts';
import { escapeHtml, jsonForScript } from './escape.ts';
import { renderHtmlReport } from './html-report.ts';

const EVIL = `</script><script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>\u2028\u2029<!--`;

function hostile(): RunReport {
  const x = (tag: string) => `${tag} ${EVIL}`;
  return {
    tool: { name: 'proxyproof', version: '0.1.0' },
    startedAt: x('start'),
    finishedAt: '2025-01-01T00:00:05.000Z',
    seed: 7,
    summary: { passed: 1, failed: 1, skipped: 1, notSupported: 1 },
    results: [
      {
        suite: x('suite'), target: 'nginx', runtime: 'process', check: x('check'), durationMs: 1, status: 'failed',
        message: x('message'), warnings: [x('warning')],
        evidence: {
          curl: x('curl'),
          exchanges: [
            {
              request: { method: x('GET'), url: `javascript:alert(1)//${EVIL}`, headers: { [x('h')]: x('v') }, body: x('reqbody') },
              response: { status: 500, headers: { 'content-type': x('ct') }, body: x('resbody') },
              servedBy: x('served'), note: x('note'), upstreamTries: 2,
            },
          ],
          data: { [x('k')]: x('v'), list: [{ [x('col')]: x('cell') }], nested: { a: [x('deep')] } },
        },
      },
      { suite: 'petstore', target: 'nginx', runtime: 'process', check: 'retry', durationMs: 1, status: 'passed', message: 'ok', evidence: {} },
      { suite: 'petstore', target: 'haproxy', runtime: 'process', check: 'retry', durationMs: 1, status: 'skipped', message: 'no policy', evidence: {} },
      { suite: 'petstore', target: 'haproxy', runtime: 'process', check: 'canary', durationMs: 1, status: 'notSupported', message: x('cannot'), evidence: {} },
    ],
    targets: [
      { suite: x('suite'), target: 'nginx', runtime: 'process', mode: 'config', config: x('config'), log: x('log'), error: x('error') },
      { suite: 'petstore', target: 'haproxy', runtime: 'process', mode: 'render', config: 'global', log: '' },
    ],
  };
}

const tags = (html: string) => html.match(/<[a-zA-Z!/][^>]*>/g) ?? [];

describe('escape', () => {
  it('escapes HTML text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\``)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;');
  });
  it('makes JSON that cannot end a script element and still parses to the same value', () => {
    const v = { s: EVIL, t: '&amp;' };
    const j = jsonForScript(v);
    expect(j).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(j)).toEqual(v);
  });
});

describe('renderHtmlReport with a hostile report', () => {
  const report = hostile();
  const html = renderHtmlReport(report);

  it('has no active markup from the report', () => {
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<a href="javascript/i);
    expect(html).not.toMatch(/<!--/);
    expect(html.match(/<script/gi)).toHaveLength(1);
    expect(html.match(/<\/script/gi)).toHaveLength(1);
    expect(html).toMatch(/<script type="application\/json" id="proxyproof-report">[^<]*<\/script>\n<\/body>/);
    for (const tag of tags(html)) {
      // attribute values are quoted and cannot hold a raw quote, so what is outside quotes is markup
      expect(tag).not.toMatch(/"[^"]*&quot;[^"]*$/);
      const bare = tag.replace(/"[^"]*"/g, '""');
      expect(bare).not.toMatch(/\son\w+\s*=/i);
      expect(bare).not.toMatch(/\ssrc\s*=/i);
      const href = /\shref="([^"]*)"/.exec(tag)?.[1];
      if (href !== undefined) expect(href).toMatch(/^#[rt]\d+$/);
    }
    // the only elements: the page's own, the filter's radios and the charts' SVG
    const names = new Set(tags(html).map((t) => /^<\/?([a-zA-Z0-9!-]+)/.exec(t)![1].toLowerCase()));
    const allowed = ['!doctype', 'html', 'head', 'meta', 'title', 'style', 'body', 'input', 'header', 'h1', 'h2', 'h3', 'h4', 'p', 'span', 'code', 'nav', 'label', 'main', 'section', 'div', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'a', 'article', 'ul', 'li', 'details', 'summary', 'pre', 'script', 'figure', 'figcaption', 'svg', 'g', 'rect', 'line', 'circle', 'path', 'polyline', 'text', 'dl', 'dt', 'dd', 'small'];
    for (const n of names) expect(allowed, n).toContain(n);
  });

  it('embeds the report as inert JSON that round-trips, with no raw U+2028/U+2029', () => {
    const body = /<script type="application\/json" id="proxyproof-report">([^<]*)<\/script>/.exec(html)![1];
    expect(body).not.toMatch(/[\u2028\u2029]/);
    expect(JSON.parse(body)).toEqual(report);
  });

  it('is self-contained under a strict CSP', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'none'");
    const css = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    expect(csp).toContain(`'sha256-${createHash('sha256').update(css).digest('base64')}'`);
    expect(html).not.toMatch(/<link|@import|url\(|\sstyle="/i);
    expect(css).toContain('prefers-color-scheme: dark');
  });

  it('shows the text of every hostile field, escaped', () => {
    for (const f of ['message', 'warning', 'curl', 'reqbody', 'resbody', 'config', 'log', 'error', 'note', 'served', 'cell', 'deep']) {
      expect(html).toContain(`${f} &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;`);
    }
  });

  it('tells the four statuses apart in the matrix', () => {
    const matrix = /<table class="matrix">[\s\S]*?<\/table>/.exec(html)![0];
    expect(matrix).toContain('<td class="st failed"><a href="#r0">✗ failed</a></td>');
    expect(matrix).toContain('<td class="st passed"><a href="#r1">✓ passed</a></td>');
    expect(matrix).toContain('<td class="st skipped"><a href="#r2">○ skipped</a></td>');
    expect(matrix).toContain('<td class="st notSupported"><a href="#r3">⊘ not supported</a></td>');
    // a check that did not run on a target is a dash, not a status
    expect(matrix).toContain('<td class="muted">—</td>');
    expect(html).toContain('<article id="r0" class="result r-failed"');
    expect(html).toContain('<details open><summary>Evidence</summary>');
  });
});
