// Routes in a rendered nginx.conf, as a chain of maps (http level) that ends
// in $pp_route, the first route whose match holds (model/routes.ts: first
// match wins), and $pp_to, the upstream block the request goes to: the
// route's own (pp_route_r0, ...: its versions' replicas weighted by the
// route), the operation's upstream when no route governs the operation, or
// "" (404, as Envoy answers a request no route matches) when routes govern it
// and none takes it. A request for no operation of the spec is judged by
// every route, as routes/table.ts does. A route's own retry and timeout get a
// named location, its fault abort an `if`, its transform a map per header,
// its rewrite the URI proxied ($pp_uri).
//
// Why maps and why regexes (nginx 1.22):
// - A map compares plain string keys case-insensitively: the value looked up
//   is lowered first (src/http/ngx_http_variables.c, ngx_http_map_find:
//   ngx_hash_strlow before ngx_hash_find_combined) and the keys are lowered
//   when the map is built (src/http/modules/ngx_http_map_module.c). Every
//   condition on a value from the request is therefore a regex key (~, which
//   PCRE matches case-sensitively; ~* only for Istio's ignoreUriCase),
//   anchored (^...$ for exact, ^... for prefix, ^(?:re)$ for RE2's full match)
//   with the literal escaped. Plain keys are only our own 0/1 flags and r0, r1.
// - Regex keys are tried in the order they appear, after plain strings
//   (ngx_http_map_module.c; the map directive's documentation says the same),
//   so the route map's regexes, written in route order, give the first match.
// - One map reads one source, so each condition is its own 0/1 map; a match is
//   a map of the concatenated flags ("111" when all hold), a route the OR of
//   its matches, and $pp_route a map over every route's flags.
// - Regexes are tried only on a non-empty value (ngx_http_map_find: `if (len &&
//   map->nregex)`): an empty value gets the default, so the scope map's key has
//   a prefix ("op:$pp_op") and an absent header matches no regex.
// - Paths are $uri (normalized, without the query), as the operation map reads
//   them; headers $http_<name> (absent and empty read the same: ""); query
//   parameters are cut out of $args by name, case-sensitively, the first
//   occurrence, the value as sent ($arg_<name> would ignore the name's case:
//   ngx_http_arg compares with ngx_strncasecmp).

import type { Route, RouteMatch } from '../../model/routes.ts';
import type { RenderInput } from '../../model/target.ts';
import { escapeRegExp } from '../../util/regex.ts';
import type { Plan, RoutePlan } from '../shared/plan.ts';
import { governedOps, headerValueOf, rewritePrefix, routeFault, routePlace } from '../shared/route-rules.ts';
import { headerName, httpMethod, regexSource, type Source } from '../shared/values.ts';
import type { Policies } from '../../model/policies.ts';
import { comment, expanded, headerVar, str, word } from './escape.ts';

/** What the route writers need from render.ts's context. */
export interface RouteCtx {
  plan: Plan;
  input: RenderInput;
  line: (indent: number, text: string) => void;
}

/** A regex key of a map: the source quoted (never expanded: map keys are not). */
function re(source: string, src: Source, ignoreCase = false): string {
  return str(`${ignoreCase ? '~*' : '~'}${source}`, src);
}

/** A 0/1 map on `source`: 1 when `key` holds (0 when `invert`). */
function flagMap(c: RouteCtx, source: string, v: string, key: string, invert = false): void {
  c.line(1, `map ${source} ${v} {`);
  c.line(2, `default ${invert ? 1 : 0};`);
  c.line(2, `${key} ${invert ? 0 : 1};`);
  c.line(1, '}');
}

function pathKey(route: Route, m: RouteMatch, k: number): string {
  const p = m.path!;
  const src = routePlace(route, `matches[${k}].path`);
  const lit = escapeRegExp(p.value);
  switch (p.kind) {
    case 'exact':
      return re(`^${lit}$`, src, p.ignoreCase);
    case 'prefix':
      return re(`^${lit}`, src, p.ignoreCase);
    case 'pathPrefix': {
      // Gateway API PathPrefix: whole elements, a trailing slash of the value ignored (httproute_types.go).
      const base = p.value.length > 1 ? p.value.replace(/\/+$/, '') : p.value;
      return base === '/' ? re('^/', src) : re(`^${escapeRegExp(base)}(/|$)`, src);
    }
    case 'regex':
      return re(`^(?:${regexSource(p.value, src, 'nginx.conf')})$`, src);
  }
}

