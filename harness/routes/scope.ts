// A route's own policies are checked with requests that select the route:
// the check runs as it would for the suite, but on the operations the route
// takes, with every request it sends first made to satisfy the route's match
// (its header, path, method, query and host). Pure: the runner adds the effects.

import { isDeepStrictEqual } from 'node:util';
import type { Policies } from '../model/policies.ts';
import { ROUTE_POLICIES, type Route, type RoutePolicyName } from '../model/routes.ts';
import type { HttpRequestSpec, Operation, Spec } from '../model/spec.ts';
import type { Suite } from '../model/suite.ts';
import type { Rng } from '../util/rng.ts';
import { factsOf, satisfying } from './requests.ts';
import { expectedFor, operationFor, routeTable, type RouteEntry } from './table.ts';

export interface RouteScope {
  route: Route;
  /** The policy of the route this scope checks (the check of that name runs). */
  policy: RoutePolicyName;
  /** The suite's policies with the route's own in their place: a route's retry and timeout inform each other. */
  policies: Policies;
  /** The operations whose requests the route takes, in spec order. */
  operations: Operation[];
  /** A check's request, made to select the route (unchanged when it cannot be). */
  shape(req: HttpRequestSpec): HttpRequestSpec;
  /** Why the policy cannot be seen at all on this route's requests (set: the check does not run). */
  unobservable?: string;
}

/**
 * A route whose own fault aborts every request answers before any upstream is
 * tried (Envoy's fault filter runs before the router, as proxyproof's renders
 * do), so its retry, timeout or transform can never show; its fault is checked.
 */
function unobservable(route: Route, p: RoutePolicyName): string | undefined {
  if (p === 'fault' || p === 'rateLimit') return undefined;
  const all = (route.policies.fault?.rules ?? []).find((r) => r.headers.length === 0 && r.abort !== undefined && r.abort.percent >= 100);
  return all ? `every request of route ${route.name} is aborted with ${all.abort!.status} by its own fault before an upstream is tried, so its ${p} cannot be observed (its fault is checked)` : undefined;
}

/** The request made to satisfy one of the route's matches that the table sends to the route itself (first match wins). */
function selecting(table: readonly RouteEntry[], suite: Pick<Suite, 'upstreams'>, spec: Spec, route: Route, req: HttpRequestSpec, rng: Rng): HttpRequestSpec | undefined {
  const op = operationFor(spec, factsOf(req));
  if (!op) return undefined;
  for (const m of route.matches.length ? route.matches : [{ headers: [], query: [] }]) {
    const shaped = satisfying(route, m, op, req, rng);
    if (!shaped) continue;
    const where = expectedFor(table, suite, spec, shaped);
    if (where.kind === 'route' && where.route === route) return shaped;
  }
  return undefined;
}

/** Other paths tried for a check's request before it is left as it is. */
const RESHAPE_TRIES = 32;

/**
 * A check's request, made to select the route; when its path is one an
 * earlier route takes (/reviews/16 under a /reviews/1 prefix), the same
 * request on fresh paths of its operation, keeping its headers and body.
 */
function reshaped(table: readonly RouteEntry[], suite: Pick<Suite, 'upstreams'>, spec: Spec, route: Route, req: HttpRequestSpec, generate: (op: Operation, rng: Rng) => HttpRequestSpec, rng: Rng): HttpRequestSpec {
  const first = selecting(table, suite, spec, route, req, rng);
  if (first) return first;
  const op = operationFor(spec, factsOf(req));
  for (let i = 0; op && i < RESHAPE_TRIES; i++) {
    const other = selecting(table, suite, spec, route, { ...req, path: generate(op, rng).path }, rng);
    if (other) return other;
  }
  return req;
}

/**
 * A catch-all route whose policy equals the suite's own is already checked by
 * the suite-wide run (its plain requests select it): no second run.
 */
function alreadyChecked(suite: Suite, route: Route, p: RoutePolicyName): boolean {
  return route.matches.length === 0 && isDeepStrictEqual(route.policies[p], suite.policies[p]);
}

/** Every route's own policies, each as a scope to run its check in. */
export function routeScopes(suite: Suite, spec: Spec, generate: (op: Operation, rng: Rng) => HttpRequestSpec, rng: Rng): RouteScope[] {
  const table = routeTable(suite, spec, generate, rng);
  const out: RouteScope[] = [];
  for (const e of table) {
    const { route } = e;
    const operations = e.ops.filter((o) => selecting(table, suite, spec, route, o.request, rng)).map((o) => o.op);
    const own = { ...route.policies };
    for (const p of ROUTE_POLICIES) {
      if (route.policies[p] === undefined || alreadyChecked(suite, route, p)) continue;
      const policies: Policies = { ...suite.policies, ...own };
      delete policies.routing;
      const why = unobservable(route, p);
      out.push({ route, policy: p, policies, operations, shape: (req) => reshaped(table, suite, spec, route, req, generate, rng), ...(why ? { unobservable: why } : {}) });
    }
  }
  return out;
}
