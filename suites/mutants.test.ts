// Every policy check is proven sensitive: each mutant config under
// fixtures/<target>/mutants/ breaks one policy, and the check for that policy
// must fail on it with the failure code the mutant names. The first line of a
// mutant says which check it breaks and how:
// `# mutant: <check> — <what is broken> [<check>.<code>]`.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { it } from '../harness/testing/fixtures.ts';
import { parse, stringify } from 'yaml';
import { runSuites } from '../harness/run/run-suite.ts';
import { mutantsIn, type Mutant } from '../harness/testing/mutants.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const base = join(root, 'suites', 'petstore.suite.yaml');

const CHECKS = ['auth', 'rateLimit', 'retry', 'canary', 'contract', 'transform', 'timeout'];

/** A copy of the example suite with one target, running the mutant as the user's config. */
function suiteWith(m: Mutant, dir: string): string {
  const doc = parse(readFileSync(base, 'utf8'));
  doc.spec = join(root, 'openapi', 'petstore.yaml');
  doc.targets = { [m.target]: { config: m.file } };
  const file = join(dir, `${m.target}-${m.check}.suite.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

const all = mutantsIn(root, ['nginx', 'haproxy'], 'mutants');

describe('mutants', () => {
  it('every check has a mutant on both targets', () => {
    for (const target of ['nginx', 'haproxy']) {
      expect(new Set(all.filter((m) => m.target === target).map((m) => m.check))).toEqual(new Set(CHECKS));
    }
  });

  for (const m of all) {
    it(`${m.target}: the ${m.check} check fails with ${m.code} on "${m.why}"`, { timeout: 90_000 }, async ({ tmp: dir }) => {
      const { report, exitCode } = await runSuites({ suites: [suiteWith(m, dir)], runtime: 'process', seed: 11, checks: [m.check], log: () => {} });
      const r = report.results.find((x) => x.check === m.check)!;
      expect(r.status, r.message).toBe('failed');
      expect(r.failures?.map((f) => f.code), r.message).toContain(m.code);
      expect(exitCode).toBe(1);
    });
  }
});
