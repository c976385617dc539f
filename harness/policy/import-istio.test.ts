// The Istio importer on the real public samples (fixtures/realdata, verbatim
// public copies) and on the copies under fixtures/istio.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importIstio, retryOnStatuses } from './import-istio.ts';
import { ALL_METHODS } from '../model/spec.ts';
import { ISTIO_DEFAULT_RETRY } from '../targets/envoy/istio.ts';
import { importAll } from './import.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const real = resolve(root, 'fixtures', 'realdata');
const fixtures = join(root, 'fixtures', 'istio');

function imp(file: string, upstreams = [{ name: 'reviews', versions: ['v1', 'v2', 'v3'], replicas: 1 }]) {
  return importIstio(readFileSync(file, 'utf8'), { file, upstreams });
}

describe('retryOn', () => {
  it('maps Envoy conditions to statuses and says which are transport-level', () => {
    expect(retryOnStatuses('5xx').statuses).toEqual([500, 501, 502, 503, 504]);
    expect(retryOnStatuses('gateway-error,connect-failure').statuses).toEqual([502, 503, 504]);
    expect(retryOnStatuses('gateway-error,connect-failure').transport).toEqual(['connect-failure']);
    expect(retryOnStatuses('retriable-status-codes,503,429').statuses).toEqual([429, 503]);
    expect(retryOnStatuses(ISTIO_DEFAULT_RETRY.retryOn, ISTIO_DEFAULT_RETRY.retriableStatusCodes).statuses).toEqual([503]);
    expect(retryOnStatuses('bogus').unknown).toEqual(['bogus']);
  });
});

