// Long rate-limit windows, measured for real (minutes: set
// PROXYPROOF_LONG_TESTS=1 to run them). A 100-per-minute limit gets liveness,
// safety, isolation and recovery measured within 4 minutes; a 10,000-per-hour
// limit gets safety and isolation within a 2-minute budget and says what it
// left unmeasured. Both pass on correct configs and fail on mutants that
// admit twice the limit (fixtures/<target>/mutants-rate-long/), on nginx and
// HAProxy. The per-minute runs go beside the per-hour ones.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { describe, expect } from 'vitest';
import { it } from '../harness/testing/fixtures.ts';
import type { CheckResult } from '../harness/model/result.ts';
import { runSuites } from '../harness/run/run-suite.ts';
import { mutantsIn } from '../harness/testing/mutants.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const suiteOf = (w: 'minute' | 'hour') => join(root, 'fixtures', 'rate-limit-long', `per-${w}.suite.yaml`);
const BUDGET = { minute: 240_000, hour: 120_000 } as const;

/** The suite with each target's mutant for this window as the user's config. */
function mutantSuite(w: 'minute' | 'hour', dir: string): string {
  const doc = parse(readFileSync(suiteOf(w), 'utf8'));
  doc.spec = join(root, 'openapi', 'petstore.yaml');
  const mutants = mutantsIn(root, ['nginx', 'haproxy'], 'mutants-rate-long').filter((m) => m.file.includes(`per-${w}-`));
  doc.targets = Object.fromEntries(mutants.map((m) => [m.target, { config: m.file }]));
  const file = join(dir, `per-${w}-mutants.suite.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

async function rateLimitResults(suite: string, budgetMs: number): Promise<CheckResult[]> {
  const { report } = await runSuites({ suites: [suite], runtime: 'process', seed: 5, checks: ['rateLimit'], budgetMs, log: () => {} });
  return report.results;
}

describe.runIf(process.env.PROXYPROOF_LONG_TESTS === '1')('long rate-limit windows', () => {
  it('per minute: all four properties in 4 minutes; per hour: safety and isolation in 2; mutants at twice the limit fail', { timeout: 600_000 }, async ({ tmp }) => {
    // The per-minute runs are mostly waiting; the per-hour bursts (20,002 requests each) go one after another beside them.
    const perHour = async () => [await rateLimitResults(suiteOf('hour'), BUDGET.hour), await rateLimitResults(mutantSuite('hour', tmp), BUDGET.hour)];
    const [minute, minuteMutants, [hour, hourMutants]] = await Promise.all([
      rateLimitResults(suiteOf('minute'), BUDGET.minute),
      rateLimitResults(mutantSuite('minute', tmp), BUDGET.minute),
      perHour(),
    ]);
    console.log([...minute, ...minuteMutants, ...hour, ...hourMutants].map((r) => `${r.suite}/${r.target}: ${r.status} in ${(r.durationMs / 1000).toFixed(1)} s — ${r.message}`).join('\n'));
    for (const r of minute) {
      expect(r.status, `${r.target}: ${r.message}`).toBe('passed');
      expect(r.evidence.data?.measured, r.target).toEqual(['safety', 'liveness', 'isolation', 'recovery']);
      expect(r.durationMs).toBeLessThanOrEqual(BUDGET.minute);
    }
    for (const r of hour) {
      expect(r.status, `${r.target}: ${r.message}`).toBe('passed');
      expect(r.evidence.data?.measured, r.target).toEqual(['safety', 'isolation']);
      expect(r.message).toContain('not measured: liveness, recovery');
      expect(r.durationMs).toBeLessThanOrEqual(BUDGET.hour);
    }
    for (const r of [...minuteMutants, ...hourMutants]) {
      expect(r.status, `${r.target}: ${r.message}`).toBe('failed');
      expect(r.failures?.map((f) => f.code)).toContain('rateLimit.overAdmitted');
    }
    expect([minute, minuteMutants, hour, hourMutants].map((rs) => rs.map((r) => r.target).sort())).toEqual(Array(4).fill(['haproxy', 'nginx']));
  });
});
