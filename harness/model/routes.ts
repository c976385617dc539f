// Routes: what Istio's VirtualService http routes and Gateway API's HTTPRoute
// rules say, as one model. A route has matches (ORed; each is an AND of its
// conditions), the hosts it serves, a destination (an upstream and its
// versions' weights; 100 to one version is plain routing) and the policies it
// scopes (retry, timeout, fault, transform, rateLimit). The first route whose
// match holds takes the request, as in both sources.
//
// Match semantics, from the sources (read at istio/api 1.24 and gateway-api v1.2):
// - Istio networking/v1alpha3/virtual_service.proto, HTTPMatchRequest and
//   StringMatch: exact, prefix (a string prefix), regex (RE2, the whole value);
//   `ignoreUriCase` applies to exact and prefix uri matches only; a header with
//   an empty match (`{}`) checks presence; withoutHeaders holds when the header
//   does not match; queryParams take exact and regex; header names are lower case.
// - gateway-api apis/v1/httproute_types.go: PathMatchType Exact, PathPrefix
//   (whole path elements: /foo matches /foo and /foo/bar, not /foobar; a
//   trailing slash in the value is ignored) and RegularExpression; no path
//   means PathPrefix "/"; headers and queryParams Exact or RegularExpression;
//   a request must satisfy every condition of one match, any match of a rule.
// Regular expressions are matched against the whole value, as Envoy's
// safe_regex (RE2 full match) does for both.

import type { HttpMethod } from './spec.ts';
import type { Policies } from './policies.ts';

export type PathMatchKind = 'exact' | 'prefix' | 'pathPrefix' | 'regex';

export interface PathMatch {
  kind: PathMatchKind;
  value: string;
  /** Istio's ignoreUriCase: exact and prefix only. */
  ignoreCase?: boolean;
}

export type ValueMatchKind = 'exact' | 'prefix' | 'regex' | 'present' | 'absent';

export interface HeaderMatch {
  /** Lower case. */
  name: string;
  kind: ValueMatchKind;
  /** For exact, prefix and regex. */
  value?: string;
  /** Istio's withoutHeaders: holds when the header does NOT match. */
  invert?: boolean;
}

export interface QueryMatch {
  name: string;
  kind: 'exact' | 'regex' | 'present';
  value?: string;
}

export interface RouteMatch {
  path?: PathMatch;
  /** Any of these methods; undefined = any method. */
  methods?: HttpMethod[];
  headers: HeaderMatch[];
  query: QueryMatch[];
}

export interface RouteDestination {
  upstream: string;
  /** version -> weight; one version with all the weight is plain routing. */
  weights: Record<string, number>;
  /** Absolute tolerance on each share when the weights are split. Default 0.05. */
  tolerance: number;
  /** False-alarm rate of the route's verdict. Default 1e-4. */
  alpha: number;
}

/** Where a route came from, for errors and notes: the suite's routes[i], or an imported resource. */
export interface RouteOrigin {
  file: string;
  /** routes[2] (suite) or VirtualService reviews http[1] (imported). */
  place: string;
}

/** What the upstream must see after a rewrite: the path with the matched prefix replaced, or a whole new path. */
export interface RouteRewrite {
  prefix?: string;
  full?: string;
}

/** Policies a route may scope: its own replace the suite's defaults for its requests. */
export type RoutePolicyName = 'retry' | 'timeout' | 'fault' | 'transform' | 'rateLimit';
export const ROUTE_POLICIES: readonly RoutePolicyName[] = ['retry', 'timeout', 'fault', 'transform', 'rateLimit'];
export type RoutePolicies = Pick<Policies, Extract<RoutePolicyName, keyof Policies>>;

export interface Route {
  name: string;
  origin: RouteOrigin;
  /** Host header values it serves ("*" or none = any); requests carry the first. */
  hosts: string[];
  /** ORed; empty = every request. */
  matches: RouteMatch[];
  to: RouteDestination;
  /** The route's own policies (defaults come from the suite's top-level policies). */
  policies: RoutePolicies;
  rewrite?: RouteRewrite;
}

/** A request as routing sees it. Header names lower case; the path without the query. */
export interface RequestFacts {
  method: HttpMethod;
  path: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  host?: string;
}

/** A whole-value match: the source's regexes are RE2 full matches. */
export function fullMatch(regex: string, value: string, flags = ''): boolean {
  return new RegExp(`^(?:${regex})$`, flags).test(value);
}

