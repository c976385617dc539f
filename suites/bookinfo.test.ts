// Istio's bookinfo policies, imported as expectations, against HAProxy on
// this machine: every reviews split (90/10, 80/20, 50/50), the ratings fault
// abort and delay, Istio's default retry, a retry VirtualService and the
// request-timeouts VirtualService pass on a config
// rendered from them; each mutant under fixtures/haproxy/mutants-bookinfo/
// (first line "# mutant: <check> — <what> [<code>]") is caught by its check.

import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { it } from '../harness/testing/fixtures.ts';
import { parse, stringify } from 'yaml';
import { runSuites } from '../harness/run/run-suite.ts';
import { mutantsIn } from '../harness/testing/mutants.ts';
import type { CheckResult } from '../harness/model/result.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const base = join(root, 'suites', 'bookinfo-reviews.suite.yaml');
const istio = join(root, 'fixtures', 'istio');
/** Mutants of a VirtualService the example suite does not import: the one they break. */
const OWN_SOURCES: Record<string, string> = {
  'timeout.cfg': 'virtual-service-reviews-timeout.yaml',
  'fault-delay.cfg': 'virtual-service-ratings-test-delay.yaml',
};

function suiteWith(dir: string, name: string, change: (doc: Record<string, any>) => void): string {
  const doc = parse(readFileSync(base, 'utf8'));
  doc.spec = join(root, 'openapi', 'reviews.yaml');
  doc.policies.from = doc.policies.from.map((f: string) => resolve(dirname(base), f));
  change(doc);
  const file = join(dir, `${name}.suite.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

/** The suite-wide results of one check, by target (the imported routes' own results carry their route). */
function byTarget(report: { results: CheckResult[] }, check: string, route?: string): Record<string, CheckResult> {
  return Object.fromEntries(report.results.filter((r) => r.check === check && r.route === route).map((r) => [r.target, r]));
}

const TARGETS = ['haproxy', 'nginx'];

async function run(file: string, dir: string, checks: string[]) {
  return runSuites({ suites: [file], runtime: 'process', seed: 5, checks, log: () => {} });
}

describe('bookinfo expectations on HAProxy and nginx (rendered)', () => {
  const splits: Array<[string, Record<string, number>]> = [
    ['virtual-service-reviews-90-10.yaml', { v1: 90, v2: 10 }],
    ['virtual-service-reviews-80-20.yaml', { v1: 80, v2: 20 }],
    ['virtual-service-reviews-50-v3.yaml', { v1: 50, v3: 50 }],
  ];
  for (const [vs, weights] of splits) {
    it(`${vs}: the imported canary and Istio's default retry pass`, { timeout: 60_000 }, async ({ tmp: dir }) => {
      const file = suiteWith(dir, 'split', (d) => {
        d.policies.from = [join(istio, 'destination-rule-all.yaml'), join(istio, vs)];
      });
      const { report, exitCode } = await run(file, dir, ['canary', 'retry']);
      const canary = byTarget(report, 'canary');
      const retry = byTarget(report, 'retry');
      expect(Object.keys(canary).sort()).toEqual(TARGETS.sort());
      for (const t of TARGETS) {
        expect(canary[t].status, `${t}: ${canary[t].message}`).toBe('passed');
        for (const [v, w] of Object.entries(weights)) expect(canary[t].message).toMatch(new RegExp(`${v} [\\d.]+% \\(expected ${w}\\.0%\\)`));
        expect(retry[t].status, `${t}: ${retry[t].message}`).toBe('passed');
      }
      expect(exitCode).toBe(0);
    });
  }

  it('the retry VirtualService (attempts 3, gateway-error, perTryTimeout 2s) passes', { timeout: 60_000 }, async ({ tmp: dir }) => {
    const file = suiteWith(dir, 'retry', (d) => {
      d.policies.from = [join(istio, 'destination-rule-all.yaml'), join(istio, 'virtual-service-reviews-retry.yaml')];
    });
    const { report } = await run(file, dir, ['retry']);
    for (const r of Object.values(byTarget(report, 'retry'))) {
      expect(r.status, `${r.target}: ${r.message}`).toBe('passed');
      expect(r.evidence.data).toMatchObject({ attempts: 3, on: [502, 503, 504], perTryTimeoutMs: 2000 });
    }
  });

  it('the request-timeouts VirtualService (reviews v2, timeout 0.5s) imports and passes', { timeout: 60_000 }, async ({ tmp: dir }) => {
    const file = suiteWith(dir, 'timeout', (d) => {
      d.policies.from = [join(istio, 'destination-rule-all.yaml'), join(istio, 'virtual-service-reviews-timeout.yaml')];
    });
    const { report, exitCode } = await run(file, dir, ['timeout']);
    const results = byTarget(report, 'timeout');
    expect(Object.keys(results).sort()).toEqual(TARGETS.sort());
    for (const r of Object.values(results)) {
      expect(r.status, `${r.target}: ${r.message}`).toBe('passed');
      expect(r.message).toMatch(/^getReviews: a slow upstream ended with 504 after \d+ ms \(timeout 500 ms\)/);
    }
    expect(exitCode).toBe(0);
  });

  it('the ratings delay VirtualService (7 s for end-user jason) passes on HAProxy; nginx cannot express it', { timeout: 60_000 }, async ({ tmp: dir }) => {
    const file = suiteWith(dir, 'delay', (d) => {
      d.policies.from = [join(istio, 'destination-rule-all.yaml'), join(istio, 'virtual-service-ratings-test-delay.yaml')];
    });
    const { report, exitCode } = await run(file, dir, ['fault']);
    const { haproxy: r, nginx } = byTarget(report, 'fault');
    expect(nginx.status).toBe('notSupported');
    expect(nginx.message).toMatch(/fault\.delay/);
    expect(r.status, r.message).toBe('passed');
    const rows = r.evidence.data!.rules as Array<{ fault?: string; elapsedMs: number; upstreamTries: number }>;
    const held = rows.find((x) => x.fault === 'delay')!;
    expect(held.elapsedMs).toBeGreaterThanOrEqual(7000 - 20);
    expect(held.upstreamTries).toBe(1);
    expect(rows.find((x) => x.fault === undefined)!.elapsedMs).toBeLessThan(3500);
    // The imported route for end-user jason carries the delay as its own, checked with requests that select it.
    expect(byTarget(report, 'fault', 'ratings.http0').haproxy?.status).toBe('passed');
    expect(exitCode).toBe(0);
  });

  const mutants = mutantsIn(root, TARGETS, 'mutants-bookinfo');

  it('there are mutants for the imported canary, retry, fault and timeout on HAProxy, and fault on nginx', () => {
    expect(new Set(mutants.filter((m) => m.target === 'haproxy').map((m) => m.check))).toEqual(new Set(['canary', 'retry', 'fault', 'timeout']));
    expect(mutants.filter((m) => m.target === 'nginx').map((m) => m.check)).toContain('fault');
  });

  for (const m of mutants) {
    it(`${m.target} mutant caught by ${m.check} (${m.code}): ${m.why}`, { timeout: 60_000 }, async ({ tmp: dir }) => {
      const file = suiteWith(dir, 'mutant', (d) => {
        d.targets = { [m.target]: { config: m.file } };
        // Mutants of VirtualServices the example suite does not import bring their own.
        const own = OWN_SOURCES[basename(m.file)];
        if (own) d.policies.from = [join(istio, 'destination-rule-all.yaml'), join(istio, own)];
      });
      const { report, exitCode } = await run(file, dir, [m.check]);
      const r = report.results.find((x) => x.check === m.check)!;
      expect(r.status, r.message).toBe('failed');
      expect(r.failures?.map((f) => f.code), r.message).toContain(m.code);
      expect(exitCode).toBe(1);
    });
  }
});
