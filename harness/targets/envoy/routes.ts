// A suite's routes (Plan.routes, first match wins) as Envoy's route list.
// Envoy takes the first route whose match holds ("The list of routes that will
// be matched, in order, for incoming requests. The first route that matches
// will be used.", route_components.proto VirtualHost.routes),
// so the order is the table's (harness/routes/table.ts), operation by operation:
//  1. for each operation of the spec, in order: if some route governs it (the
//     operation is in the route's domain), one Envoy route per match of each
//     governing route, in the routes' order, each restricted to the
//     operation's method and path (:method and :path conditions), then a 404
//     for the operation's requests no route takes (Istio's "no route", NR);
//     an operation no route governs keeps its own route to its upstream;
//  2. one Envoy route per match of every route, unrestricted, for requests of
//     no operation (a path just outside a prefix: the table judges them by
//     every route), then the 404 for any request left.
// A route's match becomes the RouteMatch (matches.ts), its destination a
// cluster per version (weighted_clusters when split), its own retry, timeout
// and transform replace the suite's on its Envoy routes, its fault and rate
// limit are typed_per_filter_config, its rewrite prefix_rewrite or
// regex_rewrite. Hosts narrow a route's domain (table.ts) and are not matched
// on :authority: the other checks' requests carry the listener's address as
// Host, and the model serves a request of a governed operation whatever its Host.

import type { Route, RouteMatch } from '../../model/routes.ts';
import type { RenderInput } from '../../model/target.ts';
import { ALL_METHODS } from '../../model/spec.ts';
import type { RetryPolicy } from '../../checks/retry/policy.ts';
import { integerWeights, type OpPlan, type Plan, type RoutePlan } from '../shared/plan.ts';
import { noControl, sanitizedName, type Source } from '../shared/values.ts';
import { escapeRegExp } from '../../util/regex.ts';
import { clusterName, type J } from './json.ts';
import { matchSource, routeMatch } from './matches.ts';

/** What the route list needs from the rest of the render (render.ts). */
export interface RouteTableDeps {
  input: RenderInput;
  plan: Plan;
  /** The route of an operation no route governs. */
  opRoute(o: OpPlan): J;
  /** typed_per_filter_config of an Envoy route for route `rp` (undefined: an operation's own) and operation `o` (undefined: a request of no operation). */
  filters(rp: RoutePlan | undefined, o: OpPlan | undefined): J;
  /** The retry_policy of a policy, undefined when it retries nothing. */
  retry(r: RetryPolicy | undefined): J | undefined;
  /** RouteAction.timeout of the route's own or the suite's timeout. */
  timeout(rp: RoutePlan | undefined): string;
  /** request_headers_to_add/remove of the route's own or the suite's transform. */
  headers(rp: RoutePlan | undefined): J;
}

/** The route's destination: one cluster per version with a weight; weighted_clusters when more than one. */
export function destination(route: Route): J {
  const versions = Object.entries(route.to.weights).filter(([, w]) => w > 0);
  if (versions.length === 1) return { cluster: clusterName(route.to.upstream, versions[0][0]) };
  // Whole weights go as the route states them (Istio writes a destination's weight as given); others are scaled.
  const raw = versions.map(([, x]) => x);
  const w = raw.every((x) => Number.isInteger(x) && x <= 10_000) ? raw : integerWeights(raw, 10_000);
  return { weighted_clusters: { clusters: versions.map(([v], i) => ({ name: clusterName(route.to.upstream, v), weight: w[i] })) } };
}

/** RE2's substitution text for a literal: a backslash starts a group reference there. */
function literalSubstitution(s: string): string {
  return s.replace(/\\/g, '\\\\');
}

/**
 * The rewrite: prefix_rewrite swaps "the matched prefix (or path)" (RouteAction.prefix_rewrite) for exact,
 * prefix and path-separated matches and for no path condition (`prefix: /`, as Istio writes a match without
 * a uri); a regex match is a whole-path match, so its regex_rewrite replaces the whole path; `full` replaces
 * the whole path (regex_rewrite keeps the query string).
 */