describe(`real Istio samples (${real})`, () => {
  const bi = join(real, 'istio', 'bookinfo-networking');
  const cases: Array<[string, Record<string, number>]> = [
    ['virtual-service-reviews-90-10.yaml', { v1: 90, v2: 10 }],
    ['virtual-service-reviews-80-20.yaml', { v1: 80, v2: 20 }],
    ['virtual-service-reviews-50-v3.yaml', { v1: 50, v3: 50 }],
    ['virtual-service-reviews-v2-v3.yaml', { v2: 50, v3: 50 }],
  ];
  for (const [file, weights] of cases) {
    it(`${file}: canary ${JSON.stringify(weights)} plus Istio's default retry, named`, () => {
      const r = imp(join(bi, file));
      expect(r.policies.canary).toMatchObject({ upstream: 'reviews', weights, tolerance: 0.05 });
      expect(r.policies.retry).toEqual({ attempts: 2, on: [503], methods: ALL_METHODS });
      expect(r.notes.some((n) => n.kind === 'default' && /Istio's default retry policy/.test(n.message))).toBe(true);
      // Named with its reason, as part of the default: the resource writes no retry, so --strict does not refuse it.
      expect(r.notes.some((n) => n.kind === 'default' && /connect-failure/.test(n.message))).toBe(true);
      expect(r.notes.some((n) => n.kind === 'unexpressed' && /connect-failure/.test(n.message))).toBe(false);
      // The 503 is Istio <= 1.23's default; the note says so.
      expect(r.notes.some((n) => n.kind === 'info' && /Istio 1\.24 and later leave it out \(EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY/.test(n.message))).toBe(true);
    });
  }

  it('subsets map to versions through the DestinationRule version label, across files', () => {
    const r = importAll([join(bi, 'destination-rule-all.yaml'), join(bi, 'virtual-service-reviews-80-20.yaml')], [{ name: 'reviews', versions: ['v1', 'v2', 'v3'], replicas: 1 }]);
    expect(r.policies.canary?.weights).toEqual({ v1: 80, v2: 20 });
  });

  it('ratings test-abort: a 100% abort 500 for end-user jason; the default route is noted', () => {
    const r = imp(join(bi, 'virtual-service-ratings-test-abort.yaml'), [{ name: 'ratings', versions: ['v1'], replicas: 1 }]);
    expect(r.policies.fault?.rules).toEqual([{ upstream: 'ratings', headers: [{ name: 'end-user', exact: 'jason' }], abort: { status: 500, percent: 100 } }]);
  });

  it('ratings test-delay: a 7 s delay for end-user jason, on every matching request', () => {
    const r = imp(join(bi, 'virtual-service-ratings-test-delay.yaml'), [{ name: 'ratings', versions: ['v1'], replicas: 1 }]);
    expect(r.policies.fault?.rules).toEqual([{ upstream: 'ratings', headers: [{ name: 'end-user', exact: 'jason' }], delay: { fixedDelayMs: 7000, percent: 100 } }]);
    expect(r.notes.some((n) => /fault\.delay/.test(n.message))).toBe(false);
  });

  it('a delay it cannot drive is listed: exponentialDelay, over 30 s, under a path match', () => {
    const vs = (fault: string, match = '') => importIstio(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings }
spec:
  hosts: [ratings]
  http:
  - ${match}fault: ${fault}
    route: [{ destination: { host: ratings, subset: v1 } }]
`, { file: 'vs.yaml', upstreams: [{ name: 'ratings', versions: ['v1'], replicas: 1 }] });
    expect(vs('{ delay: { exponentialDelay: 1s } }').notes.some((n) => n.kind === 'unexpressed' && /without a fixedDelay/.test(n.message))).toBe(true);
    expect(vs('{ delay: { fixedDelay: 45s } }').notes.some((n) => n.kind === 'unexpressed' && /over the 30 s/.test(n.message))).toBe(true);
    // Under a path match the delay is the route's own, not a suite-wide rule.
    const underPath = vs('{ delay: { fixedDelay: 1s } }', 'match: [{ uri: { prefix: /x } }]\n    ');
    expect(underPath.policies.fault).toBeUndefined();
    expect(underPath.routes[0].policies.fault?.rules).toEqual([{ upstream: 'ratings', headers: [], delay: { fixedDelayMs: 1000, percent: 100 } }]);
    expect(underPath.notes.some((n) => n.kind === 'info' && /fault under match uri is checked on its route only/.test(n.message))).toBe(true);
    expect(vs('{ delay: { fixedDelay: 1s, percentage: { value: 25 } } }').policies.fault?.rules[0].delay).toEqual({ fixedDelayMs: 1000, percent: 25 });
  });

  it('jason-v2-v3: the header route and the default route are routes; the default route is the suite-wide canary', () => {
    const r = imp(join(bi, 'virtual-service-reviews-jason-v2-v3.yaml'));
    expect(r.routes.map((x) => [x.name, x.matches, x.to.weights])).toEqual([
      ['reviews.http0', [{ headers: [{ name: 'end-user', kind: 'exact', value: 'jason' }], query: [] }], { v2: 100 }],
      ['reviews.http1', [], { v3: 100 }],
    ]);
    expect(r.notes.some((n) => /routing by match/.test(n.message))).toBe(false);
    expect(r.policies.canary?.weights).toEqual({ v3: 100 });
  });

  it('the validation dataset VirtualService (networking.istio.io/v1) imports a 75/25 split', () => {
    const r = imp(join(real, 'istio', 'validation-dataset-networking-v1-VirtualService.yaml'));
    expect(r.policies.canary).toMatchObject({ upstream: 'c', weights: { v1: 75, v2: 25 } });
  });

  const infra = [{ name: 'infra', versions: ['infra-backend-v1', 'infra-backend-v2', 'infra-backend-v3'], replicas: 1 }];

  it('Gateway API HTTPRoute retry: attempts 3 on 500; the second rule is a named conflict', () => {
    const r = imp(join(real, 'gateway-api', 'httproute-retry.yaml'), infra);
    expect(r.policies.retry).toEqual({ attempts: 3, on: [500], methods: ALL_METHODS });
    expect(r.notes.some((n) => n.kind === 'conflict')).toBe(true);
  });

  it('Gateway API HTTPRoute retry with timeouts.backendRequest: no slow-try expectation (Istio adds no reset to retryOn)', () => {
    const r = imp(join(real, 'gateway-api', 'httproute-retry-with-timeouts.yaml'), infra);
    expect(r.policies.retry).toEqual({ attempts: 5, on: [500], methods: ALL_METHODS });
    expect(r.notes.some((n) => n.kind === 'unexpressed' && /timeouts\.backendRequest \(Istio's perTryTimeout\) 200 ms is not expected to retry a slow try.*an HTTPRoute cannot add reset/.test(n.message))).toBe(true);
  });

  it('Gateway API HTTPRoute weights: a 70/30/0 canary', () => {
    const r = importIstio(readFileSync(join(real, 'gateway-api', 'httproute-weight.yaml'), 'utf8'), { file: 'w.yaml', upstreams: [{ name: 'infra', versions: ['infra-backend-v1', 'infra-backend-v2', 'infra-backend-v3'], replicas: 1 }] });
    expect(r.policies.canary?.weights).toEqual({ 'infra-backend-v1': 70, 'infra-backend-v2': 30, 'infra-backend-v3': 0 });
  });

  it('EnvoyFilter local rate limit (bookinfo): 100 per 60 s, descriptors listed', () => {
    const r = imp(join(real, 'istio', 'ratelimit', 'local-rate-limit-service.yaml'));
    expect(r.policies.rateLimit).toEqual({ limit: 100, windowMs: 60_000, by: 'global' });
    expect(r.notes.some((n) => n.kind === 'unexpressed' && /descriptor/.test(n.message))).toBe(true);
  });

  it('EnvoyFilter local rate limit (integration test): 1 per 600 s', () => {
    expect(imp(join(real, 'istio', 'ratelimit', 'enable_envoy_local_ratelimit.yaml')).policies.rateLimit).toEqual({ limit: 1, windowMs: 600_000, by: 'global' });
  });

  it('RequestAuthentication alone: no auth expectation, with the reason', () => {
    const r = imp(join(real, 'istio', 'security', 'reqauth-valid.yaml'));
    expect(r.policies.auth).toBeUndefined();
    expect(r.notes.some((n) => /alone rejects invalid tokens/.test(n.message))).toBe(true);
    expect(r.notes.some((n) => /jwksUri https:\/\/example.com/.test(n.message))).toBe(true);
  });
});

describe('VirtualService timeout', () => {
  const vs = (http: string) => importIstio(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
${http}`, { file: 'vs.yaml', upstreams: [{ name: 'reviews', versions: ['v1', 'v2'], replicas: 1 }] });

  it('on the default route: a timeout expectation (all tries together, 504)', () => {
    const r = vs('  - route: [{ destination: { host: reviews, subset: v1 } }]\n    timeout: 1.5s\n');
    expect(r.policies.timeout).toEqual({ requestMs: 1500, status: [504], upstream: 'reviews' });
    expect(r.notes.some((n) => /timeout/.test(n.message))).toBe(false);
  });

  it('0s is off, under a match it is listed, a second different one is a conflict', () => {
    expect(vs('  - route: [{ destination: { host: reviews } }]\n    timeout: 0s\n').notes.some((n) => n.kind === 'info' && /timeout 0s turns the timeout off/.test(n.message))).toBe(true);
    const m = vs('  - match: [{ headers: { end-user: { exact: jason } } }]\n    route: [{ destination: { host: reviews, subset: v2 } }]\n    timeout: 3s\n  - route: [{ destination: { host: reviews, subset: v1 } }]\n    timeout: 2s\n');
    expect(m.policies.timeout).toEqual({ requestMs: 2000, status: [504], upstream: 'reviews' });
    expect(m.notes.some((n) => n.kind === 'info' && /http\[0\]: timeout 3s under match headers is checked on its route only/.test(n.message))).toBe(true);
    expect(m.routes.map((x) => x.policies.timeout?.requestMs)).toEqual([3000, 2000]);
    const two = vs('  - route: [{ destination: { host: reviews } }]\n    timeout: 2s\n  - route: [{ destination: { host: reviews } }]\n    timeout: 4s\n');
    expect(two.policies.timeout?.requestMs).toBe(2000);
    expect(two.notes.some((n) => n.kind === 'conflict' && /one suite-wide timeout; 2000 ms stays/.test(n.message))).toBe(true);
  });
});

describe('VirtualService retries with perTryTimeout: a slow try is expected to be retried only when Envoy would', () => {
  const vs = (retries: string) => importIstio(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - route: [{ destination: { host: reviews, subset: v1 } }]
    retries: ${retries}
`, { file: 'vs.yaml', upstreams: [{ name: 'reviews', versions: ['v1'], replicas: 1 }] });
  const routerNote = (r: ReturnType<typeof vs>) => r.notes.find((n) => n.kind === 'unexpressed' && /perTryTimeout 500 ms is not expected to retry a slow try/.test(n.message));

  it('retryOn without reset, 5xx or gateway-error: perTryTimeout left out, with a note citing router.cc', () => {
    const r = vs('{ attempts: 2, perTryTimeout: 500ms, retryOn: "connect-failure,refused-stream,503" }');
    expect(r.policies.retry).toEqual({ attempts: 2, on: [503], methods: ALL_METHODS });
    expect(routerNote(r)?.message).toMatch(/router\.cc onPerTryTimeoutCommon/);
  });

  it("no retryOn (Istio's default): perTryTimeout left out, the 503 default kept with the Istio 1.24 note", () => {
    const r = vs('{ attempts: 3, perTryTimeout: 500ms }');
    expect(r.policies.retry).toEqual({ attempts: 3, on: [503], methods: ALL_METHODS });
    expect(routerNote(r)).toBeDefined();
    expect(r.notes.some((n) => n.kind === 'info' && /EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY/.test(n.message))).toBe(true);
  });

  it.for(['reset,503', '5xx', 'gateway-error,connect-failure'])('retryOn %s retries a timed-out try: perTryTimeout kept', (retryOn) => {
    const r = vs(`{ attempts: 2, perTryTimeout: 500ms, retryOn: "${retryOn}" }`);
    expect(r.policies.retry?.perTryTimeoutMs).toBe(500);
    expect(routerNote(r)).toBeUndefined();
  });
});

describe('fixtures/istio', () => {
  it('the retry VirtualService (v1beta1): attempts 3 on gateway errors, 2 s per try', () => {
    const r = imp(join(fixtures, 'virtual-service-reviews-retry.yaml'));
    expect(r.policies.retry).toEqual({ attempts: 3, on: [502, 503, 504], methods: ALL_METHODS, perTryTimeoutMs: 2000 });
    expect(r.notes.some((n) => n.kind === 'default')).toBe(false);
  });

  it('RequestAuthentication + AuthorizationPolicy with a local JWKS: an RS256 auth expectation', () => {
    const yaml = `apiVersion: security.istio.io/v1beta1
kind: RequestAuthentication
metadata: { name: jwt }
spec:
  jwtRules:
  - issuer: testing@secure.istio.io
    jwksUri: ../jwt/jwks.json
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: require-jwt }
spec:
  action: ALLOW
  rules:
  - from:
    - source:
        requestPrincipals: ["*"]
`;
    const r = importIstio(yaml, { file: join(fixtures, 'x.yaml') });
    expect(r.policies.auth).toEqual({ reject: [401, 403], jwt: { alg: 'RS256', jwks: join(root, 'fixtures', 'jwt', 'jwks.json'), issuer: 'testing@secure.istio.io' } });
  });

  it('attempts 0 turns retries off; other API groups are listed, not dropped', () => {
    const yaml = `apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: { name: r }
spec:
  hosts: [reviews]
  http:
  - route: [{ destination: { host: reviews, subset: v1 } }]
    retries: { attempts: 0 }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: d }
`;
    const r = importIstio(yaml, { file: 'x.yaml' });
    expect(r.policies.retry).toBeUndefined();
    expect(r.notes.some((n) => n.resource === 'Deployment/d' && n.kind === 'unexpressed')).toBe(true);
  });
});
