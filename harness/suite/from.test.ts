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

// Imported routes become the suite's routes (and the routing check's) when it writes none;
// its own routes win, with a note; import.backends maps backendRefs onto upstreams and versions.
const real = join(REPO_ROOT, 'fixtures', 'realdata', 'istio', 'bookinfo-networking');
const httpRoute = join(dir, 'reviews-route.yaml');
writeFileSync(
  httpRoute,
  `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews }
spec:
  hostnames: [reviews]
  rules:
  - backendRefs: [{ name: reviews-stable, port: 80, weight: 90 }, { name: reviews-next, port: 80, weight: 10 }]
`,
);

describe('imported routes', () => {
  it("reviews-test-v2 with the DestinationRules: the suite's routes and the routing check's, with nothing else set", async () => {
    const s = await loadSuite(suite(`  from: [${real}/destination-rule-all.yaml, ${real}/virtual-service-reviews-test-v2.yaml]\n`));
    expect(s.routes?.map((r) => [r.name, r.to.weights])).toEqual([
      ['reviews.http0', { v2: 100 }],
      ['reviews.http1', { v1: 100 }],
    ]);
    expect(s.policies.routing?.routes).toBe(s.routes);
  });

  it("the suite's own routes win over imported ones, and a note says so", async () => {
    const s = await loadSuite(suite(`  from: [${real}/destination-rule-all.yaml, ${real}/virtual-service-reviews-test-v2.yaml]\nroutes:\n  - name: all-v3\n    to: { upstream: reviews, version: v3 }\n`));
    expect(s.routes?.map((r) => r.name)).toEqual(['all-v3']);
    expect(s.imported?.notes.find((n) => n.resource === 'routes')?.message).toMatch(/the suite's own routes: win; the 2 imported routes \(reviews\.http0, reviews\.http1\) are not used/);
  });

  it('an imported route onto a version the suite lacks is an input error naming the route', async () => {
    await expect(loadSuite(suite(`  from: [${real}/destination-rule-all.yaml, ${real}/virtual-service-reviews-test-v2.yaml]\n`, '[v1]'))).rejects.toThrow(/imported route reviews\.http0 \(VirtualService\/reviews http\[0\]\) sends to versions v2 that upstream reviews does not have/);
  });

  it('an unmapped backendRef is an input error saying how to map it; import.backends maps it', async () => {
    await expect(loadSuite(suite(`  from: [${httpRoute}]\n`))).rejects.toThrow(/backendRef reviews-stable is no version and no upstream of the suite .*import: \{ backends: \{ reviews-stable: \{ upstream: <upstream>, version: <version> \} \} \}/);
    const s = await loadSuite(suite(`  from: [${httpRoute}]\nimport:\n  backends:\n    reviews-stable: { upstream: reviews, version: v1 }\n    reviews-next: { upstream: reviews, version: v2 }\n`));
    expect(s.routes?.[0].to).toMatchObject({ upstream: 'reviews', weights: { v1: 90, v2: 10 } });
  });

  it('import.backends must name an upstream and one of its versions, and needs policies.from', async () => {
    await expect(loadSuite(suite(`  from: [${httpRoute}]\nimport:\n  backends:\n    reviews-stable: { upstream: payments, version: v1 }\n`))).rejects.toThrow(/import\.backends\.reviews-stable\.upstream: no upstream named payments/);
    await expect(loadSuite(suite(`  from: [${httpRoute}]\nimport:\n  backends:\n    reviews-stable: { upstream: reviews, version: v9 }\n`))).rejects.toThrow(/import\.backends\.reviews-stable\.version: upstream reviews has no version v9/);
    await expect(loadSuite(suite(`  contract: {}\nimport:\n  backends:\n    x: { upstream: reviews, version: v1 }\n`))).rejects.toThrow(/import\.backends: maps the backends of imported resources, but the suite imports none/);
  });
});
