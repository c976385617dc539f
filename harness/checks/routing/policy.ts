// routing: the suite's routes (top-level `routes:`, or imported ones) sent
// where they say. The routes live in the suite model (model/routes.ts); this
// section holds the check's settings, and the loader puts the routes in.

import type { PolicySection } from '../check.ts';
import type { Route, RouteMatch } from '../../model/routes.ts';
import type { Feature } from '../../model/features.ts';

export interface RoutingPolicy {
  /** The suite's routes, in order (set by the loader from `routes:` and imports). */
  routes: Route[];
  /** Send the near misses of each match (another case, a longer value, absent, ...). Default true. */
  nearMisses: boolean;
  /** Requests per near miss and per plain-routing match (all must land right). Default 4. */
  requestsPerCase: number;
  /** Most requests a split route's sequential test may send. Default 6400. */
  maxRequests: number;
}

declare module '../../model/policies.ts' {
  interface Policies {
    routing?: RoutingPolicy;
  }
}

declare module '../../model/features.ts' {
  interface FeatureMap {
    /** Routes matched by path: exact, prefix (string), pathPrefix (whole elements), regex. */
    'routing.path': true;
    /** Istio's ignoreUriCase on exact and prefix paths. */
    'routing.pathIgnoreCase': true;
    'routing.method': true;
    /** Header conditions: exact, prefix, regex, present, absent, and inverted ones (withoutHeaders). */
    'routing.header': true;
    'routing.query': true;
    /** Weights across versions on one route. */
    'routing.split': true;
    /** The path the upstream sees rewritten. */
    'routing.rewrite': true;
    /** Route-scoped policies: each replaces the suite's own for the route's requests. */
    'route.retry': true;
    'route.timeout': true;
    'route.fault': true;
    'route.transform': true;
    'route.rateLimit': true;
  }
}

/** The features a match needs. */
export function matchFeatures(m: RouteMatch): Feature[] {
  const out: Feature[] = [];
  if (m.path) out.push('routing.path');
  if (m.path?.ignoreCase) out.push('routing.pathIgnoreCase');
  if (m.methods) out.push('routing.method');
  if (m.headers.length) out.push('routing.header');
  if (m.query.length) out.push('routing.query');
  return out;
}

/** The features a route table needs (its own policies' needs are added by the runner per route). */
export function routeFeatures(routes: readonly Route[]): Feature[] {
  const out = new Set<Feature>();
  for (const r of routes) {
    for (const m of r.matches) for (const f of matchFeatures(m)) out.add(f);
    if (Object.values(r.to.weights).filter((w) => w > 0).length > 1) out.add('routing.split');
    if (r.rewrite) out.add('routing.rewrite');
  }
  return [...out];
}

export const routingSection: PolicySection<'routing'> = {
  schema: {
    description: 'Settings of the routing check. The routes themselves are under the top-level routes: (or imported with policies.from).',
    type: 'object',
    additionalProperties: false,
    properties: {
      nearMisses: { description: 'Also send requests that just miss each match (the header in another case, a longer value, absent, a path just outside a prefix, other methods) and expect the route that must take them. Default true.', type: 'boolean' },
      requestsPerCase: { description: 'Requests per near miss and per plain-routing match; every one must land right. Default 4.', type: 'integer', minimum: 1, maximum: 100 },
      maxRequests: { description: "Most requests a split route's sequential test may send. Default 6400.", type: 'integer', minimum: 100, maximum: 1_000_000 },
    },
  },
  parse(r) {
    return { routes: [], nearMisses: (r.nearMisses as boolean | undefined) ?? true, requestsPerCase: (r.requestsPerCase as number | undefined) ?? 4, maxRequests: (r.maxRequests as number | undefined) ?? 6400 };
  },
};
