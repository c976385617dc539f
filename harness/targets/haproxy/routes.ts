// Routes in a rendered haproxy.cfg. The frontend sets txn.pp_route to the
// first route whose match holds (model/routes.ts: first match wins), among
// the routes governing the request's operation (a request for no operation of
// the spec is judged by every route, as the model's routes/table.ts does);
// a request of a governed operation that no route takes is denied with 404,
// as Envoy answers a request no route matches (NR). Each route has its own
// backend (route_r0, ...) with its versions' replicas weighted by the route,
// its own retries and server timeout; its fault, transform and rewrite are
// frontend rules conditioned on txn.pp_route. Operations no route governs are
// rendered as before.
//
// How the conditions read (HAProxy 2.6 configuration.txt, 7.1.3 "Matching
// strings" and 7.3.6 "Fetching HTTP samples"):
// - `-m str` is an exact, case-sensitive comparison, `-m beg` a case-sensitive
//   prefix, `-m reg` a PCRE search (not anchored: sources are written
//   `^(?:...)$` to match the whole value as RE2's full match does); `-i` folds
//   case and is written only for Istio's ignoreUriCase.
// - `path` is the path as sent, without the query string.
// - `req.fhdr(name)` is the header's full value: `req.hdr` splits values at
//   commas (docs/targets/haproxy.md), so `jason, x` would match `exact: jason`.
//   An empty exact value is `-m len 0`, present/absent are `-m found`.
// - `url_param(name)`: the parameter's name case-sensitive, its value as sent
//   (not decoded); a value also ends at `;` (src/http_fetch.c,
//   smp_fetch_url_param). Read into a variable first, so only the first
//   occurrence counts (writeQueryVars).

import type { Route, RouteMatch } from '../../model/routes.ts';
import type { RenderInput } from '../../model/target.ts';
import { escapeRegExp } from '../../util/regex.ts';
import type { Plan, RoutePlan } from '../shared/plan.ts';
import { governedOps, headerValueOf, routeFault, routePlace, rewritePrefix } from '../shared/route-rules.ts';
import { headerName, httpMethod, type Source } from '../shared/values.ts';
import { arg, comment, inBraces, logFormat, patterns, regex, str, word } from './escape.ts';

/** What the route writers need from render.ts's context. */
export interface RouteCtx {
  plan: Plan;
  input: RenderInput;
  line: (indent: number, text: string) => void;
}

const NO_ROUTE = '!{ var(txn.pp_route) -m found }';
const NO_OP = '!{ var(txn.pp_op) -m found }';
/** HAProxy reads at most 64 words a line; lines of one ACL name are ORed. */
const PER_LINE = 50;

/** `{ var(txn.pp_route) -m str r0 r2 }`: the request was taken by one of these routes. */
export function onRoutes(keys: string[], negate = false): string {
  return `${negate ? '!' : ''}{ var(txn.pp_route) -m str ${keys.join(' ')} }`;
}

/** Keys of the routes whose own `policy` is set. */
export function routesWith(plan: Plan, policy: 'fault' | 'transform'): string[] {
  return plan.routes.filter((r) => r.policies[policy] !== undefined).map((r) => r.key);
}

type Kind = 'exact' | 'prefix' | 'regex' | 'present' | 'absent';

/** One value condition on a fetch, as an anonymous ACL. */
function valueCond(fetch: string, kind: Kind, value: string | undefined, src: Source, ignoreCase = false): string {
  const i = ignoreCase ? '-i ' : '';
  const one = (raw: string, encode: (v: string, s: Source) => string) => patterns([{ raw: inBraces(raw, src), text: encode(raw, src), src }]);
  switch (kind) {
    case 'present':
      return `{ ${fetch} -m found }`;
    case 'absent':
      return `!{ ${fetch} -m found }`;
    case 'exact':
      return value === '' ? `{ ${fetch} -m len 0 }` : `{ ${fetch} ${i}-m str ${one(value ?? '', str)} }`;
    case 'prefix':
      return value === '' ? `{ ${fetch} -m found }` : `{ ${fetch} ${i}-m beg ${one(value ?? '', str)} }`;
    case 'regex':
      // -m reg searches; anchored and grouped, it is RE2's full match.
      return `{ ${fetch} -m reg ${one(`^(?:${value ?? ''})$`, regex)} }`;
  }
}

