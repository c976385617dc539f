// Routes from VirtualServices and HTTPRoutes: matches, destinations, hosts and
// each route's own policies, as Istio reads them.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importIstio } from './import-istio.ts';
import { ALL_METHODS } from '../model/spec.ts';
import type { UpstreamSpec } from '../model/suite.ts';
import type { ImportContext } from './types.ts';

const real = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'realdata');
const reviews: UpstreamSpec[] = [{ name: 'reviews', versions: ['v1', 'v2', 'v3'], replicas: 1 }];

function vs(http: string, hosts = '[reviews]', upstreams: UpstreamSpec[] | undefined = reviews) {
  return importIstio(
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: ${hosts}
  http:
${http}`,
    { file: 'vs.yaml', ...(upstreams ? { upstreams } : {}) },
  );
}

const to = (subset: string, host = 'reviews') => `route: [{ destination: { host: ${host}, subset: ${subset} } }]`;

describe('VirtualService matches', () => {
  it('headers exact, prefix, regex and present; withoutHeaders inverted', () => {
    const r = vs(`  - match: [{ headers: { End-User: { exact: jason }, x-a: { prefix: te }, x-b: { regex: "v[0-9]+" }, x-c: {} }, withoutHeaders: { x-d: { exact: no }, x-e: {} } }]
    ${to('v2')}
`);
    expect(r.routes[0].matches).toEqual([
      {
        headers: [
          { name: 'end-user', kind: 'exact', value: 'jason' },
          { name: 'x-a', kind: 'prefix', value: 'te' },
          { name: 'x-b', kind: 'regex', value: 'v[0-9]+' },
          { name: 'x-c', kind: 'present' },
          { name: 'x-d', kind: 'exact', value: 'no', invert: true },
          { name: 'x-e', kind: 'present', invert: true },
        ],
        query: [],
      },
    ]);
  });

  it('uri prefix with ignoreUriCase, queryParams exact/regex/present, method; a query prefix is named', () => {
    const r = vs(`  - match: [{ uri: { prefix: /Refunds/ }, ignoreUriCase: true, queryParams: { a: { exact: "1" }, b: { regex: "x.*" }, c: {}, d: { prefix: z } }, method: { exact: GET } }]
    ${to('v2')}
`);
    expect(r.routes[0].matches[0]).toEqual({
      path: { kind: 'prefix', value: '/Refunds/', ignoreCase: true },
      methods: ['GET'],
      headers: [],
      query: [
        { name: 'a', kind: 'exact', value: '1' },
        { name: 'b', kind: 'regex', value: 'x.*' },
        { name: 'c', kind: 'present' },
      ],
    });
    expect(r.notes.find((n) => n.field === 'spec.http[0].match[0].queryParams.d')?.message).toMatch(/exact or regex only/);
  });

  it('a method regex becomes the methods it holds for; ignoreUriCase on a regex is named', () => {
    const r = vs(`  - match: [{ method: { regex: "P(UT|OST)" }, uri: { regex: "/a/.*" }, ignoreUriCase: true }]
    ${to('v2')}
`);
    expect(r.routes[0].matches[0].methods).toEqual(['PUT', 'POST']);
    expect(r.routes[0].matches[0].path).toEqual({ kind: 'regex', value: '/a/.*' });
    expect(r.notes.some((n) => n.field === 'spec.http[0].match[0].ignoreUriCase' && n.kind === 'unexpressed')).toBe(true);
  });

  it('sourceLabels, gateways, authority, port, scheme are named as not checked with the reason', () => {
    const r = vs(`  - match: [{ sourceLabels: { app: a }, gateways: [g], authority: { exact: x }, port: 80, scheme: { exact: http }, sourceNamespace: ns, statPrefix: s, headers: { x: { exact: y } } }]
    ${to('v2')}
`);
    const fields = r.notes.filter((n) => n.kind === 'unexpressed').map((n) => n.field);
    for (const k of ['sourceLabels', 'gateways', 'authority', 'port', 'scheme', 'sourceNamespace', 'statPrefix']) expect(fields).toContain(`spec.http[0].match[0].${k}`);
    expect(r.notes.find((n) => n.field === 'spec.http[0].match[0].sourceLabels')?.message).toMatch(/no mesh workload/);
    expect(r.routes[0].matches[0].headers).toEqual([{ name: 'x', kind: 'exact', value: 'y' }]);
  });
});

describe('VirtualService routes', () => {
  it('reviews-test-v2: jason to v2, everyone else to v1, in order', () => {
    const file = join(real, 'istio', 'bookinfo-networking', 'virtual-service-reviews-test-v2.yaml');
    const r = importIstio(readFileSync(file, 'utf8'), { file, upstreams: reviews });
    expect(r.routes.map((x) => ({ name: x.name, hosts: x.hosts, weights: x.to.weights, headers: x.matches.flatMap((m) => m.headers) }))).toEqual([
      { name: 'reviews.http0', hosts: ['reviews'], weights: { v2: 100 }, headers: [{ name: 'end-user', kind: 'exact', value: 'jason' }] },
      { name: 'reviews.http1', hosts: ['reviews'], weights: { v1: 100 }, headers: [] },
    ]);
    expect(r.routes[0].origin).toEqual({ file, place: 'VirtualService/reviews http[0]' });
  });

  it('subsets map through the DestinationRule version label; weights per route', () => {
    const r = importIstio(
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets: [{ name: stable, labels: { version: v1 } }, { name: next, labels: { version: v3 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - name: split
    route: [{ destination: { host: reviews, subset: stable }, weight: 80 }, { destination: { host: reviews, subset: next }, weight: 20 }]
`,
      { file: 'x.yaml', upstreams: reviews },
    );
    expect(r.routes[0]).toMatchObject({ name: 'reviews.split', to: { upstream: 'reviews', weights: { v1: 80, v3: 20 }, tolerance: 0.05 } });
    expect(r.policies.canary?.weights).toEqual({ v1: 80, v3: 20 });
  });

  it("each route carries its own retries, timeout, fault and request headers; a silent route gets Istio's default retry", () => {
    const r = vs(`  - match: [{ uri: { prefix: /refunds/ } }]
    ${to('v2')}
    retries: { attempts: 3, retryOn: "5xx", perTryTimeout: 1s }
    timeout: 2s
    fault: { abort: { httpStatus: 503, percentage: { value: 10 } } }
    headers: { request: { set: { X-Track: next }, remove: [x-debug], add: { x-more: "1" } }, response: { set: { a: b } } }
  - ${to('v1')}
`);
    expect(r.routes[0].policies).toEqual({
      retry: { attempts: 3, on: [500, 501, 502, 503, 504], methods: ALL_METHODS, perTryTimeoutMs: 1000 },
      timeout: { requestMs: 2000, status: [504], upstream: 'reviews' },
      fault: { rules: [{ upstream: 'reviews', headers: [], abort: { status: 503, percent: 10 } }] },
      transform: { setHeaders: { 'x-track': 'next' }, removeHeaders: ['x-debug'] },
    });
    expect(r.routes[1].policies).toEqual({ retry: { attempts: 2, on: [503], methods: ALL_METHODS } });
    expect(r.notes.some((n) => n.kind === 'default' && n.field === 'spec.http[1].retries')).toBe(true);
    expect(r.notes.find((n) => n.field === 'spec.http[0].headers.request.add')?.message).toMatch(/appends/);
    expect(r.notes.find((n) => n.field === 'spec.http[0].headers.response')?.kind).toBe('unexpressed');
    // The suite-wide timeout and fault come from the default route only.
    expect(r.policies.timeout).toBeUndefined();
  });

  it('the whole retryOn vocabulary: statuses checked, transport and gRPC conditions and retriable-headers named', () => {
    const r = vs(`  - ${to('v1')}
    retries: { attempts: 2, retryOn: "gateway-error,reset,connect-failure,retriable-4xx,refused-stream,retriable-status-codes,retriable-headers,429,cancelled" }
`);
    expect(r.routes[0].policies.retry?.on).toEqual([409, 429, 502, 503, 504]);
    const msgs = r.notes.filter((n) => n.field === 'spec.http[0].retries.retryOn').map((n) => n.message);
    expect(msgs.some((m) => /reset, connect-failure, refused-stream is a transport condition/.test(m))).toBe(true);
    expect(msgs.some((m) => /cancelled is a gRPC status condition/.test(m))).toBe(true);
    expect(msgs.some((m) => /retriable-headers needs Envoy's retriable_headers list/.test(m))).toBe(true);
  });

  it('rewrite.uri after a prefix match swaps the prefix; after an exact match, the whole path; mirror and corsPolicy named', () => {
    const r = vs(`  - match: [{ uri: { prefix: /old/ } }]
    rewrite: { uri: /new/ }
    mirror: { host: reviews, subset: v3 }
    corsPolicy: { allowOrigins: [{ exact: "*" }] }
    ${to('v1')}
  - match: [{ uri: { exact: /a } }]
    rewrite: { uri: /b, authority: other }
    ${to('v1')}
`);
    expect(r.routes[0].rewrite).toEqual({ prefix: '/new/' });
    expect(r.routes[1].rewrite).toEqual({ full: '/b' });
    expect(r.notes.find((n) => n.field === 'spec.http[0].mirror')?.message).toMatch(/upstream journal does not check the copies/);
    expect(r.notes.find((n) => n.field === 'spec.http[0].corsPolicy')?.kind).toBe('unexpressed');
    expect(r.notes.find((n) => n.field === 'spec.http[1].rewrite.authority')?.kind).toBe('unexpressed');
  });

  it('two VirtualServices of one name keep distinct route names', () => {
    const one = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews, subset: v1 } }] }]
