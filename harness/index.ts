// proxyproof's one public entry. Folders follow the data flow:
// spec and policy -> suite -> upstream mocks -> target rendering -> runtime
// -> checks -> run -> report.

export { ExitCode, InputError, EnvironmentError } from './errors.ts';
export type * from './spec/model.ts';
export { loadSpec } from './spec/load-spec.ts';
export { createSpecValidator } from './spec/validate.ts';
export { generateRequest, generateResponse } from './spec/generate-request.ts';
export type * from './suite/suite.ts';
export { loadSuite } from './suite/load-suite.ts';
export type * from './upstream/types.ts';
export { startMockFleet, startStandaloneMock } from './upstream/mock-upstream.ts';
export type * from './targets/target.ts';
export { getTarget, targetNames } from './targets/targets.ts';
export type * from './runtime/runtime.ts';
export { processRuntime } from './runtime/process-runtime.ts';
export type { Check, CheckContext } from './checks/check.ts';
export { checks, checkNamed } from './checks/checks.ts';
export * from './stats/sequential.ts';
export type * from './run/result.ts';
export { runSuites, validateSuites, renderSuite } from './run/run-suite.ts';
export { writeReports } from './report/write-reports.ts';
