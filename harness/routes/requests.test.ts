import { describe, expect, it } from 'vitest';
import { pathMatches, selectRoute, type Route, type RouteMatch } from '../model/routes.ts';
import type { HttpRequestSpec, Operation } from '../model/spec.ts';
import { createRng } from '../util/rng.ts';
import { factsOf, nearMisses, operationsOf, sampleOf, satisfying } from './requests.ts';

function route(name: string, matches: RouteMatch[], weights: Record<string, number> = { v1: 100 }, hosts: string[] = []): Route {
  return { name, origin: { file: 's.yaml', place: name }, hosts, matches, to: { upstream: 'reviews', weights, tolerance: 0.05, alpha: 1e-4 }, policies: {} };
}

const op = (id: string, method: Operation['method'], path: string, pathRegex: string): Operation => ({ id, method, path, pathRegex, security: [], parameters: [], responses: [], pointer: `/paths/${path}` });
const ops = [op('get', 'GET', '/reviews/{id}', '^/reviews/[^/]+$'), op('put', 'PUT', '/reviews/{id}', '^/reviews/[^/]+$'), op('health', 'GET', '/health', '^/health$')];
const gen = (o: Operation): HttpRequestSpec => ({ method: o.method, path: o.path.replace('{id}', '0'), headers: {} });

describe('path matches as the sources define them', () => {
  it('Istio prefix is a string prefix; Gateway API PathPrefix whole elements, its trailing slash ignored', () => {
    expect(pathMatches({ kind: 'prefix', value: '/foo' }, '/foobar')).toBe(true);
    expect(pathMatches({ kind: 'pathPrefix', value: '/foo' }, '/foobar')).toBe(false);
    expect(pathMatches({ kind: 'pathPrefix', value: '/foo/' }, '/foo')).toBe(true);
    expect(pathMatches({ kind: 'pathPrefix', value: '/foo' }, '/foo/bar')).toBe(true);
    expect(pathMatches({ kind: 'pathPrefix', value: '/' }, '/anything')).toBe(true);
  });

  it('ignoreUriCase folds exact and prefix; a regex is matched whole', () => {
    expect(pathMatches({ kind: 'exact', value: '/Reviews', ignoreCase: true }, '/reviews')).toBe(true);
    expect(pathMatches({ kind: 'exact', value: '/Reviews' }, '/reviews')).toBe(false);
    expect(pathMatches({ kind: 'regex', value: '/reviews/[0-9]+' }, '/reviews/12')).toBe(true);
    expect(pathMatches({ kind: 'regex', value: '/reviews/[0-9]+' }, '/reviews/12/x')).toBe(false);
  });
});

describe('first match wins', () => {
  const jason = route('jason', [{ headers: [{ name: 'end-user', kind: 'exact', value: 'jason' }], query: [] }], { v2: 100 });
  const rest = route('default', [], { v1: 100 });
  it('picks the header route for jason and the default otherwise', () => {
    expect(selectRoute([jason, rest], factsOf({ method: 'GET', path: '/reviews/0', headers: { 'End-User': 'jason' } }))?.name).toBe('jason');
    expect(selectRoute([jason, rest], factsOf({ method: 'GET', path: '/reviews/0', headers: { 'end-user': 'Jason' } }))?.name).toBe('default');
    expect(selectRoute([jason], factsOf({ method: 'GET', path: '/reviews/0', headers: {} }))).toBeUndefined();
  });
});

describe('requests for a route, and their near misses', () => {
  const rng = createRng(7);
  const jason = route('jason', [{ headers: [{ name: 'end-user', kind: 'exact', value: 'jason' }], query: [], methods: ['GET'] }], { v2: 100 }, ['reviews']);
  const refunds = route('refunds', [{ path: { kind: 'prefix', value: '/reviews/' }, headers: [{ name: 'x-track', kind: 'prefix', value: 'beta' }], query: [{ name: 'debug', kind: 'regex', value: '[0-9]{2}' }] }]);
  const rest = route('default', [], { v1: 90, v3: 10 });

  it('maps a route onto the operations it can take, with a request that satisfies it', () => {
    const mapped = operationsOf(jason, ops, gen, rng);
    expect(mapped.map((m) => m.op.id)).toEqual(['get', 'health']);
    expect(mapped[0].request.headers).toMatchObject({ 'end-user': 'jason', host: 'reviews' });
    const r = operationsOf(refunds, ops, gen, rng);
    expect(r.map((m) => m.op.id)).toEqual(['get', 'put']);
    const f = factsOf(r[0].request);
    expect(f.headers['x-track']).toBe('beta-pp');
    expect(f.query[0][0]).toBe('debug');
    expect(f.query[0][1]).toMatch(/^[0-9]{2}$/);
  });

  it('a route whose path no operation has maps onto nothing', () => {
    expect(operationsOf(route('x', [{ path: { kind: 'exact', value: '/nope' }, headers: [], query: [] }]), ops, gen, rng)).toEqual([]);
  });

  it('near misses of an exact header: another case, longer, shorter, more before it, absent; other methods; each falls through to the default', () => {
    const req = satisfying(jason, jason.matches[0], ops[0], gen(ops[0]), rng)!;
    const misses = nearMisses([jason, rest], jason.matches[0], req, ['GET', 'PUT']);
    expect(misses.map((m) => m.what)).toEqual([
      'header end-user with another case',
      'header end-user one character longer',
      'header end-user cut one character short',
      'header end-user with more before it',
      'header end-user absent',
      'method PUT',
    ]);
    expect(misses.map((m) => factsOf(m.request).headers['end-user'])).toEqual(['JASON', 'jasonx', 'jaso', 'xjason', undefined, 'jason']);
    for (const m of misses) expect(m.expected?.name).toBe('default');
  });

  it('near misses of a prefix path, a prefix header and a regex query; with no route left the expectation is none', () => {
    const req = satisfying(refunds, refunds.matches[0], ops[0], gen(ops[0]), rng)!;
    const misses = nearMisses([refunds], refunds.matches[0], req);
    const whats = misses.map((m) => m.what);
    expect(whats).toContain('header x-track its prefix in another case');
    expect(whats).toContain('header x-track the prefix cut one character short');
    expect(whats).toContain('query debug with more after it');
    expect(whats).toContain('query debug name in another case (DEBUG)');
    expect(whats).toContain('path one character outside the prefix /reviews/');
    expect(factsOf(misses.find((m) => m.what.startsWith('path one character'))!.request).path).toBe('/reviewx/0');
    for (const m of misses) expect(m.expected).toBeUndefined();
  });

  it('regex samples are drawn from the rng and match whole', () => {
    const a = sampleOf('(jason|json)-[0-9]{3}', createRng(1));
    expect(a).toMatch(/^(jason|json)-[0-9]{3}$/);
    expect(sampleOf('(jason|json)-[0-9]{3}', createRng(1))).toBe(a);
  });
});
