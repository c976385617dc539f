// A suite's routes (Plan.routes) as Kong 3.9 routes, read against Kong's
// default router, router_flavor = traditional_compatible
// (kong/templates/kong_defaults.lua L189, tag 3.9.1), which turns each route
// into an ATC expression (kong/router/transform.lua get_expression) and orders
// routes by a priority number (get_priority), not by their place in the file:
//  - paths: a plain path is a string prefix; `~` starts a regex, written as
//    "^" .. regex (path_val_transform: anchored at the start only), so an exact
//    path is `~...$`, a whole-path regex `~(?:re)$`, a path-element prefix
//    `~prefix(?:/|$)`; `(?i)` is the any-case match (Rust regex inline flag);
//  - headers: `any(lower(http.headers.<name>)) == value:lower()`, or `~` with
//    the lower-cased regex when the value starts with `~*`: Kong folds the case
//    of the request's value and of the stated one, so a match is
//    case-sensitive only for a value without letters; there is no negative
//    header condition and no query condition in this flavor (get_expression
//    reads methods, hosts, paths, headers, snis, sources and destinations);
//  - priority (get_priority, most significant first): how many of methods,
//    hosts, paths, headers (and snis, sources, destinations) a route has; plain
//    hosts only; the number of headers; a regex path; regex_priority; the
//    plain path's length. The first route of the suite must come first in
//    that order wherever two routes can take one request;
//  - strip_path cuts the matched path (for a regex, the whole match) and the
//    rest is joined to the service's path (kong/router/utils.lua
//    get_upstream_uri_v0: with a "/" between them when neither has one, one
//    "/" dropped when both do).
// What Kong cannot express is said by kongRouteProblems (index.ts cannotRender
// makes the routing check notSupported with it); the render leaves those
// conditions out and says so in kong.yml's header.

import type { HeaderMatch, PathMatch, Route, RouteMatch } from '../../model/routes.ts';
import type { HttpMethod } from '../../model/spec.ts';
import type { RateLimitPolicy } from '../../checks/rate-limit/policy.ts';
import { escapeRegExp } from '../../util/regex.ts';
import { headerName, noControl, regexSource, type Source } from '../shared/values.ts';

type J = Record<string, unknown>;

/** Kong's rate-limiting windows (config.second .. config.day). */
export const KONG_WINDOWS: Record<number, string> = { 1000: 'second', 60_000: 'minute', 3_600_000: 'hour', 86_400_000: 'day' };

const hasCase = (s: string) => s.toLowerCase() !== s.toUpperCase();

/** Why Kong cannot take a header condition as stated; undefined when it can. */
function headerProblem(h: HeaderMatch): string | undefined {
  if (h.name === 'host') return "header host: Kong takes the Host only as a route's hosts (routes.lua: \"cannot contain 'host' header\")";
  if (h.invert || h.kind === 'absent') return `header ${h.name} ${h.invert ? 'inverted' : 'absent'}: Kong's routes have no negative header condition`;
  if (h.kind !== 'present' && hasCase(h.value ?? '')) {
    return `header ${h.name} ${h.kind} ${JSON.stringify(h.value)}: Kong lower-cases the request's header value and the stated one before comparing (kong/router/transform.lua: any(lower(http.headers.x)) == value:lower()), so a value with letters matches in any case`;
  }
  return undefined;
}

/** Why Kong cannot render a route's rewrite the way the model says; undefined when it can. */
function rewriteProblem(route: Route): string | undefined {
  const prefix = route.rewrite?.prefix;
  if (prefix === undefined) return undefined;
  const paths = route.matches.map((m) => m.path);
  if (!paths.length || paths.some((p) => !p || p.kind === 'regex')) return 'a prefix rewrite without a prefix or exact path: Kong strips the whole matched path (strip_path) and keeps no part of it';
  for (const p of paths as PathMatch[]) {
    const joins = p.kind === 'prefix' ? p.value.endsWith('/') && prefix.endsWith('/') : p.kind === 'pathPrefix' ? !prefix.endsWith('/') : !p.value.endsWith('/') || prefix.endsWith('/');
    if (!joins) return `prefix rewrite ${prefix} of ${p.kind} ${p.value}: Kong joins the rest of the path to the service path with a "/" of its own (kong/router/utils.lua get_upstream_uri_v0), not by replacing the prefix`;
  }
  return undefined;
}

/** Why a rate limit (the suite's, or a route's in its scope) cannot be rendered; undefined when it can. */
export function rateLimitProblem(rl: RateLimitPolicy | undefined): string | undefined {
  if (!rl || KONG_WINDOWS[rl.windowMs]) return undefined;
  return `Kong's rate-limiting counts per second, minute, hour or day (and calendar months and years: kong/plugins/rate-limiting/schema.lua L80-85, 3.9.1), not a window of ${rl.windowMs} ms`;
}

/** What Kong cannot express in one route, each with the reason. */
function routeProblems(route: Route): string[] {
  const out: string[] = [];
  for (const m of route.matches) {
    if (m.query.length) out.push(`query ${m.query.map((q) => q.name).join(', ')}: Kong's default router (traditional_compatible) matches no query parameter`);
    for (const h of m.headers) {
      const p = headerProblem(h);
      if (p) out.push(p);
    }
  }
  const rewrite = rewriteProblem(route);
  if (rewrite) out.push(rewrite);
  return out.map((p) => `route ${route.name}: ${p}`);
}