/** PathPrefix: whole elements, the value's trailing slash ignored (httproute_types.go). */
function elementPrefix(prefix: string, path: string): boolean {
  const p = prefix.length > 1 ? prefix.replace(/\/+$/, '') : prefix;
  if (p === '/') return path.startsWith('/');
  return path === p || path.startsWith(`${p}/`);
}

export function pathMatches(m: PathMatch, path: string): boolean {
  const fold = (s: string) => (m.ignoreCase ? s.toLowerCase() : s);
  switch (m.kind) {
    case 'exact':
      return fold(path) === fold(m.value);
    case 'prefix':
      return fold(path).startsWith(fold(m.value));
    case 'pathPrefix':
      return elementPrefix(fold(m.value), fold(path));
    case 'regex':
      return fullMatch(m.value, path);
  }
}

function valueMatches(kind: ValueMatchKind, expected: string | undefined, actual: string | undefined): boolean {
  switch (kind) {
    case 'present':
      return actual !== undefined;
    case 'absent':
      return actual === undefined;
    case 'exact':
      return actual === expected;
    case 'prefix':
      return actual !== undefined && actual.startsWith(expected ?? '');
    case 'regex':
      return actual !== undefined && fullMatch(expected ?? '', actual);
  }
}

export function headerMatches(h: HeaderMatch, headers: Record<string, string>): boolean {
  const held = valueMatches(h.kind, h.value, headers[h.name]);
  return h.invert ? !held : held;
}

export function queryMatches(q: QueryMatch, query: Array<[string, string]>): boolean {
  // The first occurrence decides, as Envoy's query_parameter matcher reads it.
  const found = query.find(([k]) => k === q.name);
  return valueMatches(q.kind, q.value, found?.[1]);
}

export function matchHolds(m: RouteMatch, req: RequestFacts): boolean {
  if (m.path && !pathMatches(m.path, req.path)) return false;
  if (m.methods && !m.methods.includes(req.method)) return false;
  return m.headers.every((h) => headerMatches(h, req.headers)) && m.query.every((q) => queryMatches(q, req.query));
}

/** Whether a route serves this Host: "*" or no hosts serve any; a name matches by its first label too. */
export function hostServed(route: Route, host: string | undefined): boolean {
  if (!route.hosts.length || route.hosts.includes('*') || host === undefined) return true;
  const h = host.toLowerCase().replace(/:\d+$/, '');
  return route.hosts.some((r) => {
    const want = r.toLowerCase();
    if (want.startsWith('*.')) return h.endsWith(want.slice(1));
    return h === want || h.split('.')[0] === want.split('.')[0];
  });
}

export function routeTakes(route: Route, req: RequestFacts): boolean {
  if (!hostServed(route, req.host)) return false;
  return route.matches.length === 0 || route.matches.some((m) => matchHolds(m, req));
}

/** The route that takes the request: the first whose host and any match hold; undefined = none (404). */
export function selectRoute(routes: readonly Route[], req: RequestFacts): Route | undefined {
  return routes.find((r) => routeTakes(r, req));
}

/** The versions a route sends traffic to (a positive weight). */
export function routeVersions(route: Route): string[] {
  return Object.entries(route.to.weights)
    .filter(([, w]) => w > 0)
    .map(([v]) => v);
}

/** A short text of a match for reports: `header x-track=next, GET, path prefix /refunds/`. */
export function describeMatch(m: RouteMatch): string {
  const parts: string[] = [];
  if (m.path) parts.push(`path ${m.path.kind === 'pathPrefix' ? 'prefix' : m.path.kind} ${m.path.value}${m.path.ignoreCase ? ' (any case)' : ''}`);
  if (m.methods) parts.push(m.methods.join('|'));
  for (const h of m.headers) {
    const v = h.kind === 'present' ? 'present' : h.kind === 'absent' ? 'absent' : `${h.kind === 'exact' ? '=' : h.kind === 'prefix' ? '^=' : '~'}${h.value}`;
    parts.push(`${h.invert ? 'not ' : ''}header ${h.name} ${v}`);
  }
  for (const q of m.query) parts.push(`query ${q.name}${q.kind === 'present' ? ' present' : `${q.kind === 'exact' ? '=' : '~'}${q.value}`}`);
  return parts.join(', ') || 'every request';
}