`;
    const r = importIstio(`${one}---\n${one}`, { file: 'x.yaml', upstreams: reviews });
    expect(r.routes.map((x) => x.name)).toEqual(['reviews.http0', 'reviews.http0-2']);
  });

  it('a redirect or direct response makes no route, and says so for the whole http route', () => {
    const r = vs(`  - match: [{ uri: { exact: /x } }]
    redirect: { uri: /y }
  - ${to('v1')}
`);
    expect(r.routes.map((x) => x.name)).toEqual(['reviews.http1']);
    expect(r.notes.find((n) => n.field === 'spec.http[0]')?.message).toMatch(/no route is checked: no destination/);
  });
});

describe('hosts: *, short names, namespace-qualified names and FQDNs reach the upstream by service name', () => {
  const cases: Array<[string[], string]> = [
    [['*'], 'reviews'],
    [['reviews'], 'reviews.prod'],
    [['reviews.prod.svc.cluster.local'], 'reviews.prod.svc.cluster.local'],
    [['bookinfo.example.com'], 'reviews.default.svc.cluster.local'],
  ];
  for (const [hosts, dest] of cases) {
    it(`hosts ${hosts.join(', ')}, destination ${dest}`, () => {
      const r = vs(`  - ${to('v2', dest)}\n`, JSON.stringify(hosts));
      expect(r.routes).toHaveLength(1);
      expect(r.routes[0].hosts).toEqual(hosts);
      expect(r.routes[0].to).toMatchObject({ upstream: 'reviews', weights: { v2: 100 } });
    });
  }

  it('a destination the suite does not have is named, and its route is not made', () => {
    const r = vs(`  - ${to('v1', 'productpage')}\n`, '["*"]');
    expect(r.routes).toEqual([]);
    expect(r.notes.find((n) => n.field === 'spec.http[0].route[0]')?.message).toMatch(/destination productpage subset v1 is not an upstream of the suite \(upstreams: reviews\); add it under upstreams or map it under import\.backends/);
  });

  it('a destination without a subset reaches every version of its upstream alike', () => {
    const r = vs('  - route: [{ destination: { host: reviews } }]\n');
    expect(r.routes[0].to.weights).toEqual({ v1: 33.333333, v2: 33.333333, v3: 33.333333 });
  });
});

describe('Gateway API HTTPRoute', () => {
  const infra: UpstreamSpec[] = [{ name: 'infra', versions: ['infra-backend-v1', 'infra-backend-v2', 'infra-backend-v3'], replicas: 1 }];
  const route = (rules: string, ctx: Partial<ImportContext> = { upstreams: infra }) =>
    importIstio(
      `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: r }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [example.com]
  rules:
