// Writes harness/suite/suite-schema.json, the suite schema editors read,
// from the base schema and every check's section (harness/suite/schema.ts).
// Run after adding or changing a check's section; a test fails while the
// file is out of date.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suiteSchemaText } from '../harness/suite/schema.ts';

const file = fileURLToPath(new URL('../harness/suite/suite-schema.json', import.meta.url));
writeFileSync(file, suiteSchemaText());
process.stdout.write(`wrote ${file}\n`);