/** The regex key for a header or query value condition (present: anything, as nginx reads absent as ""). */
function valueKey(kind: string, value: string | undefined, src: Source, lead = ''): string {
  switch (kind) {
    case 'exact':
      return re(`^${lead}${escapeRegExp(value ?? '')}$`, src);
    case 'prefix':
      return re(`^${lead}${escapeRegExp(value ?? '')}`, src);
    case 'regex':
      return re(`^${lead}(?:${regexSource(value ?? '', src, 'nginx.conf')})$`, src);
    default:
      return re(lead ? `^${lead}` : '.', src);
  }
}

/** The query parameter's first occurrence as "1:<value as sent>", or "" when it is not in $args. */
function queryExtract(c: RouteCtx, v: string, name: string, src: Source): void {
  const cap = `${v.slice(1)}_value`;
  c.line(1, `map $args ${v}_raw {`);
  c.line(2, 'default "";');
  c.line(2, `${re(`(?:^|&)${escapeRegExp(name)}(?:=(?<${cap}>[^&]*))?(?:&|$)`, src)} "1:$${cap}";`);
  c.line(1, '}');
}

/** The 0/1 flags of one match's conditions (the route's scope first). */
function matchFlags(c: RouteCtx, r: RoutePlan, m: RouteMatch, k: number): string[] {
  const base = `$pp_${r.key}_m${k}`;
  const flags = [`$pp_${r.key}_in`];
  const add = (source: string, key: string, invert = false) => {
    const v = `${base}_c${flags.length}`;
    flagMap(c, source, v, key, invert);
    flags.push(v);
  };
  if (m.path) add('$uri', pathKey(r.route, m, k));
  if (m.methods) add('$request_method', re(`^(?:${m.methods.map((x) => httpMethod(x, routePlace(r.route, `matches[${k}].method`))).join('|')})$`, routePlace(r.route, `matches[${k}].method`)));
  for (const h of m.headers) {
    const src = routePlace(r.route, `matches[${k}].headers.${h.name}`);
    add(headerVar(h.name, src), valueKey(h.kind === 'absent' ? 'present' : h.kind, headerValueOf(h), src), (h.kind === 'absent') !== !!h.invert);
  }
  for (const q of m.query) {
    const src = routePlace(r.route, `matches[${k}].query.${q.name}`);
    const v = `${base}_c${flags.length}`;
    queryExtract(c, v, q.name, src);
    add(`${v}_raw`, valueKey(q.kind, q.value, src, '1:'));
  }
  return flags;
}

/** One flag per match of the route: 1 when the request is in the route's scope and every condition holds. */
function routeMatchVars(c: RouteCtx, r: RoutePlan): string[] {
  c.line(1, '');
  c.line(1, comment(`route ${r.key}, ${r.route.origin.place}: to ${r.upstream.name}; in scope: its operations, or a request for no operation`));
  // An empty value never reaches a map's regexes (ngx_http_map_find tries them only when len > 0),
  // so the key has a prefix: "op:" alone is a request for no operation.
  c.line(1, `map "op:$pp_op" $pp_${r.key}_in {`);
  c.line(2, 'default 0;');
  // Operation keys are ours (op0, op1, ...): a plain quoted regex.
  c.line(2, `"~^op:(?:${r.ops.join('|')})?$" 1;`);
  c.line(1, '}');
  const matches = r.route.matches.length ? r.route.matches : [{ headers: [], query: [] }];
  return matches.map((m, k) => {
    const flags = matchFlags(c, r, m, k);
    if (flags.length === 1) return flags[0];
    c.line(1, `map "${flags.join('')}" $pp_${r.key}_m${k} {`);
    c.line(2, 'default 0;');
    c.line(2, `${'1'.repeat(flags.length)} 1;`);
    c.line(1, '}');
    return `$pp_${r.key}_m${k}`;
  });
}

/** Keys of the routes whose own `policy` is set. */
export function routesWith(plan: Plan, policy: 'fault' | 'transform'): string[] {
  return plan.routes.filter((r) => r.policies[policy] !== undefined).map((r) => r.key);
}

/**
 * The route maps: $pp_route (first match wins) and $pp_to (the upstream
 * block, or "" for 404). `$pp_upstream` still names the operation's upstream.
 */