${rules}`,
      { file: 'r.yaml', ...ctx },
    );

  it('matches: PathPrefix, Exact, RegularExpression, headers, queryParams, method', () => {
    const r = route(`  - matches:
    - path: { type: PathPrefix, value: /v2 }
      headers: [{ name: X-Version, value: "2" }, { name: x-re, type: RegularExpression, value: "a.*" }]
      queryParams: [{ name: q, value: x }]
      method: POST
    - path: { type: Exact, value: /exact }
    - path: { type: RegularExpression, value: "/re/.*" }
    backendRefs: [{ name: infra-backend-v2, port: 8080 }]
`);
    expect(r.routes[0].hosts).toEqual(['example.com']);
    expect(r.routes[0].matches).toEqual([
      { path: { kind: 'pathPrefix', value: '/v2' }, headers: [{ name: 'x-version', kind: 'exact', value: '2' }, { name: 'x-re', kind: 'regex', value: 'a.*' }], query: [{ name: 'q', kind: 'exact', value: 'x' }], methods: ['POST'] },
      { path: { kind: 'exact', value: '/exact' }, headers: [], query: [] },
      { path: { kind: 'regex', value: '/re/.*' }, headers: [], query: [] },
    ]);
    // Attachment: named (the proxy under test is each parent), not an unchecked behaviour.
    expect(r.notes.find((n) => n.field === 'spec.parentRefs')?.kind).toBe('info');
  });

  it('weighted backendRefs (default 1) become percentages of the versions they name', () => {
    const r = route(`  - backendRefs: [{ name: infra-backend-v1, port: 8080, weight: 3 }, { name: infra-backend-v2, port: 8080 }]