function rewriteOf(route: Route, m: RouteMatch | undefined, src: Source): J {
  const rw = route.rewrite;
  if (!rw) return {};
  if (rw.full !== undefined) return { regex_rewrite: { pattern: { regex: '^/.*$' }, substitution: literalSubstitution(noControl(rw.full, src, 'an Envoy rewrite')) } };
  const prefix = noControl(rw.prefix ?? '/', src, 'an Envoy rewrite');
  if (m?.path?.kind === 'regex') return { regex_rewrite: { pattern: { regex: `^(?:${m.path.value})$` }, substitution: literalSubstitution(prefix) } };
  if (prefix === '') {
    // The prefix removed: an empty prefix_rewrite is no rewrite at all to Envoy (source/common/router/config_impl.cc
    // RouteEntryImplBase::finalizePathHeader: `if (prefix_rewrite_.empty()) return;`), so the matched prefix and the
    // slashes after it become one "/" by regex_rewrite.
    const matched = (m?.path?.value ?? '/').replace(/\/+$/, '');
    return { regex_rewrite: { pattern: { regex: `^${m?.path?.ignoreCase ? '(?i)' : ''}${escapeRegExp(matched)}/*` }, substitution: '/' } };
  }
  return { prefix_rewrite: prefix };
}

/** Whether the route's retry applies: the operation's method is retried; for a request of no operation, every method the match allows is. */
function retried(r: RetryPolicy | undefined, m: RouteMatch | undefined, o: OpPlan | undefined): boolean {
  if (!r) return false;
  if (o) return r.methods.includes(o.op.method);
  return (m?.methods ?? ALL_METHODS).every((x) => r.methods.includes(x));
}

/** One Envoy route for match `k` of route `rp`, kept to operation `o`'s requests when given. */
function matchRoute(d: RouteTableDeps, rp: RoutePlan, k: number, o: OpPlan | undefined): J {
  const { route } = rp;
  const m = route.matches[k] as RouteMatch | undefined;
  const at = (what: string) => matchSource(route.origin.file, route.origin.place, k, what);
  const retryPolicy = rp.policies.retry ?? d.plan.retry;
  const action: J = { ...destination(route), timeout: d.timeout(rp), ...rewriteOf(route, m, { file: route.origin.file, place: `${route.origin.place}.rewrite` }) };
  const retry = retried(retryPolicy, m, o) ? d.retry(retryPolicy) : undefined;
  if (retry) action.retry_policy = retry;
  const out: J = { name: `${rp.key}.${k}${o ? `-${o.key}` : ''}-${sanitizedName(route.name)}`, match: routeMatch(m, o, at), route: action, ...d.headers(rp) };
  const perFilter = d.filters(rp, o);
  if (Object.keys(perFilter).length) out.typed_per_filter_config = perFilter;
  return out;
}

/** The match indexes of a route that can take a request of `o` (a match naming other methods cannot); [undefined] for a route without matches. */
function matchesFor(route: Route, o: OpPlan | undefined): Array<number> {
  if (route.matches.length === 0) return [0];
  return route.matches.flatMap((m, k) => (!o || !m.methods || m.methods.includes(o.op.method) ? [k] : []));
}

const FAULT_FILTER = 'envoy.filters.http.fault';

/** Istio's answer when no route takes a request: 404 (response flag NR). */
function noRoute(name: string, match: J, perFilter: J): J {
  const out: J = { name, match, direct_response: { status: 404, body: { inline_string: 'no route takes this request\n' } } };
  if (Object.keys(perFilter).length) out.typed_per_filter_config = perFilter;
  return out;
}

/** An operation's routes: those of the routes governing it, then its 404; or its own route when none does. */
function operationRoutes(d: RouteTableDeps, o: OpPlan): J[] {
  const governing = d.plan.routes.filter((rp) => rp.ops.includes(o.key));
  if (!governing.length) return [d.opRoute(o)];
  const routes = governing.flatMap((rp) => matchesFor(rp.route, o).map((k) => matchRoute(d, rp, k, o)));
  const only = routeMatch(undefined, o, () => ({ file: d.input.suite.file, place: undefined }));
  // The 404 is the router's answer: no fault of the operation's upstream applies to it (a fault lives on a route).
  const { [FAULT_FILTER]: _fault, ...filters } = d.filters(undefined, o);
  routes.push(noRoute(`${o.key}-${sanitizedName(o.op.id)}-no-route`, only, filters));
  return routes;
}

/** The whole route list of a suite with routes, ending in the 404 for what no operation or route takes. */
export function routeTable(d: RouteTableDeps): J[] {
  const routes = d.plan.ops.flatMap((o) => operationRoutes(d, o));
  for (const rp of d.plan.routes) for (const k of matchesFor(rp.route, undefined)) routes.push(matchRoute(d, rp, k, undefined));
  routes.push(noRoute('pp-no-route', { prefix: '/' }, {}));
  return routes;
}