export function writeRouteMaps(c: RouteCtx): void {
  const perRoute = c.plan.routes.map((r) => routeMatchVars(c, r));
  c.line(1, '');
  c.line(1, '# The first route whose match holds: route i when the i-th group of flags holds a 1 (regexes are tried in order).');
  c.line(1, `map "${perRoute.map((v) => v.join('')).join(':')}" $pp_route {`);
  c.line(2, 'default "";');
  c.plan.routes.forEach((r, i) => c.line(2, `"~^(?:[01]*:){${i}}[01]*1" ${r.key};`));
  c.line(1, '}');
  const governed = governedOps(c.plan);
  c.line(1, '# Operations no route governs keep their upstream; a request no route takes is "" (404).');
  c.line(1, 'map $pp_op $pp_free_upstream {');
  c.line(2, 'default "";');
  for (const o of c.plan.ops) if (!governed.has(o.key)) c.line(2, `${o.key} ${o.upstream};`);
  c.line(1, '}');
  c.line(1, 'map $pp_route $pp_to {');
  c.line(2, 'default $pp_free_upstream;');
  for (const r of c.plan.routes) c.line(2, `${r.key} pp_route_${r.key};`);
  c.line(1, '}');
  if (routesWith(c.plan, 'fault').length) {
    c.line(1, "# The suite's faults skip the requests of a route with its own fault.");
    c.line(1, 'map $pp_route $pp_suite_fault {');
    c.line(2, 'default 1;');
    for (const k of routesWith(c.plan, 'fault')) c.line(2, `${k} 0;`);
    c.line(1, '}');
  }
}

/** The route's own abort (its delay is not rendered: the route's fault check is notSupported for fault.delay). */
function routeAbort(r: RoutePlan) {
  const abort = routeFault(r)?.abort;
  return abort && abort.percent > 0 ? abort : undefined;
}

/** A route's own fault abort: a flag on the route (and a random share below 100%). */
export function writeRouteFaultFlags(c: RouteCtx): void {
  for (const r of c.plan.routes) {
    const abort = routeAbort(r);
    if (!abort) continue;
    c.line(1, '');
    c.line(1, comment(`route ${r.key}: abort ${abort.status} (${abort.percent}%)`));
    if (abort.percent < 100) {
      c.line(1, `split_clients "\${request_id}" $pp_${r.key}_fault_share {`);
      c.line(2, `${Number(abort.percent.toFixed(2))}% 1;`);
      c.line(2, '* 0;');
      c.line(1, '}');
    }
    const key = abort.percent < 100 ? `"$pp_route:$pp_${r.key}_fault_share"` : '$pp_route';
    c.line(1, `map ${key} $pp_${r.key}_fault {`);
    c.line(2, 'default 0;');
    c.line(2, `${abort.percent < 100 ? `"${r.key}:1"` : r.key} 1;`);
    c.line(1, '}');
  }
}

/** In location /: a route's abort answers before anything is proxied. */
export function writeRouteFaultReturns(c: RouteCtx, indent: number): void {
  for (const r of c.plan.routes) {
    const abort = routeAbort(r);
    if (abort) c.line(indent, `if ($pp_${r.key}_fault) { return ${abort.status}; }`);
  }
}

/** A named location for a route with its own retry or timeout (nginx sets those per location, not per variable). */
export interface RouteLocation {
  r: RoutePlan;
  name: string;
  /** The status `return`ed in location / to jump there (error_page code = @name); 560-599 are unassigned (RFC 9110). */
  code: number;
  /** The methods it takes (the retried ones); undefined: the route's other requests. */
  methods?: string[];
  /** Tried once: the methods the route's retry leaves out. */
  once: boolean;
}

export const FIRST_JUMP = 560;
export const LAST_JUMP = 599;

/** The named locations of routes with their own retry or timeout, two when the retry leaves some methods out. */
export function routeLocations(plan: Plan, retryOf: (r: RoutePlan) => Plan['retry'], subset: (retry: Plan['retry']) => string[] | undefined): RouteLocation[] {
  const out: RouteLocation[] = [];
  for (const r of plan.routes) {
    if (!r.policies.retry && !r.policies.timeout) continue;
    const methods = subset(retryOf(r));
    out.push({ r, name: `@pp_route_${r.key}`, code: FIRST_JUMP + out.length, methods, once: false });
    if (methods) out.push({ r, name: `@pp_route_${r.key}_once`, code: FIRST_JUMP + out.length, once: true });
  }
  return out;
}

/** $pp_jump: the code that sends a request to its route's location (0: location / serves it). */
export function writeJumpMap(c: RouteCtx, locs: RouteLocation[]): void {
  if (!locs.length) return;
  c.line(1, '');
  c.line(1, "# Routes with their own retry or timeout are served by their own named location; $pp_jump says which.");
  c.line(1, 'map "$pp_route:$request_method" $pp_jump {');
  c.line(2, 'default 0;');
  for (const l of locs) c.line(2, `"~^${l.r.key}:${l.methods ? `(?:${l.methods.join('|')})$` : ''}" ${l.code};`);
  c.line(1, '}');
}