`);
    expect(r.routes[0].to).toMatchObject({ upstream: 'infra', weights: { 'infra-backend-v1': 75, 'infra-backend-v2': 25 } });
  });

  it('filters: RequestHeaderModifier onto transform, URLRewrite onto rewrite; mirror, redirect, response headers named', () => {
    const r = route(`  - filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: { set: [{ name: X-Set, value: a }], remove: [X-Gone], add: [{ name: x-add, value: b }] }
    - type: URLRewrite
      urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /new } }
    - type: RequestMirror
      requestMirror: { backendRef: { name: infra-backend-v3, port: 8080 } }
    - type: ResponseHeaderModifier
      responseHeaderModifier: { set: [{ name: a, value: b }] }
    backendRefs: [{ name: infra-backend-v1, port: 8080 }]
  - filters: [{ type: RequestRedirect, requestRedirect: { statusCode: 301 } }]
`);
    expect(r.routes).toHaveLength(1);
    expect(r.routes[0].policies.transform).toEqual({ setHeaders: { 'x-set': 'a' }, removeHeaders: ['x-gone'] });
    expect(r.routes[0].rewrite).toEqual({ prefix: '/new' });
    expect(r.notes.find((n) => n.field === 'spec.rules[0].filters[0].requestHeaderModifier.add')?.kind).toBe('unexpressed');
    expect(r.notes.find((n) => n.field === 'spec.rules[0].filters[2]')?.message).toMatch(/RequestMirror/);
    expect(r.notes.find((n) => n.field === 'spec.rules[0].filters[3]')?.message).toMatch(/ResponseHeaderModifier/);
    expect(r.notes.find((n) => n.field === 'spec.rules[1]')?.message).toMatch(/answers with a redirect/);
  });

  it('timeouts: request is the route timeout; backendRequest is the per-try timeout with retry, else the route timeout (as Istio converts them)', () => {
    const r = route(`  - timeouts: { request: 2s }
    backendRefs: [{ name: infra-backend-v1 }]
  - timeouts: { request: 2s, backendRequest: 500ms }
    backendRefs: [{ name: infra-backend-v1 }]
  - timeouts: { backendRequest: 500ms }
    retry: { attempts: 3, codes: [500] }
    backendRefs: [{ name: infra-backend-v1 }]
`);
    expect(r.routes.map((x) => x.policies.timeout?.requestMs)).toEqual([2000, 500, undefined]);
    expect(r.routes[2].policies.retry).toEqual({ attempts: 3, on: [500], methods: ALL_METHODS });
    expect(r.notes.some((n) => n.field === 'spec.rules[2].timeouts.backendRequest' && /an HTTPRoute cannot add reset/.test(n.message))).toBe(true);
  });

  it('retry (GEP-1731): attempts default 2, codes checked, backoff named; no codes retries connection errors only', () => {
    const r = route(`  - retry: { codes: [503, 500], backoff: 100ms }
    backendRefs: [{ name: infra-backend-v1 }]
  - retry: { attempts: 4 }
    backendRefs: [{ name: infra-backend-v1 }]
`);
    expect(r.routes[0].policies.retry).toEqual({ attempts: 2, on: [500, 503], methods: ALL_METHODS });
    expect(r.notes.find((n) => n.field === 'spec.rules[0].retry.backoff')?.kind).toBe('unexpressed');
    expect(r.routes[1].policies.retry).toBeUndefined();
    expect(r.notes.find((n) => n.field === 'spec.rules[1].retry')?.message).toMatch(/connection errors only/);
  });

  it('an unmapped backendRef is an input error that says how to map it; import.backends maps it', () => {
    const rules = `  - backendRefs: [{ name: payments-canary, port: 80, weight: 20 }, { name: payments-stable, port: 80, weight: 80 }]
