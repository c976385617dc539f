// Routes rendered for nginx and HAProxy, run for real against the mock
// upstreams: each request that satisfies a route lands on the route's
// versions, its near misses (another case, longer, shorter, with more before
// it, absent, a path one character outside, a longer path element, another
// method, the first of two query parameters) land where the next route sends
// them, a governed operation no route takes is 404 and reaches nothing, a
// route's own retry, fault and transform apply to its requests only, and the
// 80/20 split is kept. Where each request must land is asked of the model
// (routes/table.ts expectedFor), so the test and the model cannot drift apart.

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { it, tempFolder, type Proxies } from '../harness/testing/fixtures.ts';
import { loadSuite } from '../harness/suite/load-suite.ts';
import { loadSpec } from '../harness/spec/load-spec.ts';
import { startMockFleet, type MockFleet } from '../harness/upstream/mock-upstream.ts';
import { processRuntime } from '../harness/runtime/process-runtime.ts';
import { freePort } from '../harness/runtime/ports.ts';
import { nginxTarget } from '../harness/targets/nginx/index.ts';
import { haproxyTarget } from '../harness/targets/haproxy/index.ts';
import type { TargetDriver } from '../harness/targets/target.ts';
import type { Suite } from '../harness/model/suite.ts';
import type { Spec } from '../harness/model/spec.ts';
import type { FaultProgram } from '../harness/model/upstream.ts';
import { expectedFor, routeTable } from '../harness/routes/table.ts';
import { generateRequest } from '../harness/spec/generate-request.ts';
import { REPO_ROOT } from '../harness/testing/examples.ts';

const SPEC = join(REPO_ROOT, 'openapi/reviews.yaml');

/** jason -> v2; product 1x with ?debug=<digits> (or /reviews/7 with x-canary on..., no x-skip) -> v4 with retries; the rest 80/20 v1/v3. */
/** A suite's head: the reviews spec, reviews with these versions, ratings, both targets rendered. */
const head = (name: string, versions: string) => `name: ${name}
spec: ${SPEC}
upstreams:
  reviews: { versions: [${versions}], operations: [getReviews] }
  ratings: { versions: [v1], operations: [getRatings] }
targets:
  haproxy: { render: true }
  nginx: { render: true }
`;

const ROUTED = `${head('routed', 'v1, v2, v3, v4')}routes:
  - name: jason
    hosts: [reviews]
    match: { headers: { end-user: { exact: jason } } }
    to: { upstream: reviews, version: v2 }
    transform: { request: { setHeaders: { x-route: jason } } }
    timeout: { request: 400ms }
  - name: beta
    hosts: [reviews]
    matches:
      - { path: { prefix: /reviews/1 }, method: GET, query: { debug: { regex: "[0-9]+" } } }
      - { path: { pathPrefix: /reviews/7/ }, headers: { x-canary: { prefix: "on" }, x-skip: { absent: true } } }
    to: { upstream: reviews, version: v4 }
    retry: { attempts: 2, on: [503] }
  - name: default
    hosts: [reviews]
    to: { upstream: reviews, weights: { v1: 80, v3: 20 } }
policies:
  transform: { request: { setHeaders: { x-gateway: proxyproof } } }
`;

/** No catch-all: a governed request no route takes is 404; a route's own fault aborts its requests only. */
const PARTIAL = `${head('partial', 'v1, v2, v3')}routes:
  - name: jason
    hosts: [reviews]
    match: { headers: { end-user: { exact: jason } } }
    to: { upstream: reviews, version: v2 }
  - name: teapot
    hosts: [reviews]
    match: { headers: { x-fault: { present: true } }, path: { exact: /reviews/5, ignoreCase: true } }
    to: { upstream: reviews, version: v3 }
    fault: { abort: { status: 503, percent: 100 } }
policies:
  routing: {}
`;

/** Rewrites (HAProxy only: nginx proxies with a variable and no URI, so it is notSupported there). */
const REWRITES = `${head('rewrites', 'v1, v2')}routes:
  - name: moved
    hosts: [reviews]
    match: { path: { prefix: /reviews/9 } }
    to: { upstream: reviews, version: v2 }
    rewrite: { prefix: /reviews/4 }
  - name: pinned
    hosts: [reviews]
    match: { headers: { x-pinned: { present: true } } }
    to: { upstream: reviews, version: v2 }
    rewrite: { full: /reviews/0 }
  - name: default
    hosts: [reviews]
    to: { upstream: reviews, version: v1 }
`;

const folder = tempFolder();
const drivers: TargetDriver[] = [nginxTarget, haproxyTarget];

interface World {
  suite: Suite;
  spec: Spec;
  fleet: MockFleet;
}

