// proxyproof/vitest: suites as Vitest tests, in the user's own test run.
//
//   import { describeSuite } from 'proxyproof/vitest';
//   describeSuite('suites/payments.suite.yaml');
//
// registers one test per check and target (and per route a route's own policy
// is checked for), named `<target> › <check>`; the suite runs once (beforeAll)
// and each test reads its own result, so a failure shows in Vitest's reporters
// with its failure codes, evidence and the curl line that reproduces it.
// A check a target cannot express (notSupported) or that the suite does not
// configure (skipped) is a skipped test with the reason as its note, never a pass.
// The pattern is the one this repository's suites/suites.test.ts uses.

import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult, Failure } from './model/result.ts';
import { checkLabel } from './model/result.ts';
import { planSuite, runSuite, startTarget, suiteFrom, type PlannedResult, type RunningTarget, type RunSuiteOptions } from './run/library.ts';
import type { RunResult } from './run/run-suite.ts';
import type { SuiteInput } from './suite/suite-input.ts';

export { startTarget, type RunningTarget };

export interface DescribeSuiteOptions extends RunSuiteOptions {
  /** How long the whole suite may take to run (the beforeAll hook). Default 300 000 ms. */
  timeout?: number;
}

interface ToPassMatchers {
  /** The check passed; otherwise the message carries its status, failures (code, message, curl) and first exchange. */
  toPass(): void;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Assertion<T = any> extends ToPassMatchers {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AsymmetricMatchersContaining extends ToPassMatchers {}
}

function failureLines(f: Failure): string[] {
  const out = [`  ${f.code}: ${f.message}`];
  const x = f.exchange;
  if (x) out.push(`    ${x.request.method} ${x.request.url} -> ${x.response ? x.response.status : 'no response'}${x.upstreamTries !== undefined ? ` (upstream saw it ${x.upstreamTries} time(s))` : ''}`);
  if (f.curl) out.push(`    reproduce: ${f.curl}`);
  return out;
}

/** Why a result did not pass, as Vitest prints it: status and message, then every failure with its evidence. */
export function describeResult(r: CheckResult): string {
  const lines = [`${r.suite}/${r.target}/${checkLabel(r)}: ${r.status} — ${r.message}`];
  for (const f of r.failures ?? []) lines.push(...failureLines(f));
  if (!r.failures?.length && r.evidence.curl) lines.push(`  reproduce: ${r.evidence.curl}`);
  return lines.join('\n');
}

expect.extend({
  toPass(received: CheckResult) {
    const pass = received?.status === 'passed';
    return { pass, message: () => (pass ? `expected ${received.suite}/${received.target}/${checkLabel(received)} not to pass` : describeResult(received)) };
  },
});

const same = (p: PlannedResult) => (r: CheckResult) => r.target === p.target && r.check === p.check && r.route === p.route;

/** The test's name: `<target> › <check>`, or `<target> › <check> (route <name>)`. */
export function testName(p: PlannedResult): string {
  return `${p.target} › ${checkLabel(p)}`;
}

function registerTests(plan: PlannedResult[], result: () => RunResult | undefined): void {
  for (const p of plan) {
    it(testName(p), (ctx) => {
      const run = result();
      if (!run) throw new Error('the suite did not run (see the beforeAll error)');
      const r = run.report.results.find(same(p));
      if (!r) throw new Error(`the run has no result for ${testName(p)}`);
      if (r.status === 'skipped' || r.status === 'notSupported') ctx.skip(`${r.status}: ${r.message}`);
      expect(r).toPass();
    });
  }
}

/**
 * One Vitest test per check and target of a suite file (YAML or a .ts module)
 * or a suite given as data; the suite runs once, before its tests.
 */
export function describeSuite(suite: string | SuiteInput, options: DescribeSuiteOptions = {}): void {
  const { timeout = 300_000, ...runOptions } = options;
  const title = typeof suite === 'string' ? suite : (suite.name ?? 'suite');
  // Vitest awaits an async describe body while it collects, so the tests can be named from the loaded suite.
  describe(title, async () => {
    const loaded = await suiteFrom(suite, runOptions.file);
    const plan = await planSuite(loaded, runOptions);
    let run: RunResult | undefined;
    beforeAll(async () => {
      run = await runSuite(loaded, runOptions);
    }, timeout);
    registerTests(plan, () => run);
  });
}
