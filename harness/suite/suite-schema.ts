// The JSON Schema of *.suite.yaml files (draft-07). Editors use the JSON file
// for completion; load-suite.ts validates with it.

import schema from './suite-schema.json' with { type: 'json' };

export const suiteSchema: Record<string, unknown> = schema;
export default suiteSchema;
