import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checks } from '../checks/registry.ts';
import { suiteSchema, suiteSchemaText } from './schema.ts';

describe('suite schema', () => {
  it('is the file editors read (regenerate with npx tsx scripts/write-suite-schema.ts)', () => {
    expect(readFileSync(new URL('./suite-schema.json', import.meta.url), 'utf8')).toBe(suiteSchemaText());
  });

  it('has one section per registered check, each a definition of its own', () => {
    const s = suiteSchema() as { definitions: Record<string, unknown>; properties: { policies: { properties: Record<string, unknown> } } };
    expect(checks.length).toBeGreaterThan(0);
    for (const c of checks) {
      expect(s.properties.policies.properties[c.name]).toEqual({ $ref: `#/definitions/${c.name}` });
      expect(s.definitions[c.name]).toBe(c.section.schema);
    }
    expect(Object.keys(s.properties.policies.properties)).toEqual([...checks.map((c) => c.name), 'from']);
  });
});
