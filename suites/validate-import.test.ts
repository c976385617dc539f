// `proxyproof validate` shows the import (issue 10): through the real CLI, on
// real samples from fixtures/realdata with the suites under fixtures/suites/
// (the bookinfo spec, openapi/reviews.yaml): the routes, the expectations with
// where each came from, and the import notes grouped (imported, defaulted,
// not checked with the reason, conflicts, info); --strict and the suite's
// `import: { strict: true }` refuse a sample with a field left unchecked (exit
// 2, one line, nothing written) and pass one that is fully expressed.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect } from 'vitest';
import { main } from '../harness/cli/main.ts';
import { it } from '../harness/testing/fixtures.ts';

const root = resolve(import.meta.dirname, '..');
const suite = (name: string) => join(root, 'fixtures/suites', name);
const BOOKINFO_90_10 = suite('bookinfo-reviews-90-10.suite.yaml');
const HTTPROUTE_MIRROR = suite('httproute-mirror.suite.yaml');
const HTTPROUTE_SPLIT = suite('httproute-simple-split.suite.yaml');
const BOOKINFO_ROUTES = suite('bookinfo-routes.suite.yaml');
const BOOKINFO_SUBSETS = suite('bookinfo-subsets.suite.yaml');

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

/** validate's lines for one suite: the ok line, then its sections by heading (two-space indent) and groups (four). */
interface Shown {
  ok: string;
  routes: string[];
  expectations: string[];
  importFrom?: string;
  imported?: string;
  groups: Map<string, string[]>;
  /** Group titles in the order printed. */
  order: string[];
}

function shown(out: string): Shown {
  const lines = out.split('\n').filter(Boolean);
  const s: Shown = { ok: lines[0], routes: [], expectations: [], groups: new Map(), order: [] };
  let into: string[] | undefined;
  for (const line of lines.slice(1)) {
    const heading = /^ {2}(\S.*?):?$/.exec(line)?.[1];
    const group = /^ {4}(\S[^:]*) \((\d+)\):$/.exec(line);
    if (heading?.startsWith('routes')) {
      into = s.routes;
      // `routes: none (...)` stands for the list.
      if (heading.startsWith('routes:')) s.routes.push(heading);
    } else if (heading?.startsWith('expectations')) into = s.expectations;
    else if (heading?.startsWith('import from ')) (s.importFrom = heading.slice('import from '.length)), (into = undefined);
    else if (line.startsWith('    imported: ')) s.imported = line.slice('    imported: '.length);
    else if (group) {
      into = [];
      s.groups.set(group[1], into);
      s.order.push(group[1]);
      expect(Number(group[2]), line).toBeGreaterThan(0);
    } else into?.push(line.trim());
  }
  return s;
}

/** Each group heading's count equals the lines under it. */
function countsHold(out: string): void {
  const lines = out.split('\n');
  lines.forEach((l, i) => {
    const m = /^ {4}(\S[^:]*) \((\d+)\):$/.exec(l);
    if (!m) return;
    const under = lines.slice(i + 1).findIndex((x) => !x.startsWith('      '));
    expect(under, l).toBe(Number(m[2]));
  });
}