interface TransformHeader {
  /** The header name as written (the first spelling met). */
  name: string;
  /** The name as a proxy_set_header token. */
  word: string;
  /** $pp_hdr_<i>, the value for this request's route. */
  variable: string;
  src: Source;
}

/** Every header a transform (the suite's or a route's) sets or removes, once each (names ignore case). */
export function transformHeaders(c: RouteCtx): TransformHeader[] {
  const seen = new Map<string, TransformHeader>();
  const add = (name: string, src: Source) => {
    const low = name.toLowerCase();
    if (!seen.has(low)) seen.set(low, { name, word: word(headerName(name, src), src), variable: `$pp_hdr_${seen.size}`, src });
  };
  const t = c.input.suite.policies.transform;
  for (const n of [...Object.keys(t?.setHeaders ?? {}), ...(t?.removeHeaders ?? [])]) add(n, { file: c.input.suite.file, place: 'policies.transform' });
  for (const r of c.plan.routes) {
    const rt = r.policies.transform;
    for (const n of [...Object.keys(rt?.setHeaders ?? {}), ...(rt?.removeHeaders ?? [])]) add(n, routePlace(r.route, 'transform'));
  }
  return [...seen.values()];
}

/** The value a transform gives a header: set (expanded), removed (""), or what the client sent. */
function transformValue(t: Policies['transform'], h: TransformHeader, src: Source): string {
  const low = h.name.toLowerCase();
  const set = Object.entries(t?.setHeaders ?? {}).find(([n]) => n.toLowerCase() === low);
  if (set) return expanded(set[1], src);
  if ((t?.removeHeaders ?? []).some((n) => n.toLowerCase() === low)) return '""';
  // Untouched: what the client sent (nginx reads the first of repeated headers this way).
  return headerVar(h.name, h.src);
}

/**
 * With a route-scoped transform, every transformed header is set from a map on
 * $pp_route: the route's own transform for its requests, the suite's for the others.
 */
export function writeRouteTransformMaps(c: RouteCtx): void {
  if (!routesWith(c.plan, 'transform').length) return;
  const suite = c.input.suite.policies.transform;
  for (const h of transformHeaders(c)) {
    c.line(1, '');
    c.line(1, comment(`header ${h.name}: the transform of the request's route, else the suite's`));
    c.line(1, `map $pp_route ${h.variable} {`);
    c.line(2, `default ${transformValue(suite, h, { file: c.input.suite.file, place: 'policies.transform' })};`);
    for (const r of c.plan.routes) if (r.policies.transform) c.line(2, `${r.key} ${transformValue(r.policies.transform, h, routePlace(r.route, 'transform'))};`);
    c.line(1, '}');
  }
}

/** Whether any route rewrites the path: then locations proxy to `http://$pp_to$pp_uri`. */
export function anyRewrite(plan: Plan): boolean {
  return plan.routes.some((r) => r.route.rewrite);
}

/**
 * $pp_uri, the URI the upstream sees: the request's as the client sent it
 * ($request_uri, what proxy_pass without a URI passes for an unchanged URI:
 * ngx_http_proxy_module.xml, proxy_pass), or a route's rewrite of it: the whole
 * path (the query kept), or the matched prefix replaced (Envoy's
 * prefix_rewrite). The key is "<route> <request URI>"; regexes run in order.
 */
export function writeRewriteMap(c: RouteCtx): void {
  if (!anyRewrite(c.plan)) return;
  c.line(1, '');
  c.line(1, "# The URI the upstream sees: the client's, or the route's rewrite of it.");
  c.line(1, 'map "$pp_route $request_uri" $pp_uri {');
  c.line(2, 'default $request_uri;');
  for (const r of c.plan.routes) {
    const rw = r.route.rewrite;
    if (!rw) continue;
    const src = routePlace(r.route, 'rewrite');
    const rest = `pp_${r.key}_rest`;
    if (rw.full !== undefined) {
      c.line(2, `${re(`^${r.key} [^?]*(?<${rest}>\\?.*)?$`, src)} ${expanded(rw.full, src).replace(/"$/, `$${rest}"`)};`);
      continue;
    }
    const p = rewritePrefix(r.route)!;
    const tail = p.kind === 'exact' ? `(?<${rest}>\\?.*)?$` : `(?<${rest}>.*)$`;
    c.line(2, `${re(`^${r.key} ${escapeRegExp(p.value)}${tail}`, src, p.ignoreCase)} ${expanded(rw.prefix ?? '', src).replace(/"$/, `$${rest}"`)};`);
  }
  c.line(1, '}');
}