function pathCond(route: Route, m: RouteMatch, k: number): string | undefined {
  const p = m.path;
  if (!p) return undefined;
  const src = routePlace(route, `matches[${k}].path`);
  if (p.kind !== 'pathPrefix') return valueCond('path', p.kind, p.value, src, p.ignoreCase);
  // Gateway API PathPrefix: whole elements, a trailing slash of the value ignored (httproute_types.go).
  const base = p.value.length > 1 ? p.value.replace(/\/+$/, '') : p.value;
  if (base === '/') return valueCond('path', 'prefix', '/', src);
  return `{ path -m reg ${patterns([{ raw: base, text: regex(`^${escapeRegExp(base)}(/|$)`, src), src }])} }`;
}

/** The conditions of one match, ANDed (words of one `if`). */
function matchConds(route: Route, key: string, m: RouteMatch, k: number): string[] {
  const out: string[] = [];
  const path = pathCond(route, m, k);
  if (path) out.push(path);
  if (m.methods) out.push(`{ method ${m.methods.map((x) => httpMethod(x, routePlace(route, `matches[${k}].method`))).join(' ')} }`);
  for (const h of m.headers) {
    const src = routePlace(route, `matches[${k}].headers.${h.name}`);
    const cond = valueCond(`req.fhdr(${arg(headerName(h.name, src), src)})`, h.kind, headerValueOf(h), src);
    out.push(h.invert ? (cond.startsWith('!') ? cond.slice(1) : `!${cond}`) : cond);
  }
  m.query.forEach((q, j) => {
    const src = routePlace(route, `matches[${k}].query.${q.name}`);
    out.push(valueCond(`var(${queryVar(key, k, j)})`, q.kind, q.value, src));
  });
  return out;
}

function queryVar(key: string, k: number, j: number): string {
  return `txn.pp_${key}_m${k}_q${j}`;
}

/**
 * Query parameters are read into variables first: in an ACL, url_param
 * iterates over every occurrence until one matches, where the model (and
 * Envoy) read the first; set-var keeps the first sample only.
 */
function writeQueryVars(c: RouteCtx, r: RoutePlan, m: RouteMatch, k: number): void {
  m.query.forEach((q, j) => {
    const src = routePlace(r.route, `matches[${k}].query.${q.name}`);
    c.line(1, `http-request set-var(${queryVar(r.key, k, j)}) url_param(${arg(q.name, src)})`);
  });
}

function opsAcl(c: RouteCtx, name: string, keys: string[]): void {
  for (let i = 0; i < keys.length; i += PER_LINE) c.line(1, `acl ${name} var(txn.pp_op) -m str ${keys.slice(i, i + PER_LINE).join(' ')}`);
}

function writeRouteSelection(c: RouteCtx, r: RoutePlan): void {
  const matches = r.route.matches.length ? r.route.matches : [{ headers: [], query: [] }];
  c.line(1, comment(`route ${r.key}, ${r.route.origin.place}: ${r.route.matches.length} match(es), to ${r.upstream.name}`));
  opsAcl(c, `pp_${r.key}_ops`, r.ops);
  matches.forEach((m, k) => {
    writeQueryVars(c, r, m, k);
    const conds = matchConds(r.route, r.key, m, k).join(' ');
    for (const scope of [`pp_${r.key}_ops`, NO_OP]) c.line(1, `http-request set-var(txn.pp_route) str(${r.key}) if ${scope} ${conds ? `${conds} ` : ''}${NO_ROUTE}`);
  });
}

