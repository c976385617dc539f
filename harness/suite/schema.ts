// The JSON Schema of *.suite.yaml files (draft-07), assembled: the base
// (name, spec, upstreams, consumers, targets, load, policies.from) plus each
// check's own section from the registry under policies. The loader validates
// with it; editors read harness/suite/suite-schema.json, the same schema
// written out by `npx tsx scripts/write-suite-schema.ts` (a test keeps the
// two equal).

import base from './suite-schema.base.json' with { type: 'json' };
import { checks as registry } from '../checks/registry.ts';
import type { Check } from '../checks/check.ts';
import { routesSchema } from './routes.ts';

type Json = Record<string, unknown>;

export function suiteSchema(checks: readonly Check[] = registry): Json {
  const schema = structuredClone(base) as Json & { definitions: Json; properties: { policies: { properties: Json } } };
  const policies: Json = {};
  for (const c of checks) {
    schema.definitions[c.name] = c.section.schema;
    policies[c.name] = { $ref: `#/definitions/${c.name}` };
  }
  schema.properties.policies.properties = { ...policies, ...schema.properties.policies.properties };
  // routes sits after policies, in the order a reader meets them.
  const props = schema.properties as Json;
  const ordered: Json = {};
  for (const [k, v] of Object.entries(props)) {
    ordered[k] = v;
    if (k === 'policies') ordered.routes = routesSchema(checks);
  }
  schema.properties = ordered as typeof schema.properties;
  return schema;
}

/** The schema as the file editors read: two-space JSON and a final newline. */
export function suiteSchemaText(checks: readonly Check[] = registry): string {
  return `${JSON.stringify(suiteSchema(checks), null, 2)}\n`;
}
