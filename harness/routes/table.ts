// The route table of a suite over its spec: which operations each route
// applies to, and where a given request must go. A route's domain is the
// operations it can match, narrowed to the operations of the upstream its host
// names (a VirtualService for host `reviews` governs the requests to reviews,
// as a sidecar applies the VirtualService of the destination host). A request
// whose operation is in no route's domain goes where the suite's upstreams
// send it, as without routes; one in some route's domain goes to the first of
// those routes whose match holds, or nowhere (404, Istio's "no route").

import { selectRoute, type RequestFacts, type Route } from '../model/routes.ts';
import type { HttpRequestSpec, Operation, Spec } from '../model/spec.ts';
import type { Suite } from '../model/suite.ts';
import type { Rng } from '../util/rng.ts';
import { createRng } from '../util/rng.ts';
import { factsOf, operationsOf, satisfying } from './requests.ts';

/** The upstream an operation goes to without routes: the one that claims it, else the first that claims none. */
export function upstreamOf(suite: Pick<Suite, 'upstreams'>, op: Operation): string | undefined {
  const claimed = suite.upstreams.find((u) => u.operations?.includes(op.id));
  return (claimed ?? suite.upstreams.find((u) => u.operations === undefined) ?? suite.upstreams[0])?.name;
}

export interface RouteEntry {
  route: Route;
  /** The operations the route applies to, each with a request that satisfies the route. */
  ops: Array<{ op: Operation; match: number; request: HttpRequestSpec; shadowed?: true }>;
}

/** The upstream a route's hosts name (by service name: reviews, reviews.prod, reviews.prod.svc.cluster.local), if the suite has it. */
export function hostUpstream(suite: Pick<Suite, 'upstreams'>, route: Route): string | undefined {
  for (const h of route.hosts) {
    if (h === '*' || h.startsWith('*.')) continue;
    const short = h.toLowerCase().split('.')[0];
    const u = suite.upstreams.find((x) => x.name.toLowerCase() === short);
    if (u) return u.name;
  }
  return undefined;
}

export function routeTable(suite: Pick<Suite, 'upstreams' | 'routes'>, spec: Spec, generate: (op: Operation, rng: Rng) => HttpRequestSpec, rng: Rng = createRng(0)): RouteEntry[] {
  const table = (suite.routes ?? []).map((route) => {
    const host = hostUpstream(suite, route);
    const candidates = host ? spec.operations.filter((op) => upstreamOf(suite, op) === host) : spec.operations;
    return { route, ops: operationsOf(route, candidates, (op) => generate(op, rng), rng) };
  });
  for (const e of table) for (const o of e.ops) unshadow(table, suite, spec, e.route, o, generate, rng);
  return table;
}

/** Fresh requests tried for an operation before a route is called shadowed on it. */
const UNSHADOW_TRIES = 32;

/**
 * The request kept for a route's operation must be one the route itself
 * takes: a request that satisfies a default route but also an earlier
 * route's prefix (/reviews/16 under /reviews/1) goes to the earlier one.
 * Fresh requests are tried; when none is the route's, it is shadowed there.
 */
function unshadow(table: RouteEntry[], suite: Pick<Suite, 'upstreams'>, spec: Spec, route: Route, o: RouteEntry['ops'][number], generate: (op: Operation, rng: Rng) => HttpRequestSpec, rng: Rng): void {
  const takes = (req: HttpRequestSpec) => {
    const where = expectedFor(table, suite, spec, req);
    return where.kind === 'route' && where.route === route;
  };
  if (takes(o.request)) return;
  const m = route.matches[o.match] ?? { headers: [], query: [] };
  for (let i = 0; i < UNSHADOW_TRIES; i++) {
    const request = satisfying(route, m, o.op, generate(o.op, rng), rng);
    if (request && takes(request)) {
      o.request = request;
      return;
    }
  }
  o.shadowed = true;
}

export type Expected = { kind: 'route'; route: Route } | { kind: 'none' } | { kind: 'default'; upstream: string | undefined };

/** The operation a request is for: the first of the spec's with its method whose path regex holds. */
export function operationFor(spec: Spec, f: RequestFacts): Operation | undefined {
  return spec.operations.find((op) => op.method === f.method && new RegExp(op.pathRegex).test(f.path));
}

/** Where a request must go under the table. */
export function expectedFor(table: readonly RouteEntry[], suite: Pick<Suite, 'upstreams'>, spec: Spec, req: HttpRequestSpec | RequestFacts): Expected {
  const f = 'query' in req ? req : factsOf(req);
  const op = operationFor(spec, f);
  // A request for no operation of the spec (a path just outside a prefix) is judged by every route, as the source would.
  const governing = table.filter((e) => !op || e.ops.some((o) => o.op === op)).map((e) => e.route);
  if (governing.length === 0) return { kind: 'default', upstream: op ? upstreamOf(suite, op) : undefined };
  const r = selectRoute(governing, f);
  return r ? { kind: 'route', route: r } : { kind: 'none' };
}
