// Nothing dropped silently: every leaf field of every resource of every
// vendored real Istio and Gateway API sample (harness/policy/samples.ts says
// which files and why) is either consumed into an expectation or named by a
// note's `field` (a field covers every field under it).

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importSample, sampleFiles, silentFields, walkSample } from './samples.ts';
import { covers, fieldPath, leafFields } from './types.ts';

const real = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'realdata');
const files = sampleFiles([join(real, 'istio'), join(real, 'gateway-api')]);

describe('field paths', () => {
  it('walk every leaf, quoting keys with dots, and cover by prefix', () => {
    const doc = { metadata: { annotations: { 'a.b/c': 'x' } }, spec: { http: [{ match: [{ headers: { 'end-user': {} } }] }], empty: [] } };
    expect(leafFields(doc)).toEqual(['metadata.annotations["a.b/c"]', 'spec.http[0].match[0].headers.end-user', 'spec.empty']);
    expect(fieldPath('spec.http[0]', 'mirror')).toBe('spec.http[0].mirror');
    expect(covers('spec.http[0]', 'spec.http[0].mirror.host')).toBe(true);
    expect(covers('spec.http[0]', 'spec.http[0][1]')).toBe(true);
    expect(covers('spec.http[1]', 'spec.http[10].route')).toBe(false);
    expect(covers('spec.h', 'spec.http')).toBe(false);
    expect(covers('', 'spec.http')).toBe(true);
  });
});

describe(`every field of every real sample is consumed or named (${files.length} files)`, () => {
  it('covers at least 30 resources', () => {
    expect(files.flatMap(walkSample).length).toBeGreaterThanOrEqual(30);
  });

  for (const file of files) {
    it(file.slice(real.length + 1), () => {
      const silent = walkSample(file).flatMap((r) => r.silent.map((f) => `${r.resource} ${f}`));
      expect(silent).toEqual([]);
    });
  }

  it('the walk finds a field nothing consumed (the check can fail)', () => {
    const file = join(real, 'istio', 'bookinfo-networking', 'virtual-service-reviews-80-20.yaml');
    const { docs, result } = importSample(file);
    expect(silentFields(docs[0], result!)).toEqual([]);
    const withoutRoutes = { ...result!, consumed: result!.consumed.filter((c) => !c.field.startsWith('spec.http')) };
    expect(silentFields(docs[0], withoutRoutes)).toContain('spec.http[0].route[0].destination.host');
  });
});
