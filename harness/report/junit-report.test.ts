import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../model/result.ts';
import { escapeXml, escapeXmlAttr } from './escape.ts';
import { renderJunitReport } from './junit-report.ts';

interface El { name: string; attrs: Record<string, string>; children: El[]; text: string }

/** A tiny strict XML reader: throws on anything not well-formed. */
function parseXml(xml: string): El {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(xml)) throw new Error('illegal character');
  const body = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  const entity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const root: El = { name: '#doc', attrs: {}, children: [], text: '' };
  const stack: El[] = [root];
  for (const tok of body.match(/<[^>]*>|[^<]+/g) ?? []) {
    const top = stack[stack.length - 1];
    if (!tok.startsWith('<')) {
      if (entity.test(tok) || tok.includes('>') && false) throw new Error(`bad text ${tok}`);
      if (stack.length === 1 && tok.trim()) throw new Error('text outside the root');
      top.text += tok.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_m, d) => String.fromCharCode(Number(d))).replace(/&amp;/g, '&');
      continue;
    }
    const close = /^<\/([A-Za-z][\w.-]*)\s*>$/.exec(tok);
    if (close) {
      if (top.name !== close[1]) throw new Error(`</${close[1]}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const open = /^<([A-Za-z][\w.-]*)((?:\s+[A-Za-z][\w.-]*="[^"<]*")*)\s*(\/?)>$/.exec(tok);
    if (!open) throw new Error(`bad tag ${tok}`);
    const attrs: Record<string, string> = {};
    for (const m of open[2].matchAll(/([A-Za-z][\w.-]*)="([^"<]*)"/g)) {
      if (entity.test(m[2])) throw new Error(`bad attribute ${m[0]}`);
      if (m[1] in attrs) throw new Error(`duplicate attribute ${m[1]}`);
      attrs[m[1]] = m[2].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_m, d) => String.fromCharCode(Number(d))).replace(/&amp;/g, '&');
    }
    const el: El = { name: open[1], attrs, children: [], text: '' };
    if (stack.length === 1 && root.children.length) throw new Error('two roots');
    top.children.push(el);
    if (!open[3]) stack.push(el);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  return root.children[0];
}

const NASTY = 'a < b & "c" \'d\' ]]> \u0001\u001b[31m \ud800 end';

function report(): RunReport {
  const base = { suite: 'petstore', runtime: 'process' as const, durationMs: 1500, evidence: {} };
  return {
    tool: { name: 'proxyproof', version: '0.1.0' },
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:05.000Z',
    seed: 9,
    summary: { passed: 1, failed: 1, skipped: 1, notSupported: 1 },
    results: [
      { ...base, target: 'nginx', check: 'auth', status: 'passed', message: 'fine', warnings: [NASTY] },
      {
        ...base, target: 'nginx', check: 'retry', status: 'failed', message: `retried POST ${NASTY}`,
        evidence: { curl: `curl -X POST 'http://x/?a=1&b=2'`, exchanges: [{ request: { method: 'POST', url: 'http://x/pets', headers: {} }, response: { status: 502, headers: {}, body: NASTY }, upstreamTries: 3 }], data: { tries: 3 } },
      },
      { ...base, target: 'haproxy', check: 'auth', status: 'skipped', message: 'the suite sets no auth policy' },
      { ...base, target: 'haproxy', check: 'canary', status: 'notSupported', message: 'haproxy cannot express canary.weights' },
    ],
    targets: [
      { suite: 'petstore', target: 'nginx', runtime: 'process', mode: 'config', config: '', log: '' },
      { suite: 'petstore', target: 'haproxy', runtime: 'process', mode: 'render', config: '', log: '' },
    ],
  };
}

describe('escapeXml', () => {
  it('escapes markup and replaces characters XML cannot carry', () => {
    expect(escapeXml('<a>&</a>')).toBe('&lt;a&gt;&amp;&lt;/a&gt;');
    expect(escapeXml('x\u0001y\ud800z\ud83d\ude00')).toBe('x\\u0001y\\ud800z\ud83d\ude00');
    expect(escapeXmlAttr('"\'\n\t')).toBe('&quot;&apos;&#10;&#9;');
  });
});

describe('renderJunitReport', () => {
  const xml = renderJunitReport(report());
  const root = parseXml(xml);

  it('is well-formed XML with one testsuite per suite × target', () => {
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '4', failures: '1', skipped: '2', errors: '0' });
    expect(root.children.map((s) => s.attrs.name)).toEqual(['petstore/nginx', 'petstore/haproxy']);
    expect(root.children[0].attrs).toMatchObject({ tests: '2', failures: '1', skipped: '0', time: '3.000' });
  });

  it('has one testcase per check, failures with message and evidence, skipped with the reason', () => {
    const [nginx, haproxy] = root.children.map((s) => s.children.filter((c) => c.name === 'testcase'));
    expect(nginx.map((c) => c.attrs.name)).toEqual(['auth', 'retry']);
    expect(nginx[0].attrs).toMatchObject({ classname: 'petstore.nginx', time: '1.500' });
    const failure = nginx[1].children.find((c) => c.name === 'failure')!;
    expect(failure.attrs.message).toContain('retried POST a < b & "c"');
    expect(failure.attrs.message).toContain('\\u0001');
    expect(failure.text).toContain('POST http://x/pets -> 502 (upstream tries 3)');
    expect(failure.text).toContain("reproduce: curl -X POST 'http://x/?a=1&b=2'");
    expect(failure.text).toContain('data: {"tries":3}');
    expect(haproxy[0].children[0]).toMatchObject({ name: 'skipped', attrs: { message: 'skipped: the suite sets no auth policy' } });
    expect(haproxy[1].children[0]).toMatchObject({ name: 'skipped', attrs: { message: 'not supported: haproxy cannot express canary.weights' } });
    expect(nginx[0].children.find((c) => c.name === 'system-out')!.text).toContain('warning: a < b');
  });

  it('reports a target that could not start as an error', () => {
    const r = report();
    r.targets[1].error = 'haproxy: not found <on PATH>';
    const doc = parseXml(renderJunitReport(r));
    expect(doc.attrs.errors).toBe('1');
    const start = doc.children[1].children.find((c) => c.attrs.name === 'start')!;
    expect(start.children[0]).toMatchObject({ name: 'error', attrs: { message: 'haproxy: not found <on PATH>' } });
  });

  it('the checker itself rejects broken XML', () => {
    expect(() => parseXml('<a><b></a>')).toThrow();
    expect(() => parseXml('<a x="1 & 2"/>')).toThrow();
    expect(() => parseXml('<a>\u0001</a>')).toThrow();
  });
});

// The common JUnit XML schema (fixtures/junit/junit.xsd), checked by libxml2's
// xmllint (scripts/install-deps.sh installs libxml2-utils).
const XSD = join(import.meta.dirname, '../../fixtures/junit/junit.xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'proxyproof-junit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function xmllint(xml: string): { ok: boolean; out: string } {
  const file = join(tmp, `j${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!hasXmllint)('junit.xml against the JUnit XML schema (xmllint --schema fixtures/junit/junit.xsd)', () => {
  it('validates the report with every status, nasty text and a target error', () => {
    const r = report();
    r.targets[1].error = 'haproxy: not found <on PATH> & \u0001';
    r.startedAt = 'not a date';
    // (xmllint compiles the XSD first: a broken schema fails every case here)
    for (const xml of [renderJunitReport(report()), renderJunitReport(r)]) {
      const v = xmllint(xml);
      expect(v.out).toContain('validates');
      expect(v.ok).toBe(true);
    }
  });

  it('validates the known example run (petstore, seed 1)', () => {
    const example = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/report/example-report.json'), 'utf8')) as RunReport;
    const v = xmllint(renderJunitReport(example));
    expect(v.ok, v.out).toBe(true);
  });

  it('and the schema does reject what CI readers would not take', () => {
    const xml = renderJunitReport(report());
    expect(xmllint(xml.replace(/ package="[^"]*"/, '')).ok).toBe(false);
    expect(xmllint(xml.replace(/timestamp="[^"]*"/, 'timestamp="2025-01-01T00:00:00.000Z"')).ok).toBe(false);
    expect(xmllint(xml.replace('<skipped message=', '<bogus message=').replace('</skipped>', '</bogus>')).ok).toBe(false);
    expect(xmllint(xml.replace(/ {4}<system-err><\/system-err>\n/, '')).ok).toBe(false);
  });
});
