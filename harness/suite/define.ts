// A suite written in TypeScript: `export default defineSuite({...})` in a
// .ts/.mts file, or a value handed to runSuite. The type is the YAML's shape
// (generated from the schema editors read), so tsc checks what the schema checks.

import type { SuiteInput } from './suite-input.ts';

export type { SuiteInput };

/** The suite as written; returns it unchanged (the loader checks it as it checks YAML). */
export function defineSuite(suite: SuiteInput): SuiteInput {
  return suite;
}