/**
 * After the operation ACLs: which route takes the request, and 404 for a
 * request no route takes unless its operation is one no route governs.
 */
export function writeRoutes(c: RouteCtx): void {
  c.line(1, '');
  c.line(1, '# Routes, in order: the first whose match holds takes the request (txn.pp_route).');
  for (const r of c.plan.routes) writeRouteSelection(c, r);
  const governed = governedOps(c.plan);
  const free = c.plan.ops.filter((o) => !governed.has(o.key)).map((o) => o.key);
  c.line(1, '# A request no route takes is 404 (Envoy: no route matched), unless no route governs its operation.');
  opsAcl(c, 'pp_ungoverned', free);
  c.line(1, `http-request deny deny_status 404 if ${NO_ROUTE}${free.length ? ' !pp_ungoverned' : ''}`);
}

/** The route's own fault: a delay (Lua, as the suite's) then an abort, on the route's requests. */
export function writeRouteFaults(c: RouteCtx): void {
  for (const r of c.plan.routes) {
    const f = routeFault(r);
    if (!f) continue;
    const conds = [onRoutes([r.key])];
    const share = (percent: number) => (percent < 100 ? [`{ rand(10000) -m int lt ${Math.round(percent * 100)} }`] : []);
    if (f.delay && f.delay.percent > 0) c.line(1, `http-request lua.pp_delay ${f.delay.fixedDelayMs} if ${[...conds, ...share(f.delay.percent)].join(' ')}`);
    if (f.abort && f.abort.percent > 0) c.line(1, `http-request return status ${f.abort.status} content-type text/plain string "route ${r.key}: abort" if ${[...conds, ...share(f.abort.percent)].join(' ')}`);
  }
}

/** The route's own request transformation, on the route's requests (the suite's is skipped for them). */
export function writeRouteTransforms(c: RouteCtx): void {
  for (const r of c.plan.routes) {
    const t = r.policies.transform;
    if (!t) continue;
    const on = onRoutes([r.key]);
    for (const [name, value] of Object.entries(t.setHeaders)) {
      const src = routePlace(r.route, `transform.request.setHeaders.${name}`);
      c.line(1, `http-request set-header ${word(headerName(name, src), src)} ${logFormat(value, src)} if ${on}`);
    }
    t.removeHeaders.forEach((name, i) => {
      const src = routePlace(r.route, `transform.request.removeHeaders[${i}]`);
      c.line(1, `http-request del-header ${word(headerName(name, src), src)} if ${on}`);
    });
  }
}

/**
 * The route's rewrite (set-path and replace-path keep the query string): the
 * whole path, or the matched prefix replaced as Envoy's prefix_rewrite does.
 */
export function writeRouteRewrites(c: RouteCtx): void {
  for (const r of c.plan.routes) {
    const rw = r.route.rewrite;
    if (!rw) continue;
    const src = routePlace(r.route, 'rewrite');
    if (rw.full !== undefined) {
      c.line(1, `http-request set-path ${logFormat(rw.full, src)} if ${onRoutes([r.key])}`);
      continue;
    }
    const p = rewritePrefix(r.route)!;
    const rest = p.kind === 'exact' ? '()$' : '(.*)$';
    const re = regex(`${p.ignoreCase ? '(?i)' : ''}^${escapeRegExp(p.value)}${rest}`, src);
    // The replacement is a log-format string; \1 is the rest of the path (written \\1: the line parser takes one backslash).
    c.line(1, `http-request replace-path ${re} ${logFormat(rw.prefix ?? '', src).replace(/"$/, '\\\\1"')} if ${onRoutes([r.key])}`);
  }
}

/** Before the upstreams' use_backend lines: each route's requests to its own backend. */
export function writeRouteBackendRules(c: RouteCtx): void {
  for (const r of c.plan.routes) c.line(1, `use_backend route_${r.key} if ${onRoutes([r.key])}`);
}