`;
    const payments: UpstreamSpec[] = [{ name: 'payments', versions: ['stable', 'next'], replicas: 1 }];
    expect(() => route(rules, { upstreams: payments })).toThrow(
      'HTTPRoute/r rules[0].backendRefs[0]: backendRef payments-canary is no version and no upstream of the suite (upstreams: payments [stable, next]); name a version after it, or map it in the suite: import: { backends: { payments-canary: { upstream: <upstream>, version: <version> } } }',
    );
    const mapped = route(rules, { upstreams: payments, backends: { 'payments-canary': { upstream: 'payments', version: 'next' }, 'payments-stable': { upstream: 'payments', version: 'stable' } } });
    expect(mapped.routes[0].to).toMatchObject({ upstream: 'payments', weights: { next: 20, stable: 80 } });
  });

  it('a backendRef named like an upstream reaches its versions alike; backends on two upstreams make no route', () => {
    const ups: UpstreamSpec[] = [{ name: 'reviews', versions: ['v1', 'v2'], replicas: 1 }, { name: 'ratings', versions: ['v1'], replicas: 1 }];
    expect(route('  - backendRefs: [{ name: reviews, port: 9080 }]\n', { upstreams: ups }).routes[0].to.weights).toEqual({ v1: 50, v2: 50 });
    const two = route('  - backendRefs: [{ name: reviews }, { name: ratings }]\n', { upstreams: ups });
    expect(two.routes).toEqual([]);
    expect(two.notes.find((n) => n.field === 'spec.rules[0]')?.message).toMatch(/split across upstreams is not checked/);
  });
});

describe("istiod's own translation as the oracle", () => {
  // Istio's Gateway API conversion tests (pilot/pkg/config/kube/gateway/testdata, vendored verbatim): each input's
  // HTTPRoutes and the golden VirtualServices istiod writes for them (route-semantics gateway) must import to the
  // same routes, match by match (istiod splits a rule's matches into routes of their own when it orders them).
  const units = (r: ReturnType<typeof importIstio>['routes'][number], weights: boolean) =>
    (r.matches.length ? r.matches : [{ headers: [], query: [] }]).map((m) =>
      JSON.stringify([{ ...m, headers: [...m.headers].sort((a, b) => a.name.localeCompare(b.name)) }, r.rewrite ?? null, r.policies.timeout?.requestMs ?? null, r.policies.retry ?? null, r.policies.transform ?? null, weights ? r.to : null]),
    );
  const pairs: Array<[string, UpstreamSpec[] | undefined]> = [
    ['networking-more/kube-gateway-http', undefined],
    ['gateway-translation/kube-gateway-weighted', [{ name: 'httpbin', versions: ['httpbin', 'httpbin-other', 'httpbin-zero'], replicas: 1 }, { name: 'foo-svc', versions: ['v1'], replicas: 1 }]],
    ['gateway-translation/kube-gateway-mesh', undefined],
    ['gateway-translation/kube-gateway-zero', undefined],
    ['gateway-translation/kube-gateway-delegated', undefined],
    ['gateway-translation/kube-gateway-empty-backend-refs', undefined],
    ['gateway-translation/kube-gateway-redirect-only', undefined],
  ];
  for (const [name, upstreams] of pairs) {
    it(`${name}: every HTTPRoute rule imports to routes of the golden VirtualServices (matches, rewrite, timeout, retry, request headers${upstreams ? ', destination' : ''})`, () => {
      const load = (f: string) => importIstio(readFileSync(join(real, 'istio', f), 'utf8'), { file: f, ...(upstreams ? { upstreams } : {}) });
      const fromRoutes = load(`${name}.yaml`).routes;
      const golden = load(`${name}.yaml.golden`).routes;
      const gold = new Set(golden.flatMap((r) => units(r, !!upstreams)));
      expect(fromRoutes.flatMap((r) => units(r, !!upstreams)).filter((u) => !gold.has(u))).toEqual([]);
      // Both sides make as many distinct match units: nothing the golden routes is lost on the HTTPRoute side.
      expect(new Set(fromRoutes.flatMap((r) => units(r, !!upstreams))).size).toBe(gold.size);
    });
  }
});
