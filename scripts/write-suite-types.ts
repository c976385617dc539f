// Writes harness/suite/suite-input.ts, the TypeScript type of a suite as
// written (the YAML's shape), from the schema editors read. defineSuite()
// takes it, so a suite in a .ts file is checked by tsc as the YAML is by the
// schema. Run after write-suite-schema.ts; a test fails while it is out of date.

import { writeFileSync } from 'node:fs';
import { SUITE_INPUT_FILE, suiteTypesText } from './suite-types.ts';

writeFileSync(SUITE_INPUT_FILE, await suiteTypesText());
process.stdout.write(`wrote ${SUITE_INPUT_FILE}\n`);
