import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect } from 'vitest';
import { it } from '../testing/fixtures.ts';
import { InputError } from '../model/errors.ts';
import { loadSpec } from '../spec/load-spec.ts';
import { checkAgainstSpec } from './against-spec.ts';
import { loadSuite } from './load-suite.ts';

const repo = resolve(import.meta.dirname, '../..');

const head = (spec = join(repo, 'openapi/reviews.yaml')) => `name: routed
spec: ${spec}
upstreams:
  reviews: { versions: [v1, v2, v3] }
targets:
  haproxy: { render: true }
`;

async function errorOf(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
}

describe('routes: in a suite', () => {
  it('loads matches, destinations and route policies; the suite needs no other policy', async ({ tmp }) => {
    const f = join(tmp, 'r.suite.yaml');
    writeFileSync(
      f,
      `${head()}routes:
  - name: jason
    match: { headers: { End-User: { exact: jason } }, method: GET }
    to: { upstream: reviews, version: v2 }
  - name: beta
    matches:
      - { path: { prefix: /reviews/1, ignoreCase: true }, query: { debug: { regex: "[0-9]+" } } }
      - { headers: { x-beta: { present: true } } }
    to: { upstream: reviews, weights: { v2: 50, v3: 50 }, tolerance: 0.1 }
    retry: { attempts: 2, on: [503] }
    fault: { abort: { status: 500, percent: 100 } }
    timeout: { request: 1s }
  - name: default
    to: { upstream: reviews, weights: { v1: 80, v3: 20 } }
`,
    );
    const s = await loadSuite(f);
    // The routing check is the only policy, with its default settings and the routes.
    expect(Object.keys(s.policies)).toEqual(['routing']);
    expect(s.policies.routing).toMatchObject({ nearMisses: true, requestsPerCase: 4, maxRequests: 6400 });
    expect(s.policies.routing!.routes).toBe(s.routes);
    expect(s.routes!.map((r) => r.name)).toEqual(['jason', 'beta', 'default']);
    expect(s.routes![0]).toMatchObject({ matches: [{ headers: [{ name: 'end-user', kind: 'exact', value: 'jason' }], query: [], methods: ['GET'] }], to: { upstream: 'reviews', weights: { v2: 100 }, tolerance: 0.05, alpha: 1e-4 }, policies: {} });
    expect(s.routes![1].matches).toEqual([
      { path: { kind: 'prefix', value: '/reviews/1', ignoreCase: true }, headers: [], query: [{ name: 'debug', kind: 'regex', value: '[0-9]+' }] },
      { headers: [{ name: 'x-beta', kind: 'present' }], query: [] },
    ]);
    expect(s.routes![1].policies).toEqual({
      retry: { attempts: 2, on: [503], methods: expect.any(Array) },
      fault: { rules: [{ upstream: 'reviews', headers: [], abort: { status: 500, percent: 100 } }] },
      timeout: { requestMs: 1000, status: [504] },
    });
    expect(s.routes![1].origin).toEqual({ file: f, place: 'routes[1] (beta)' });
    checkAgainstSpec(s, await loadSpec(s.spec));
  });

  it.for([
    ['an unknown version', `  - name: a\n    to: { upstream: reviews, version: v9 }\n`, /line 9: routes\[0\].to\.version: upstream reviews has no version v9 \(versions: v1, v2, v3\)/],
    ['weights not summing to 100', `  - name: a\n    to: { upstream: reviews, weights: { v1: 80, v2: 10 } }\n`, /routes\[0\]\.to\.weights: the weights sum to 90, not 100/],
    ['both version and weights', `  - name: a\n    to: { upstream: reviews, version: v1, weights: { v1: 100 } }\n`, /routes\[0\]\.to: give version \(one version\) or weights/],
    ['a bad regex', `  - name: a\n    match: { headers: { x: { regex: "a(" } } }\n    to: { upstream: reviews, version: v1 }\n`, /routes\[0\]\.match\.headers\.x\.regex: not a valid regular expression/],
    ['two routes of one name', `  - name: a\n    match: { method: GET }\n    to: { upstream: reviews, version: v1 }\n  - name: a\n    to: { upstream: reviews, version: v1 }\n`, /line 11: routes\[1\]\.name: a route named a comes earlier/],
    ['a route after a catch-all', `  - name: all\n    to: { upstream: reviews, version: v1 }\n  - name: never\n    match: { method: GET }\n    to: { upstream: reviews, version: v2 }\n`, /routes\[1\]: route never is never reached: route all before it matches every request/],
    ['a route fault with a bad delay', `  - name: a\n    to: { upstream: reviews, version: v1 }\n    fault: { delay: { fixedDelay: soon } }\n`, /line 10: routes\[0\].fault\.delay\.fixedDelay: bad duration 'soon'/],
    ['an unknown match key', `  - name: a\n    match: { header: { x: { exact: y } } }\n    to: { upstream: reviews, version: v1 }\n`, /routes\[0\]\.match: unknown key 'header' \(expected one of path, method, headers, query\)/],
  ] as Array<[string, string, RegExp]>)('%s is an input error naming the line and place', async ([, routes, message], { tmp }) => {
    const f = join(tmp, 'r.suite.yaml');
    writeFileSync(f, `${head()}routes:\n${routes}`);
    const e = await errorOf(loadSuite(f));
    expect(e.file).toBe(f);
    expect(e.message).toMatch(message);
  });

  it('a route that matches no operation of the spec is an input error naming the route', async ({ tmp }) => {
    const f = join(tmp, 'r.suite.yaml');
    writeFileSync(f, `${head()}routes:\n  - name: nowhere\n    match: { path: { prefix: /payments/ } }\n    to: { upstream: reviews, version: v1 }\n`);
    const s = await loadSuite(f);
    const e = await errorOf((async () => checkAgainstSpec(s, await loadSpec(s.spec)))());
    expect([e.place, e.detail]).toEqual(['routes[0]', `route nowhere matches no operation of ${join(repo, 'openapi/reviews.yaml')}`]);
  });
});
