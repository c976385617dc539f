// policies.from in a suite file: imported expectations merge under the
// suite's own policies (which win); problems name the suite file and line.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSuite } from './load-suite.ts';
import { REPO_ROOT } from '../testing/examples.ts';

const dir = mkdtempSync(join(tmpdir(), 'pp-from-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const istio = join(REPO_ROOT, 'fixtures', 'istio');

function suite(policies: string, versions = '[v1, v2, v3]'): string {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.suite.yaml`);
  writeFileSync(file, `name: t
spec: ${join(REPO_ROOT, 'openapi', 'reviews.yaml')}
upstreams:
  reviews: { versions: ${versions}, operations: [getReviews] }
  ratings: { operations: [getRatings] }
targets:
  haproxy: { render: true }
policies:
${policies}
`);
  return file;
}

describe('policies.from', () => {
  it('imports canary, retry and fault, and keeps the notes', async () => {
    const s = await loadSuite(suite(`  from: [${istio}/destination-rule-all.yaml, ${istio}/virtual-service-reviews-90-10.yaml, ${istio}/virtual-service-ratings-test-abort.yaml]`));
    expect(s.policies.canary?.weights).toEqual({ v1: 90, v2: 10 });
    expect(s.policies.retry).toMatchObject({ attempts: 2, on: [503] });
    expect(s.policies.fault?.rules[0]).toMatchObject({ upstream: 'ratings', abort: { status: 500, percent: 100 } });
    expect(s.imported?.notes.some((n) => n.kind === 'default')).toBe(true);
  });

  it("the suite's own policy wins over an imported one, and the report says so", async () => {
    const s = await loadSuite(suite(`  from: [${istio}/virtual-service-reviews-90-10.yaml]\n  canary: { upstream: reviews, relativeWeights: { v1: 1, v2: 1 }, tolerance: 0.05 }`));
    expect(s.policies.canary?.weights).toEqual({ v1: 1, v2: 1 });
    expect(s.imported?.notes.some((n) => /own canary policy overrides/.test(n.message))).toBe(true);
  });

  it('a missing file names the suite line', async () => {
    await expect(loadSuite(suite('  from: [nope.yaml]'))).rejects.toThrow(/line 9: policies.from\[0\]: no such file: nope.yaml/);
  });

  it('an imported split onto a version the suite lacks is an input error', async () => {
    await expect(loadSuite(suite(`  from: [${istio}/virtual-service-reviews-50-v3.yaml]`, '[v1, v2]'))).rejects.toThrow(/imported canary names versions v3/);
  });
});