async function world(name: string, yaml: string): Promise<World> {
  const file = await folder.write(`${name}.suite.yaml`, yaml);
  const suite = await loadSuite(file);
  const spec = await loadSpec(suite.spec);
  const fleet = await startMockFleet(spec, suite.upstreams, { seed: 3 });
  return { suite, spec, fleet };
}

const worlds: Record<string, World> = {};
beforeAll(async () => {
  worlds.routed = await world('routed', ROUTED);
  worlds.partial = await world('partial', PARTIAL);
  worlds.rewrites = await world('rewrites', REWRITES);
});
afterAll(async () => {
  await Promise.all(Object.values(worlds).map((w) => w.fleet.close()));
});

interface Landing {
  status: number;
  /** `upstream version` of every try the mocks saw. */
  tries: string[];
  headers: Record<string, string>[];
  paths: string[];
}

type Send = (path: string, headers?: Record<string, string>, method?: string, program?: FaultProgram) => Promise<Landing>;

function sender(w: World, base: string): Send {
  return async (path, headers = {}, method = 'GET', program) => {
    const id = randomUUID();
    if (program) w.fleet.faults.set(id, program);
    const res = await fetch(`${base}${path}`, { method, headers: { ...headers, 'x-request-id': id } });
    await res.text();
    const entries = w.fleet.journal.forRequest(id);
    return { status: res.status, tries: entries.map((e) => `${e.upstream} ${e.version}`), headers: entries.map((e) => e.headers), paths: entries.map((e) => `${e.path}${e.query ? `?${e.query}` : ''}`) };
  };
}

/** Where the model sends the request: the route's versions of its upstream, nothing (404) or the operation's upstream. */
function expected(w: World, path: string, headers: Record<string, string>, method = 'GET'): string[] {
  const table = routeTable(w.suite, w.spec, (op, rng) => generateRequest(w.spec, op, rng));
  const e = expectedFor(table, w.suite, w.spec, { method: method as 'GET', path, headers: { host: 'reviews', ...headers } });
  if (e.kind === 'none') return [];
  if (e.kind === 'route') return Object.entries(e.route.to.weights).filter(([, x]) => x > 0).map(([v]) => `${e.route.to.upstream} ${v}`);
  return w.suite.upstreams.find((u) => u.name === e.upstream)!.versions.map((v) => `${e.upstream} ${v}`);
}

async function started(driver: TargetDriver, w: World, proxies: Proxies): Promise<{ send: Send; logs: () => string }> {
  const workdir = join(folder.path, `${driver.name}-${w.suite.name}-${randomUUID().slice(0, 8)}`);
  const listen = { host: '127.0.0.1', port: await freePort() };
  expect(driver.cannotRender!(w.suite.policies)).toEqual({});
  const config = driver.render({ suite: w.suite, spec: w.spec, listen, upstreams: w.fleet.endpoints, workdir });
  const proxy = await proxies.start(processRuntime, config, { workdir, listen, readyTimeoutMs: 5000 });
  return { send: sender(w, proxy.baseUrl), logs: () => proxy.logs() };
}

/** [what, path, headers, method]: each must land where the model says, every one of 4 tries. */
const ROUTED_CASES: Array<[string, string, Record<string, string>, string?]> = [
  ['jason', '/reviews/5', { 'end-user': 'jason' }],
  ['jason in another case', '/reviews/5', { 'end-user': 'JASON' }],
  ['jason one character longer', '/reviews/5', { 'end-user': 'jasonx' }],
  ['jason cut short', '/reviews/5', { 'end-user': 'jaso' }],
  ['jason with more before it', '/reviews/5', { 'end-user': 'xjason' }],
  ['jason and another value, comma-joined', '/reviews/5', { 'end-user': 'jason, bob' }],
  ['no end-user', '/reviews/5', {}],
  ['beta by prefix and query', '/reviews/12?debug=42', {}],
  ['beta: the query value longer', '/reviews/12?debug=42x', {}],
  ['beta: the query value empty', '/reviews/12?debug=', {}],
  ['beta: the query name in another case', '/reviews/12?DEBUG=42', {}],
  ['beta: the first of two debug parameters decides', '/reviews/12?debug=x&debug=42', {}],
  ['beta: a path one character outside the prefix', '/reviews/2?debug=42', {}],
  ['beta: another method (no operation of the spec: every route judges it)', '/reviews/12?debug=42', {}, 'POST'],
  ['beta by path element and header prefix', '/reviews/7', { 'x-canary': 'on-1' }],
  ['beta: the element continued', '/reviews/77', { 'x-canary': 'on' }],
  ['beta: the header prefix in another case', '/reviews/7', { 'x-canary': 'ON' }],
  ['beta: a header that must be absent is there', '/reviews/7', { 'x-canary': 'on', 'x-skip': '1' }],
  ['both jason and beta: the first route wins', '/reviews/12?debug=1', { 'end-user': 'jason' }],
  ['ratings: no route governs it', '/ratings/3', { 'end-user': 'jason' }],
];

