// by: ip, measured from two loopback source addresses (127.0.0.2 for the
// burst, 127.0.0.3 for isolation and liveness): rendered nginx and HAProxy
// configs keep the addresses apart, and a config that limits every client
// together (fixtures/<target>/mutants-rate-ip/) fails isolation.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { describe, expect } from 'vitest';
import { it } from '../harness/testing/fixtures.ts';
import { runSuites } from '../harness/run/run-suite.ts';
import { mutantsIn } from '../harness/testing/mutants.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function byIpSuite(dir: string, targets: Record<string, unknown>): string {
  const doc = parse(readFileSync(join(root, 'suites', 'petstore.suite.yaml'), 'utf8'));
  doc.spec = join(root, 'openapi', 'petstore.yaml');
  doc.policies.rateLimit.by = 'ip';
  doc.targets = targets;
  const file = join(dir, `by-ip-${Object.keys(targets).length}-${Math.random().toString(36).slice(2)}.suite.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

describe('rate limit by client address', () => {
  it('rendered configs: all four properties, isolation from another address; mutants limiting everyone together fail', { timeout: 120_000 }, async ({ tmp }) => {
    const mutants = mutantsIn(root, ['nginx', 'haproxy'], 'mutants-rate-ip');
    const run = async (targets: Record<string, unknown>) => (await runSuites({ suites: [byIpSuite(tmp, targets)], runtime: 'process', seed: 3, checks: ['rateLimit'], log: () => {} })).report.results;
    const [good, bad] = await Promise.all([run({ nginx: { render: true }, haproxy: { render: true } }), run(Object.fromEntries(mutants.map((m) => [m.target, { config: m.file }])))]);
    for (const r of good) {
      expect(r.status, `${r.target}: ${r.message}`).toBe('passed');
      expect(r.evidence.data?.measured).toEqual(['safety', 'liveness', 'isolation', 'recovery']);
      expect(r.evidence.data?.isolation).toMatchObject({ who: '127.0.0.3', status: 200 });
    }
    expect(bad.map((r) => r.target).sort()).toEqual(['haproxy', 'nginx']);
    for (const r of bad) {
      expect(r.status, `${r.target}: ${r.message}`).toBe('failed');
      expect(r.failures?.map((f) => f.code)).toContain(mutants.find((m) => m.target === r.target)!.code);
    }
  });
});
