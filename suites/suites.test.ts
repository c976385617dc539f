// Every *.suite.yaml here is a test: a new spec plus a suite file is new
// tests, no code. Each suite runs against all its targets on real proxies.

import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSuites } from '../harness/run/run-suite.ts';

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here).filter((f) => f.endsWith('.suite.yaml')).sort();

describe('example suites', () => {
  it('there are suites to run', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const f of files) {
    it(`${f}: every check passes or says why it could not run`, { timeout: 120_000 }, async () => {
      const { report, exitCode } = await runSuites({ suites: [join(here, f)], runtime: 'process', seed: 7, log: () => {} });
      const failures = report.results.filter((r) => r.status === 'failed').map((r) => `${r.target}/${r.check}: ${r.message}`);
      expect(failures).toEqual([]);
      expect(exitCode).toBe(0);
      for (const r of report.results) if (r.status !== 'passed') expect(r.message.length).toBeGreaterThan(10);
      expect(report.summary.passed).toBeGreaterThan(0);
    });
  }
});
