// proxyproof's one public entry. Folders follow the data flow:
// spec and policy -> suite -> upstream mocks -> target rendering -> runtime
// -> checks -> run -> report.

export { ExitCode, InputError, EnvironmentError } from './model/errors.ts';
export type * from './model/spec.ts';
export { loadSpec } from './spec/load-spec.ts';
export { createSpecValidator } from './spec/validate.ts';
export { generateRequest, generateResponse } from './spec/generate-request.ts';
export type * from './model/suite.ts';
export { loadSuite, loadSuiteData } from './suite/load-suite.ts';
export { defineSuite, type SuiteInput } from './suite/define.ts';
export type * from './model/upstream.ts';
export { startMockFleet, startStandaloneMock } from './upstream/mock-upstream.ts';
export type * from './targets/target.ts';
export { getTarget, targetNames } from './targets/registry.ts';
export type * from './model/runtime.ts';
export { processRuntime } from './runtime/process-runtime.ts';
export type { Check, CheckContext } from './checks/check.ts';
export { checks, checkNamed } from './checks/registry.ts';
export * from './stats/sequential.ts';
export type * from './model/result.ts';
export { runSuites, type RunOptions, type RunResult } from './run/run-suite.ts';
export { runSuite, planSuite, startTarget, suiteFrom, type RunSuiteOptions, type PlannedResult, type RunningTarget } from './run/library.ts';
export { validateSuites, renderSuite } from './run/validate.ts';
export { writeReports } from './report/write-reports.ts';
export { missingDependency, type OptionalDependency } from './util/optional-dep.ts';

import type { RunResult } from './run/run-suite.ts';
import { writeReports } from './report/write-reports.ts';

/** Write a run's report.json, junit.xml and index.html to `dir`, redacting its secrets (runSuite writes nothing itself). */
export async function writeResults(result: RunResult, dir: string, options: { baseline?: string } = {}): Promise<void> {
  await writeReports(result.report, dir, result.secrets, { baseline: options.baseline, credentialNames: result.credentialNames });
}