describe.each(drivers)('$name: routes rendered and run', (driver) => {
  it('every request lands where the first matching route sends it; near misses fall through', { timeout: 60_000 }, async ({ proxies }) => {
    const w = worlds.routed;
    const { send, logs } = await started(driver, w, proxies);
    for (const [what, path, headers, method] of ROUTED_CASES) {
      const want = expected(w, path, headers, method);
      expect(want.length, what).toBeGreaterThan(0);
      for (let i = 0; i < 4; i++) {
        const l = await send(path, headers, method);
        expect(l.tries.length, `${what}: ${l.status}\n${logs().slice(-2000)}`).toBe(1);
        expect(want, `${what}: landed on ${l.tries[0]}`).toContain(l.tries[0]);
      }
    }
  });

  it("a route's own retry and transform apply to its requests only", { timeout: 30_000 }, async ({ proxies }) => {
    const { send } = await started(driver, worlds.routed, proxies);
    const fail = { failFirst: 1, status: 503 };
    const beta = await send('/reviews/12?debug=1', {}, 'GET', fail);
    expect([beta.status, beta.tries]).toEqual([200, ['reviews v4', 'reviews v4']]);
    const other = await send('/reviews/3', {}, 'GET', fail);
    expect([other.status, other.tries.length]).toEqual([503, 1]);
    const jason = await send('/reviews/3', { 'end-user': 'jason', 'x-route': 'client' });
    expect(jason.headers[0]['x-route']).toBe('jason');
    // The route's transform replaces the suite's: no x-gateway on jason's requests, x-gateway on the others'.
    expect(jason.headers[0]['x-gateway']).toBeUndefined();
    expect(other.headers[0]['x-gateway']).toBe('proxyproof');
    expect(other.headers[0]['x-route']).toBeUndefined();
  });

  it("a route's own timeout bounds its requests only", { timeout: 30_000 }, async ({ proxies }) => {
    const { send } = await started(driver, worlds.routed, proxies);
    const t0 = Date.now();
    const jason = await send('/reviews/3', { 'end-user': 'jason' }, 'GET', { delayMs: 1500 });
    const took = Date.now() - t0;
    expect([jason.status, jason.tries]).toEqual([504, ['reviews v2']]);
    expect(took).toBeGreaterThanOrEqual(390);
    expect(took).toBeLessThan(1200);
    const other = await send('/reviews/3', {}, 'GET', { delayMs: 1000 });
    expect(other.status).toBe(200);
  });

  it('the default route splits 80/20 between v1 and v3', { timeout: 30_000 }, async ({ proxies }) => {
    const { send } = await started(driver, worlds.routed, proxies);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const l = await send(`/reviews/${300 + i}`);
      counts[l.tries[0]] = (counts[l.tries[0]] ?? 0) + 1;
    }
    // Round robin with weights 4:1 is exact.
    expect(counts).toEqual({ 'reviews v1': 160, 'reviews v3': 40 });
  });

  it("a governed request no route takes is 404 and reaches nothing; a route's abort answers its own requests", { timeout: 30_000 }, async ({ proxies }) => {
    const w = worlds.partial;
    const { send } = await started(driver, w, proxies);
    const cases: Array<[string, Record<string, string>, number, string[]]> = [
      ['/reviews/3', {}, 404, []],
      ['/reviews/3', { 'end-user': 'jason' }, 200, ['reviews v2']],
      ['/reviews/5', { 'x-fault': 'y' }, 503, []],
      ['/REVIEWS/5', { 'x-fault': 'y' }, 503, []],
      ['/reviews/5x', { 'x-fault': 'y' }, 404, []],
      ['/ratings/3', { 'x-fault': 'y' }, 200, ['ratings v1']],
    ];
    for (const [path, headers, status, tries] of cases) {
      expect(expected(w, path, headers).length === 0, path).toBe(tries.length === 0 && status === 404);
      const l = await send(path, headers);
      expect([path, l.status, l.tries], JSON.stringify(headers)).toEqual([path, status, tries]);
    }
  });
});

describe.each(drivers)('$name: rewrites', (driver) => {
  it('the upstream sees the matched prefix replaced, or the whole path; the query is kept', { timeout: 30_000 }, async ({ proxies }) => {
    const { send } = await started(driver, worlds.rewrites, proxies);
    expect((await send('/reviews/95?x=1')).paths).toEqual(['/reviews/45?x=1']);
    expect((await send('/reviews/9')).paths).toEqual(['/reviews/4']);
    expect((await send('/reviews/5?y=2', { 'x-pinned': 'yes' })).paths).toEqual(['/reviews/0?y=2']);
    const plain = await send('/reviews/5?a=%20b');
    expect([plain.tries, plain.paths]).toEqual([['reviews v1'], ['/reviews/5?a=%20b']]);
  });
});
