// The checks of a target run side by side where their declared uses do not
// conflict (Check.uses, run/check-runner.ts). That must not change a verdict:
// the example suite, and the same suite on mutant configs, give the same
// status and failure codes for every check whether run that way or one check
// after another (RunOptions.serial).

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { describe, expect } from 'vitest';
import { it } from '../harness/testing/fixtures.ts';
import type { RunReport } from '../harness/model/result.ts';
import { runSuites } from '../harness/run/run-suite.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const base = join(root, 'suites', 'petstore.suite.yaml');

const verdicts = (r: RunReport) => r.results.map((x) => `${x.target}/${x.check}${x.route ? `/${x.route}` : ''}: ${x.status} ${(x.failures ?? []).map((f) => f.code).sort().join(',')}`);

async function bothWays(suite: string): Promise<{ serial: string[]; side: string[] }> {
  const run = async (serial: boolean) => verdicts((await runSuites({ suites: [suite], runtime: 'process', seed: 7, serial, log: () => {} })).report);
  return { serial: await run(true), side: await run(false) };
}

describe('checks side by side', () => {
  it('the example suite: the same verdicts as one check after another', { timeout: 120_000 }, async () => {
    const { serial, side } = await bothWays(base);
    expect(side).toEqual(serial);
    expect(side.filter((v) => v.includes(': passed'))).toHaveLength(14);
  });

  it('mutant configs (a limit of 10 on nginx, POST cut at the per-try timeout on HAProxy): the same failures either way', { timeout: 120_000 }, async ({ tmp }) => {
    const doc = parse(readFileSync(base, 'utf8'));
    doc.spec = join(root, 'openapi', 'petstore.yaml');
    doc.targets = { nginx: { config: join(root, 'fixtures/nginx/mutants/rate-limit.conf') }, haproxy: { config: join(root, 'fixtures/haproxy/mutants/timeout.cfg') } };
    const file = join(tmp, 'mutants.suite.yaml');
    writeFileSync(file, stringify(doc));
    const { serial, side } = await bothWays(file);
    expect(side).toEqual(serial);
    expect(side).toContain('nginx/rateLimit: failed rateLimit.overAdmitted');
    expect(side.find((v) => v.startsWith('haproxy/timeout:'))).toMatch(/^haproxy\/timeout: failed timeout\./);
  });
});