describe('validate shows what a run checks and what the import said', () => {
  it('bookinfo reviews 90/10 with its DestinationRule: the canary and Istio default retry imported, the default named, groups in order', async () => {
    const r = await cli('validate', BOOKINFO_90_10);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    countsHold(r.out);
    const s = shown(r.out);
    expect(s.ok).toMatch(/^\/.*bookinfo-reviews-90-10\.suite\.yaml: ok \(2 operations, targets nginx \(nginx -t: ok\), policies .*canary/);
    expect(s.expectations).toContainEqual(expect.stringMatching(/^canary \(imported\): upstream reviews, weights \{v1: 90, v2: 10\}, tolerance 0\.05/));
    expect(s.importFrom).toBe('../realdata/istio/bookinfo-networking/destination-rule-all.yaml, ../realdata/istio/bookinfo-networking/virtual-service-reviews-90-10.yaml');
    expect(s.imported).toMatch(/expectations .*canary/);
    // The VirtualService sets no retries: Istio's default is expected, and said so under "defaulted".
    expect(s.groups.get('defaulted')).toContainEqual(expect.stringMatching(/^VirtualService\/reviews\b.*Istio's default retry/));
    const rank = ['defaulted', 'not checked', 'conflicts', 'info'];
    expect(s.order).toEqual([...s.order].sort((a, b) => rank.indexOf(a) - rank.indexOf(b)));
    expect(s.order.every((g) => rank.includes(g))).toBe(true);
    // Stable: the same output twice.
    expect((await cli('validate', BOOKINFO_90_10)).out).toBe(r.out);
  });

  for (const sample of [BOOKINFO_90_10, HTTPROUTE_MIRROR, HTTPROUTE_SPLIT, BOOKINFO_SUBSETS]) {
    it(`${sample.split('/').pop()} under --strict: exit 2 exactly when validate lists something as not checked, naming the first`, async () => {
      const plain = shown((await cli('validate', sample)).out);
      const strict = await cli('validate', sample, '--strict');
      const notChecked = plain.groups.get('not checked') ?? [];
      expect(strict.code, strict.err).toBe(notChecked.length ? 2 : 0);
      if (notChecked.length) expect(strict.err).toContain(`--strict: not checked: ${notChecked[0]}`);
    });
  }

  it('a Gateway API HTTPRoute with a RequestMirror: the route imported, the mirror listed as not checked with its field and reason', async () => {
    const r = await cli('validate', HTTPROUTE_MIRROR);
    expect(r.code, r.err).toBe(0);
    countsHold(r.out);
    const s = shown(r.out);
    expect(s.routes).toContainEqual(expect.stringMatching(/^1\. .*HTTPRoute\/http-filter-mirror.*: every request -> foo foo-v1 100\b/));
    expect(s.imported).toMatch(/routes \S+/);
    expect(s.groups.get('not checked')).toContainEqual(expect.stringMatching(/^HTTPRoute\/http-filter-mirror spec\.rules\[0\]\.filters\[0\]: .*RequestMirror.+/));
    // Each resource's notes together, in every group.
    for (const lines of s.groups.values()) {
      const resources = lines.map((l) => l.split(/[: ]/)[0]);
      expect(resources).toEqual([...new Set(resources)].flatMap((x) => resources.filter((y) => y === x)));
    }
  });

  it('a Gateway API HTTPRoute split: its backendRefs imported as the versions of the one upstream', async () => {
    const r = await cli('validate', HTTPROUTE_SPLIT);
    expect(r.code, r.err).toBe(0);
    const s = shown(r.out);
    expect(s.expectations).toContainEqual(expect.stringMatching(/^canary \(imported\): upstream foo, weights \{foo-v1: 90, foo-v2: 10\}/));
    expect(s.imported).toMatch(/expectations .*canary/);
    expect([...s.groups.values()].flat()).toContainEqual(expect.stringMatching(/^HTTPRoute\/simple-split\b/));
  });

  it('routes a suite states: in order, with their match, destination and own policies', async () => {
    const r = await cli('validate', BOOKINFO_ROUTES);
    expect(r.code, r.err).toBe(0);
    const s = shown(r.out);
    expect(s.routes).toEqual([
      '1. routes[0] (jason): path prefix /reviews/, header end-user =jason -> reviews v2 100; policies retry',
      '2. routes[1] (default): path prefix /reviews/ -> reviews v1 80, v2 20',
    ]);
    expect(s.expectations).toContainEqual('contract (suite)');
    expect(s.importFrom).toBeUndefined();
  });
});

describe('--strict and import: { strict: true }', () => {
  it('validate --strict on the mirror sample: exit 2, one line naming the suite, the resource and what is not checked; nothing on stdout', async () => {
    const r = await cli('validate', HTTPROUTE_MIRROR, '--strict');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const lines = r.err.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${HTTPROUTE_MIRROR.replace(/[.]/g, '\\.')}:policies\\.from: --strict: not checked: HTTPRoute/http-filter-mirror spec\\.rules\\[0\\]\\.filters\\[0\\]: rules\\[0\\]: filter RequestMirror: .+$`));
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('run --strict on the mirror sample: exit 2 before anything starts, no report written', async ({ tmp }) => {
    const reports = join(tmp, 'reports');
    const r = await cli('run', HTTPROUTE_MIRROR, '--strict', '--report-dir', reports);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.err).toMatch(/:policies\.from: --strict: not checked: HTTPRoute\/http-filter-mirror /);
    expect(existsSync(reports)).toBe(false);
  });

  it('validate --strict on a fully expressed sample (bookinfo DestinationRules): exit 0, the same output as without', async () => {
    const strict = await cli('validate', BOOKINFO_SUBSETS, '--strict');
    expect(strict.code, strict.err).toBe(0);
    expect(strict.out).toBe((await cli('validate', BOOKINFO_SUBSETS)).out);
    expect(shown(strict.out).groups.has('not checked')).toBe(false);
  });

  it('validate --strict on a VirtualService it fully expresses (bookinfo 90/10: the default retry it writes none of is defaulted, not unchecked): exit 0', async () => {
    const file = join(root, 'fixtures', 'suites', 'bookinfo-reviews-90-10.suite.yaml');
    const strict = await cli('validate', file, '--strict');
    expect(strict.code, strict.err).toBe(0);
    expect(shown(strict.out).groups.has('not checked')).toBe(false);
    expect(strict.out).toMatch(/connect-failure, refused-stream is a transport condition/);
  });

  it('import: { strict: true } in the suite: exit 2 at import.strict without the flag; a fully expressed suite still passes', async ({ tmp }) => {
    const strictCopy = (file: string) => {
      const text = readFileSync(file, 'utf8').replace(/\.\.\/\.\.\//g, `${root}/`).replace(/\.\.\/realdata\//g, `${root}/fixtures/realdata/`);
      const f = join(tmp, file.split('/').pop()!);
      writeFileSync(f, `${text}import: { strict: true }\n`);
      return f;
    };
    const r = await cli('validate', strictCopy(HTTPROUTE_MIRROR));
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.err).toMatch(/httproute-mirror\.suite\.yaml:line \d+: import\.strict: not checked: HTTPRoute\/http-filter-mirror /);
    expect((await cli('validate', strictCopy(BOOKINFO_SUBSETS))).code).toBe(0);
  });

  it('text from an imported file reaches the terminal with its control characters escaped', async ({ tmp }) => {
    // A VirtualService whose name and host carry ESC sequences and a newline, and a mirror (a not-checked field).
    writeFileSync(
      join(tmp, 'evil-vs.yaml'),
      [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata: { name: "evil\\u001b[2J\\nforged: ok" }',
        'spec:',
        '  hosts: [reviews, "x\\u009b31m\\ry"]',
        '  http:',
        '  - mirror: { host: reviews }',
        '    route: [{ destination: { host: reviews } }]',
        '',
      ].join('\n'),
    );
    const text = readFileSync(BOOKINFO_90_10, 'utf8').replace(/\.\.\/\.\.\//g, `${root}/`).replace(/ {4}- \.\.\/realdata\/.*\n/g, '').replace('  from:\n', `  from:\n    - ${join(tmp, 'evil-vs.yaml')}\n`);
    writeFileSync(join(tmp, 'evil.suite.yaml'), text);
    const r = await cli('validate', join(tmp, 'evil.suite.yaml'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('evil\\u001b[2J\\nforged: ok');
    expect(r.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(r.out.split('\n').some((l) => l.startsWith('forged'))).toBe(false);
    const strict = await cli('validate', join(tmp, 'evil.suite.yaml'), '--strict');
    expect(strict.code).toBe(2);
    expect(strict.err).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(strict.err.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
