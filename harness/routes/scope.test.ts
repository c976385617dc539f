import { describe, expect, it } from 'vitest';
import { selectRoute, type Route, type RouteMatch, type RoutePolicies } from '../model/routes.ts';
import type { HttpRequestSpec, Operation, Spec } from '../model/spec.ts';
import type { Suite } from '../model/suite.ts';
import { createRng } from '../util/rng.ts';
import { factsOf } from './requests.ts';
import { routeScopes } from './scope.ts';
import { routeTable } from './table.ts';

function route(name: string, matches: RouteMatch[], policies: RoutePolicies = {}): Route {
  return { name, origin: { file: 's.yaml', place: name }, hosts: [], matches, to: { upstream: 'reviews', weights: { v1: 100 }, tolerance: 0.05, alpha: 1e-4 }, policies };
}
const op = (id: string, method: Operation['method'], path: string, pathRegex: string): Operation => ({ id, method, path, pathRegex, security: [], parameters: [], responses: [], pointer: `/paths/${path}` });
const spec = { operations: [op('getReviews', 'GET', '/reviews/{id}', '^/reviews/[^/]+$'), op('putReview', 'PUT', '/reviews/{id}', '^/reviews/[^/]+$')] } as unknown as Spec;
/** Product ids 0..199, so some paths start with /reviews/1 and some do not. */
const gen = (o: Operation, rng: () => number): HttpRequestSpec => ({ method: o.method, path: o.path.replace('{id}', String(Math.floor(rng() * 200))), headers: {} });
const retry = { attempts: 2, on: [503], methods: ['GET' as const] };
const suiteWith = (routes: Route[], policies: Suite['policies'] = {}) => ({ upstreams: [{ name: 'reviews', versions: ['v1'], replicas: 1 }], routes, policies }) as unknown as Suite;

describe('route scopes: a route\'s own policies, with requests that select it', () => {
  const jason = route('jason', [{ headers: [{ name: 'end-user', kind: 'exact', value: 'jason' }], query: [] }]);
  const product1 = route('product-1', [{ path: { kind: 'prefix', value: '/reviews/1' }, methods: ['GET'], headers: [], query: [] }], { retry });
  const rest = route('default', [], { timeout: { requestMs: 2000, status: [504] } });

  it('one scope per own policy; every shaped request is taken by its route (not an earlier one)', () => {
    const suite = suiteWith([jason, product1, rest]);
    const scopes = routeScopes(suite, spec, gen as never, createRng(1));
    expect(scopes.map((s) => `${s.route.name}/${s.policy}`)).toEqual(['product-1/retry', 'default/timeout']);
    expect(scopes[0].operations.map((o) => o.id)).toEqual(['getReviews']);
    expect(scopes[1].operations.map((o) => o.id)).toEqual(['getReviews', 'putReview']);
    const rng = createRng(2);
    for (const s of scopes) {
      for (let i = 0; i < 50; i++) {
        for (const o of s.operations) {
          const shaped = s.shape(gen(o, rng));
          expect(selectRoute(suite.routes!, factsOf(shaped))?.name, shaped.path).toBe(s.route.name);
        }
      }
    }
    // The route's policy replaces the suite's for its scope; the others stay.
    expect(scopes[0].policies.retry).toBe(retry);
    expect(scopes[0].policies.routing).toBeUndefined();
  });

  it('a catch-all route whose policy equals the suite\'s is not run twice; a route earlier routes shadow has no operations', () => {
    const all = route('all', []);
    const late = route('late', [{ path: { kind: 'prefix', value: '/reviews/' }, headers: [], query: [] }], { retry });
    const same = route('same', [], { retry });
    expect(routeScopes(suiteWith([same], { retry }), spec, gen as never, createRng(1))).toEqual([]);
    const scopes = routeScopes(suiteWith([all, late]), spec, gen as never, createRng(1));
    expect(scopes.map((s) => s.route.name)).toEqual(['late']);
    expect(scopes[0].operations).toEqual([]);
  });

  it('a route whose own fault aborts every request has its retry reported unobservable, its fault checked', () => {
    const aborted = route('aborted', [], { retry, fault: { rules: [{ upstream: 'reviews', headers: [], abort: { status: 500, percent: 100 } }] } } as RoutePolicies);
    const scopes = routeScopes(suiteWith([aborted]), spec, gen as never, createRng(1));
    expect(scopes.map((s) => [s.policy, s.unobservable !== undefined])).toEqual([['retry', true], ['fault', false]]);
    expect(scopes[0].unobservable).toMatch(/aborted with 500 by its own fault before an upstream is tried, so its retry cannot be observed/);
  });

  it('the route table keeps requests the route itself takes: a default under a /reviews/1 prefix gets none that start so', () => {
    const table = routeTable(suiteWith([product1, route('default', [])]), spec, gen as never, createRng(3));
    for (const o of table[1].ops) expect(o.request.path.startsWith('/reviews/1') && o.op.method === 'GET').toBe(false);
  });
});
