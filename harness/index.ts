// proxyproof's one public entry. Folders follow the data flow:
// spec and policy -> suite -> upstream mocks -> target rendering -> runtime
// -> checks -> run -> report.

export { ExitCode, InputError, EnvironmentError } from './model/errors.ts';
export type * from './model/spec.ts';
export { loadSpec } from './spec/load-spec.ts';
export { createSpecValidator } from './spec/validate.ts';
export { generateRequest, generateResponse } from './spec/generate-request.ts';
export type * from './model/suite.ts';
export { loadSuite } from './suite/load-suite.ts';
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
export { runSuites } from './run/run-suite.ts';
export { validateSuites, renderSuite } from './run/validate.ts';
export { writeReports } from './report/write-reports.ts';
