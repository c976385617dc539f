// Istio's bookinfo networking samples, imported with their routes (matches,
// subsets, weights), on HAProxy and nginx configs rendered from them: the
// routing check passes on each, and each hand-written mutant under
// fixtures/<target>/mutants-bookinfo-routes/ (first line: the check and the
// failure code; second line: "# sample: <the VirtualService it breaks>") is
// caught. The ratings fault samples' mutants are in mutants-bookinfo/ (bookinfo.test.ts).

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { it } from '../harness/testing/fixtures.ts';
import { mutantsIn } from '../harness/testing/mutants.ts';
import { runSuites } from '../harness/run/run-suite.ts';
import { loadSuite } from '../harness/suite/load-suite.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const base = join(root, 'suites', 'bookinfo-reviews.suite.yaml');
const samples = join(root, 'fixtures', 'realdata', 'istio', 'bookinfo-networking');

function suiteFor(dir: string, name: string, vs: string, targets: Record<string, unknown> = { haproxy: { render: true }, nginx: { render: true } }): string {
  const doc = parse(readFileSync(base, 'utf8'));
  doc.spec = join(root, 'openapi', 'reviews.yaml');
  doc.policies = { from: [join(samples, 'destination-rule-all.yaml'), join(samples, vs)] };
  doc.targets = targets;
  const file = join(dir, `${name}.suite.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

/** Sample -> the reviews destinations its routes must show (route by route, first match first). */
const SAMPLES: Record<string, string[]> = {
  'virtual-service-reviews-test-v2.yaml': ['v2', 'v1'],
  'virtual-service-reviews-jason-v2-v3.yaml': ['v2', 'v3'],
  'virtual-service-reviews-v2-v3.yaml': ['v2 50, v3 50'],
  'virtual-service-all-v1.yaml': ['v1'],
  'virtual-service-reviews-90-10.yaml': ['v1 90, v2 10'],
  'virtual-service-reviews-80-20.yaml': ['v1 80, v2 20'],
  'virtual-service-reviews-50-v3.yaml': ['v1 50, v3 50'],
  'virtual-service-ratings-test-abort.yaml': [],
  'virtual-service-ratings-test-delay.yaml': [],
};

const weightsText = (w: Record<string, number>) =>
  Object.entries(w)
    .filter(([, x]) => x > 0)
    .map(([v, x]) => (Object.keys(w).length > 1 ? `${v} ${x}` : v))
    .join(', ');

const mutants = mutantsIn(root, ['haproxy', 'nginx'], 'mutants-bookinfo-routes').map((m) => ({ ...m, sample: /^# sample: (\S+)$/m.exec(readFileSync(m.file, 'utf8'))![1] }));

describe('bookinfo routes on rendered HAProxy and nginx', () => {
  for (const [vs, reviews] of Object.entries(SAMPLES)) {
    it(`${vs}: imports its routes, and the routing check passes on both`, { timeout: 180_000 }, async ({ tmp }) => {
      const file = suiteFor(tmp, 'sample', vs);
      const suite = await loadSuite(file);
      const routes = suite.routes ?? [];
      expect(routes.filter((r) => r.to.upstream === 'reviews').map((r) => weightsText(r.to.weights))).toEqual(reviews);
      // Routes for services the suite does not serve (all-v1's productpage and details) are named, not dropped.
      for (const other of new Set(routes.map((r) => r.to.upstream))) expect(['reviews', 'ratings']).toContain(other);
      if (vs === 'virtual-service-all-v1.yaml') for (const host of ['productpage', 'details']) expect(suite.imported!.notes.some((n) => n.kind === 'unexpressed' && n.message.includes(host) && n.message.includes("not an upstream of the suite"))).toBe(true);
      const { report } = await runSuites({ suites: [file], runtime: 'process', seed: 7, checks: ['routing', 'fault'], log: () => {} });
      const routing = report.results.filter((r) => r.check === 'routing');
      expect(routing.map((r) => r.target).sort()).toEqual(['haproxy', 'nginx']);
      for (const r of routing) expect(r.status, `${r.target}: ${r.message}`).toBe('passed');
      // A fault the target cannot render is notSupported with its reason, never passed or skipped.
      for (const r of report.results.filter((x) => x.check === 'fault' && x.status !== 'skipped')) expect(['passed', 'notSupported'], `${r.target}: ${r.message}`).toContain(r.status);
    });
  }

  it('has a mutant for every reviews sample on both targets', () => {
    for (const target of ['haproxy', 'nginx']) {
      const covered = new Set(mutants.filter((m) => m.target === target).map((m) => m.sample));
      for (const [vs, reviews] of Object.entries(SAMPLES)) if (reviews.length) expect(covered.has(vs), `${target}: ${vs}`).toBe(true);
    }
  });

  for (const m of mutants) {
    it(`${m.target} ${m.sample}: fails with ${m.code} on "${m.why}"`, { timeout: 120_000 }, async ({ tmp }) => {
      const file = suiteFor(tmp, 'mutant', m.sample, { [m.target]: { config: m.file } });
      const { report, exitCode } = await runSuites({ suites: [file], runtime: 'process', seed: 7, checks: [m.check], log: () => {} });
      const r = report.results.find((x) => x.check === m.check && x.status !== 'skipped')!;
      expect(r.status, r.message).toBe('failed');
      expect(r.failures?.map((f) => f.code), r.message).toContain(m.code);
      expect(exitCode).toBe(1);
    });
  }
});
