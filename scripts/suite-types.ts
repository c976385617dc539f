// The TypeScript type of a suite as written, from harness/suite/suite-schema.json
// (json-schema-to-typescript, a devDependency: only this generator and its test use it).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const SCHEMA = fileURLToPath(new URL('../harness/suite/suite-schema.json', import.meta.url));
export const SUITE_INPUT_FILE = fileURLToPath(new URL('../harness/suite/suite-input.ts', import.meta.url));

const BANNER = `// The shape of a suite as written (YAML, or a .ts file's defineSuite): generated from
// suite-schema.json by scripts/write-suite-types.ts; do not edit by hand.
`;

export async function suiteTypesText(): Promise<string> {
  const schema = JSON.parse(readFileSync(SCHEMA, 'utf8'));
  const ts = await compile(schema, 'SuiteInput', { bannerComment: BANNER, additionalProperties: false, unknownAny: true, format: true, strictIndexSignatures: true });
  // The schema's title names the root type; the library calls it SuiteInput.
  return `${ts}\n/** A suite as written: what defineSuite() takes and a .ts suite file exports. */\nexport type SuiteInput = ProxyproofSuite;\n`;
}
