// The routing check on real HAProxy and nginx: the hand-written configs in
// fixtures/routing/ honour the routes of fixtures/routing/reviews.suite.yaml
// (a header route, a string-prefix route and an 80/20 default), and every
// mutant under fixtures/<target>/mutants-routing/ (a header matched by
// prefix, ignoring case, by an unanchored regex, ignored; a wrong subset; the
// prefix sent to the split; the routes checked in the wrong order) is caught
// with the failure code it names, and so is a retry put on the wrong route.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { it } from '../harness/testing/fixtures.ts';
import { mutantsIn, type Mutant } from '../harness/testing/mutants.ts';
import { runSuites } from '../harness/run/run-suite.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const base = join(root, 'fixtures', 'routing', 'reviews.suite.yaml');

function suiteWith(dir: string, name: string, targets: Record<string, unknown>): string {
  const doc = parse(readFileSync(base, 'utf8'));
  doc.spec = join(root, 'openapi', 'reviews.yaml');
  doc.targets = targets;
  const file = join(dir, `${name}.suite.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

const mutants = mutantsIn(root, ['haproxy', 'nginx'], 'mutants-routing');

describe('the routing check on hand-written HAProxy and nginx configs', () => {
  it('passes both correct configs: every match, near miss and first-match case lands right, the split within tolerance', { timeout: 120_000 }, async ({ tmp }) => {
    const file = suiteWith(tmp, 'correct', { haproxy: { config: join(root, 'fixtures/routing/haproxy.cfg') }, nginx: { config: join(root, 'fixtures/routing/nginx.conf') } });
    const { report, exitCode } = await runSuites({ suites: [file], runtime: 'process', seed: 3, checks: ['routing', 'retry'], log: () => {} });
    // The /reviews/1 route's own retry, checked with requests that select it; the suite has no retry of its own.
    const retries = report.results.filter((r) => r.check === 'retry' && r.route === 'product-1');
    expect(retries.map((r) => r.target).sort()).toEqual(['haproxy', 'nginx']);
    for (const r of retries) expect(r.status, `${r.target}: ${r.message}`).toBe('passed');
    const routing = report.results.filter((r) => r.check === 'routing');
    expect(routing.map((r) => r.target).sort()).toEqual(['haproxy', 'nginx']);
    for (const r of routing) {
      expect(r.status, `${r.target}: ${r.message}`).toBe('passed');
      // 3 routes; the header route's near misses (another case, longer, a prefix, absent) and the prefix route's.
      expect(r.message).toMatch(/^3 route\(s\): 3 matching, \d+ near-miss and \d+ first-match case\(s\) landed right/);
      const data = r.evidence.data as { cases: Array<{ kind: string; what: string }>; splits: Array<{ route: string; bands: Array<{ version: string; expected: number }> }> };
      const whats = data.cases.filter((c) => c.kind === 'nearMiss').map((c) => c.what);
      for (const miss of ['another case', 'longer', 'absent']) expect(whats.some((w) => w.includes(miss)), `${miss} in ${whats.join('; ')}`).toBe(true);
      expect(data.cases.some((c) => c.kind === 'order')).toBe(true);
      expect(data.splits.map((s) => s.route)).toEqual(['default']);
    }
    expect(exitCode).toBe(0);
  });

  it('has a mutant per way a route is commonly broken, on both targets', () => {
    expect(mutants.filter((m) => m.target === 'haproxy').length).toBeGreaterThanOrEqual(5);
    expect(mutants.filter((m) => m.target === 'nginx').length).toBeGreaterThanOrEqual(5);
  });

  for (const m of mutants) {
    it(`${m.target}: fails with ${m.code} on "${m.why}"`, { timeout: 90_000 }, async ({ tmp }) => {
      const file = suiteWith(tmp, 'mutant', { [m.target]: { config: (m as Mutant).file } });
      const { report, exitCode } = await runSuites({ suites: [file], runtime: 'process', seed: 3, checks: [m.check], log: () => {} });
      // A route's own policy is judged in its route-scoped result.
      const r = report.results.find((x) => x.check === m.check && x.status !== 'skipped')!;
      expect(r.status, r.message).toBe('failed');
      expect(r.failures?.map((f) => f.code), r.message).toContain(m.code);
      expect(exitCode).toBe(1);
    });
  }
});