/** A Kong route's priority as get_priority computes it, most significant first (no hosts: the plain-host bit is 0 for all). */
function priority(r: J): number[] {
  const paths = (r.paths as string[] | undefined) ?? [];
  const headers = Object.keys((r.headers as J | undefined) ?? {}).length;
  const regex = paths.length > 0 && paths[0].startsWith('~');
  const weight = [r.methods, paths.length ? paths : undefined, headers ? r.headers : undefined].filter((x) => x !== undefined).length;
  return [weight, headers, regex ? 1 : 0, regex ? ((r.regex_priority as number | undefined) ?? 0) : 0, regex ? 0 : (paths[0]?.length ?? 0)];
}

function higher(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

const methodsOverlap = (a: J, b: J) => !a.methods || !b.methods || (a.methods as string[]).some((m) => (b.methods as string[]).includes(m));

/** Why Kong's priority would let a later route take a request an earlier one must take; undefined when the order holds. */
export function orderProblem(kongRoutes: Array<{ route: Route; kong: J }>): string | undefined {
  for (const [i, a] of kongRoutes.entries()) {
    for (const b of kongRoutes.slice(i + 1)) {
      if (a.route === b.route || !methodsOverlap(a.kong, b.kong) || higher(priority(a.kong), priority(b.kong))) continue;
      return `route ${b.route.name} would be tried before route ${a.route.name}, which comes first: Kong orders routes by how many kinds of condition and headers they have before regex_priority (kong/router/transform.lua get_priority), not by their order`;
    }
  }
  return undefined;
}

/** A path condition as a Kong path: every kind as a `~` regex (Kong anchors it at the start), so regex_priority orders them. */
export function kongPath(p: PathMatch): string {
  const ci = p.ignoreCase ? '(?i)' : '';
  switch (p.kind) {
    case 'exact':
      return `~${ci}${escapeRegExp(p.value)}$`;
    case 'prefix':
      return `~${ci}${escapeRegExp(p.value)}`;
    case 'pathPrefix': {
      const v = p.value.replace(/\/+$/, '');
      return v === '' ? '~/' : `~${escapeRegExp(v)}(?:/|$)`;
    }
    case 'regex':
      return `~(?:${p.value})$`;
  }
}

/** A header condition as Kong's value list: `~*` regexes anchored both ends (the ATC `~` is a search), exact values as they are. */
function kongHeader(h: HeaderMatch): string[] {
  const v = h.value ?? '';
  switch (h.kind) {
    case 'exact':
      // A value Kong would read as a regex (it starts with ~*) goes as a regex of itself.
      return [v.startsWith('~*') ? `~*^${escapeRegExp(v)}$` : v];
    case 'prefix':
      return [`~*^${escapeRegExp(v)}`];
    case 'regex':
      return [`~*^(?:${v})$`];
    default:
      return ['~*.*'];
  }
}

/** The matching fields of a Kong route for match `m` (undefined: the route matches every request). */
export function kongMatch(m: RouteMatch | undefined): J {
  const out: J = {};
  if (m?.methods) out.methods = [...m.methods] as HttpMethod[];
  if (m?.path) out.paths = [kongPath(m.path)];
  const headers = (m?.headers ?? []).filter((h) => !headerProblem(h));
  if (headers.length) out.headers = Object.fromEntries(headers.map((h) => [h.name, kongHeader(h)]));
  // Kong refuses an http(s) route with none of methods, hosts, headers, paths, snis
  // (kong/db/schema/entities/routes_subschemas.lua conditional_at_least_one_of, 3.9.1): every path has the prefix "/".
  if (!out.methods && !out.paths && !out.headers) out.paths = ['/'];
  return out;
}

/**
 * The values of a route's matches as Kong will read them, or an InputError
 * naming the setting: no control character anywhere, header names that are
 * tokens, and regexes Kong's engine reads as JavaScript does (the ATC router's
 * Rust regex, like RE2, has no lookaround or backreference).
 */
export function checkKongValues(route: Route): void {
  route.matches.forEach((m, k) => {
    const at = (what: string): Source => ({ file: route.origin.file, place: `${route.origin.place}.matches[${k}].${what}` });
    if (m.path) {
      if (m.path.kind === 'regex') regexSource(m.path.value, at('path'), 'Kong', true);
      else noControl(m.path.value, at('path'), 'a Kong path');
    }
    for (const h of m.headers) {
      headerName(h.name, at(`headers.${h.name}`));
      if (h.kind === 'regex') regexSource(h.value ?? '', at(`headers.${h.name}`), 'Kong', true);
      else noControl(h.value ?? '', at(`headers.${h.name}`), 'a Kong header value');
    }
  });
}

/** Everything Kong cannot express in the routes, in order; [] when it expresses them all. */
export function kongRouteProblems(routes: readonly Route[]): string[] {
  const problems = routes.flatMap(routeProblems);
  const order = orderProblem(routes.flatMap((route, i) => (route.matches.length ? route.matches : [undefined]).map((m) => ({ route, kong: withPriority(kongMatch(m), routes.length - i) }))));
  if (order) problems.push(order);
  return problems;
}

/** regex_priority for a route's regex paths: earlier routes higher, all above the operations' own routes (0). */
export function withPriority(kong: J, rank: number): J {
  const paths = kong.paths as string[] | undefined;
  return paths?.[0]?.startsWith('~') ? { ...kong, regex_priority: rank } : kong;
}
