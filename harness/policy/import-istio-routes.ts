// A VirtualService's http routes -> proxyproof routes (harness/model/routes.ts):
// each route's matches, destinations, retries, timeout, fault, header
// operations and rewrite, as istio/api networking/v1alpha3/virtual_service.proto
// (HTTPRoute, HTTPMatchRequest, StringMatch, Headers, HTTPRewrite) defines them
// and istiod translates them (pilot/pkg/networking/core/route/route.go, read at
// istio@86c9f01fd735). Every field either becomes part of the route or is
// named in a note with its field path.

import { ALL_METHODS, type HttpMethod } from '../model/spec.ts';
import { fullMatch, type HeaderMatch, type PathMatch, type QueryMatch, type Route, type RouteMatch, type RoutePolicies } from '../model/routes.ts';
import type { TransformPolicy } from '../checks/transform/policy.ts';
import { convertFault, convertRetries, convertTimeout, defaultRetryNotes, istioDefaultRetry, type Noter } from './istio-shared.ts';
import { destinationOf, reachedBy, type Reached } from './backends.ts';
import { arr, fieldPath, num, obj, shortHost, str, type ImportContext, type Obj, type Recorder } from './types.ts';

/** One VirtualService, as its routes need it. */
export interface VsContext {
  rec: Recorder;
  ctx: ImportContext;
  /** Kind/name, for notes. */
  res: string;
  name: string;
  hosts: string[];
  /** subset -> version through the DestinationRule of the host. */
  versionFor: (host: string, subset: string | undefined) => string;
  /** The suite's upstream for a host (by service name). */
  upstreamFor: (host: string) => string;
  /**
   * istiod's Gateway API semantics (annotation internal.istio.io/route-semantics: gateway, on the
   * VirtualServices it writes for HTTPRoutes): a uri prefix other than / matches whole path
   * elements (route.go translateRouteMatch: PathSeparatedPrefix, trailing / trimmed).
   */
  gatewaySemantics: boolean;
}

/** Match conditions the checks cannot vary, and why (HTTPMatchRequest). */
const UNCHECKED_MATCH: Record<string, string> = {
  authority: 'requests carry the Host of the route (spec.hosts); a separate authority condition is not varied, so it is treated as holding',
  port: 'the proxy under test listens on one port, so a port condition is treated as holding',
  scheme: 'requests reach the proxy under test over plain HTTP; a scheme condition is treated as holding',
  sourceLabels: "selects the calling workload's labels; the test client is no mesh workload, so it is treated as holding",
  sourceNamespace: "selects the calling workload's namespace; the test client is no mesh workload, so it is treated as holding",
  gateways: 'selects gateway or mesh traffic; the checks run on the one proxy under test, so it is treated as holding',
  statPrefix: 'names the route in Envoy stats only; no effect on routing',
};

/** Route fields that are not checked, and why (HTTPRoute). */
const UNCHECKED_ROUTE: Record<string, string> = {
  mirror: 'a mirror copies requests to another service without waiting for its answer; the upstream journal does not check the copies',
  mirrorPercentage: 'the share of requests mirrored; mirrors are not checked',
  mirror_percent: 'the share of requests mirrored; mirrors are not checked',
  mirrors: 'mirrors copy requests to other services without waiting for their answers; the upstream journal does not check the copies',
  corsPolicy: 'CORS answers preflight requests at the proxy; proxyproof has no CORS check',
  delegate: "hands the route to another VirtualService; proxyproof reads the delegate's routes only from that resource itself",
  redirect: 'the proxy answers with a redirect and reaches no upstream; proxyproof has no redirect check',
  directResponse: 'the proxy answers by itself and reaches no upstream; proxyproof has no direct-response check',
};

type StringMatch = { kind: 'exact' | 'prefix' | 'regex'; value: string } | { kind: 'present' } | undefined;

/** Istio's StringMatch: exact, prefix or regex; an empty one ({}) holds when the value is present. */
function stringMatch(m: unknown): StringMatch {
  const o = obj(m);
  for (const kind of ['exact', 'prefix', 'regex'] as const) if (typeof o[kind] === 'string') return { kind, value: o[kind] as string };
  return Object.keys(o).length === 0 ? { kind: 'present' } : undefined;
}

/** Methods a StringMatch on :method holds for (exact, prefix or a whole-value regex). */
function methodsOf(sm: StringMatch): HttpMethod[] | undefined {
  if (!sm || sm.kind === 'present') return undefined;
  return ALL_METHODS.filter((m) => (sm.kind === 'exact' ? m === sm.value : sm.kind === 'prefix' ? m.startsWith(sm.value) : fullMatch(sm.value, m)));
}

/** One entry of `match` -> a route match; what it cannot express is named. */
function vsMatch(vs: VsContext, m: Obj, base: string, where: string): RouteMatch {
  const note: Noter = (kind, message, field) => vs.rec.note(vs.res, kind, message, field);
  const out: RouteMatch = { headers: [], query: [] };
  for (const k of Object.keys(m)) {
    const f = fieldPath(base, k);
    if (k === 'uri') vsUri(vs, m, base, where, out);
    else if (k === 'ignoreUriCase') continue; // read with uri
    else if (k === 'method') {
      out.methods = methodsOf(stringMatch(m.method));
      if (out.methods) vs.rec.use(vs.res, f);
      else note('unexpressed', `${where}: method ${JSON.stringify(m.method)} is not a StringMatch`, f);
    } else if (k === 'headers' || k === 'withoutHeaders') vsHeaders(vs, obj(m[k]), f, where, k === 'withoutHeaders', out);
    else if (k === 'queryParams') vsQuery(vs, obj(m[k]), f, where, out);
    else if (k === 'name') vs.rec.use(vs.res, f);
    else if (UNCHECKED_MATCH[k]) note('unexpressed', `${where}: match ${k}: ${UNCHECKED_MATCH[k]}`, f);
    else note('unexpressed', `${where}: match ${k} has no proxyproof check`, f);
  }
  return out;
}

function vsUri(vs: VsContext, m: Obj, base: string, where: string, out: RouteMatch): void {
  const sm = stringMatch(m.uri);
  const f = fieldPath(base, 'uri');
  if (!sm || sm.kind === 'present') {
    vs.rec.note(vs.res, 'unexpressed', `${where}: uri ${JSON.stringify(m.uri)} is not an exact, prefix or regex match`, f);
    return;
  }
  const separated = vs.gatewaySemantics && sm.kind === 'prefix' && sm.value !== '/';
  const path: PathMatch = separated ? { kind: 'pathPrefix', value: sm.value.replace(/\/+$/, '') } : { kind: sm.kind, value: sm.value };
  vs.rec.use(vs.res, f);
  if (m.ignoreUriCase === true && (sm.kind === 'regex' || separated)) {
    const what = separated ? 'a whole-element prefix (Gateway API semantics)' : 'a regex uri';
    vs.rec.note(vs.res, 'unexpressed', `${where}: ignoreUriCase on ${what}: the route model ignores case for exact and prefix only (virtual_service.proto), so the path is checked as written`, fieldPath(base, 'ignoreUriCase'));
  } else if (m.ignoreUriCase !== undefined) {
    if (m.ignoreUriCase === true) path.ignoreCase = true;
    vs.rec.use(vs.res, fieldPath(base, 'ignoreUriCase'));
  }
  out.path = path;
}

function vsHeaders(vs: VsContext, headers: Obj, base: string, where: string, invert: boolean, out: RouteMatch): void {
  for (const [name, v] of Object.entries(headers)) {
    const sm = stringMatch(v);
    const f = fieldPath(base, name);
    if (!sm) {
      vs.rec.note(vs.res, 'unexpressed', `${where}: header ${name} ${JSON.stringify(v)} is not a StringMatch`, f);
      continue;
    }
    const h: HeaderMatch = sm.kind === 'present' ? { name: name.toLowerCase(), kind: 'present' } : { name: name.toLowerCase(), kind: sm.kind, value: sm.value };
    if (invert) h.invert = true;
    out.headers.push(h);
    vs.rec.use(vs.res, f);
  }
}

function vsQuery(vs: VsContext, query: Obj, base: string, where: string, out: RouteMatch): void {
  for (const [name, v] of Object.entries(query)) {
    const sm = stringMatch(v);
    const f = fieldPath(base, name);
    // virtual_service.proto: queryParams take exact and regex ("prefix matching is currently not supported").
    if (!sm || sm.kind === 'prefix') {
      vs.rec.note(vs.res, 'unexpressed', `${where}: query parameter ${name} ${JSON.stringify(v)}: Istio matches query parameters by exact or regex only`, f);
      continue;
    }
    const q: QueryMatch = sm.kind === 'present' ? { name, kind: 'present' } : { name, kind: sm.kind, value: sm.value };
    out.query.push(q);
    vs.rec.use(vs.res, f);
  }
}

/** `route` destinations -> what each reaches, with its weight; unreachable ones are named. */
function vsDestinations(vs: VsContext, r: Obj, base: string, where: string): Array<{ reached: Reached; weight: number; headers?: Obj; at: string }> {
  const dests = arr(r.route).map(obj);
  const out: Array<{ reached: Reached; weight: number; headers?: Obj; at: string }> = [];
  for (const [k, d] of dests.entries()) {
    const at = fieldPath(fieldPath(base, 'route'), k);
    const dest = obj(d.destination);
    const host = str(dest.host);
    const subset = str(dest.subset);
    const reached = host ? vsReached(vs, host, subset) : undefined;
    if (!reached) {
      vs.rec.note(vs.res, 'unexpressed', `${where}: destination ${host ?? '(no host)'}${subset ? ` subset ${subset}` : ''} is not an upstream of the suite (upstreams: ${(vs.ctx.upstreams ?? []).map((u) => u.name).join(', ')}); add it under upstreams or map it under import.backends`, at);
      continue;
    }
    // Istio: a lone destination takes 100; with several, an unset weight is 0.
    const weight = num(d.weight) ?? (dests.length === 1 ? 100 : 0);
    // destination.port picks the Service port; the rendered config reaches the mock wherever it listens.
    vs.rec.use(vs.res, fieldPath(at, 'destination'), fieldPath(at, 'weight'));
    vs.rec.rest(vs.res, at, d, ['destination', 'weight', 'headers'], () => 'has no proxyproof check');
    out.push({ reached, weight, at, ...(d.headers !== undefined ? { headers: obj(d.headers) } : {}) });
  }
  return out;
}

/** A destination host (and subset) -> the suite's upstream and version; `*`, short names and FQDNs match by service name. */
function vsReached(vs: VsContext, host: string, subset: string | undefined): Reached | undefined {
  if (subset) {
    const upstream = vs.upstreamFor(host);
    if (vs.ctx.upstreams && !vs.ctx.upstreams.some((u) => u.name === upstream)) return undefined;
    return { upstream, shares: { [vs.versionFor(host, subset)]: 1 } };
  }
  if (!vs.ctx.upstreams && !vs.ctx.backends) return { upstream: shortHost(host), shares: { v1: 1 } };
  return reachedBy(vs.ctx, host);
}

/** headers.request/response set, add, remove -> the route's transform (request set and remove); the rest named. */
export function headerOps(rec: Recorder, res: string, h: Obj, base: string, where: string, into: TransformPolicy): void {
  for (const side of Object.keys(h)) {
    const f = fieldPath(base, side);
    if (side !== 'request') {
      rec.note(res, 'unexpressed', `${where}: headers.${side} changes what the client receives; the transform check checks what the upstream sees`, f);
      continue;
    }
    const ops = obj(h.request);
    for (const op of Object.keys(ops)) {
      const of = fieldPath(f, op);
      if (op === 'set') {
        for (const [name, value] of Object.entries(obj(ops.set))) into.setHeaders[name.toLowerCase()] = String(value);
        rec.use(res, of);
      } else if (op === 'remove') {
        into.removeHeaders.push(...arr(ops.remove).map(String).map((n) => n.toLowerCase()));
        rec.use(res, of);
      } else if (op === 'add') {
        rec.note(res, 'unexpressed', `${where}: headers.request.add appends to a value the client sent; the transform check expects a header set (replacing the client's) or removed`, of);
      } else rec.note(res, 'unexpressed', `${where}: headers.request.${op} has no proxyproof check`, of);
    }
  }
}

/** Istio's rewrite -> what the upstream must see: Envoy prefix_rewrite swaps the matched prefix, or the whole path of an exact match. */
function vsRewrite(vs: VsContext, rw: Obj, base: string, where: string, matches: RouteMatch[], route: Route): void {
  for (const k of Object.keys(rw)) {
    const f = fieldPath(base, k);
    if (k === 'uri' && typeof rw.uri === 'string') {
      const kinds = new Set(matches.map((m) => m.path?.kind));
      // route.go: under Gateway semantics a rewrite to / removes the matched prefix (a regex keeping one /): the prefix swapped for nothing.
      const removes = vs.gatewaySemantics && rw.uri === '/' && kinds.size === 1 && kinds.has('pathPrefix');
      if (removes) route.rewrite = { prefix: '' };
      else if (kinds.size === 1 && (kinds.has('prefix') || kinds.has('pathPrefix'))) route.rewrite = { prefix: rw.uri };
      else if (kinds.size === 1 && kinds.has('exact')) route.rewrite = { full: rw.uri };
      else {
        vs.rec.note(vs.res, 'unexpressed', `${where}: rewrite.uri is checked only when every match is a uri prefix, or every match a uri exact (Envoy swaps the matched prefix, or the whole path); this route's are ${[...kinds].map((x) => x ?? 'none').join(', ')}`, f);
        continue;
      }
      vs.rec.use(vs.res, f);
    } else if (k === 'uriRegexRewrite' && obj(rw.uriRegexRewrite).match === '/.*' && typeof obj(rw.uriRegexRewrite).rewrite === 'string') {
      // '/.*' matches the whole path (every path starts with /): the path istiod writes for a full-path replacement.
      route.rewrite = { full: obj(rw.uriRegexRewrite).rewrite as string };
      vs.rec.use(vs.res, f);
    } else if (k === 'authority') vs.rec.note(vs.res, 'unexpressed', `${where}: rewrite.authority changes the Host the upstream sees; proxyproof has no Host check`, f);
    else vs.rec.note(vs.res, 'unexpressed', `${where}: rewrite.${k} has no proxyproof check`, f);
  }
}

/** The route's own retry, timeout, fault and transform. */
function vsRoutePolicies(vs: VsContext, r: Obj, base: string, where: string, upstream: string, dests: Array<{ headers?: Obj; at: string }>): RoutePolicies {
  const note: Noter = (kind, message, field) => vs.rec.note(vs.res, kind, message, field);
  const policies: RoutePolicies = {};
  if (r.retries !== undefined) {
    const retry = convertRetries(obj(r.retries), where, fieldPath(base, 'retries'), note);
    vs.rec.use(vs.res, fieldPath(base, 'retries'));
    if (retry) policies.retry = retry;
  } else {
    policies.retry = istioDefaultRetry();
    defaultRetryNotes(where, fieldPath(base, 'retries'), note);
  }
  if (r.timeout !== undefined) {
    const ms = convertTimeout(r.timeout, where, fieldPath(base, 'timeout'), note);
    if (ms !== undefined) {
      policies.timeout = { requestMs: ms, status: [504], upstream };
      vs.rec.use(vs.res, fieldPath(base, 'timeout'));
    }
  }
  if (r.fault !== undefined) {
    const f = convertFault(obj(r.fault), where, fieldPath(base, 'fault'), note);
    if (f.abort || f.delay) policies.fault = { rules: [{ upstream, headers: [], ...f }] };
    vs.rec.use(vs.res, ...(['abort', 'delay'] as const).filter((k) => f[k]).map((k) => fieldPath(fieldPath(base, 'fault'), k)));
  }
  const transform: TransformPolicy = { setHeaders: {}, removeHeaders: [] };
  if (r.headers !== undefined) headerOps(vs.rec, vs.res, obj(r.headers), fieldPath(base, 'headers'), where, transform);
  for (const d of dests) {
    if (!d.headers) continue;
    // Headers on one destination apply to its requests only: the route's when it is the only one.
    if (dests.length === 1) headerOps(vs.rec, vs.res, d.headers, fieldPath(d.at, 'headers'), where, transform);
    else vs.rec.note(vs.res, 'unexpressed', `${where}: headers on one of several destinations apply to that destination's share only; the transform check is per route`, fieldPath(d.at, 'headers'));
  }
  if (Object.keys(transform.setHeaders).length || transform.removeHeaders.length) policies.transform = transform;
  return policies;
}

/** The route name: the VirtualService's name and the route's own (or its index). */
function routeName(vs: VsContext, r: Obj, i: number): string {
  return `${vs.name}.${str(r.name) ?? `http${i}`}`;
}

/** One http route -> a Route in the result, or notes saying why there is none. */
export function vsRouteModel(vs: VsContext, r: Obj, i: number): void {
  const base = `spec.http[${i}]`;
  const where = `http[${i}]`;
  const { rec, res } = vs;
  const handled = ['name', 'match', 'route', 'retries', 'timeout', 'fault', 'headers', 'rewrite'];
  for (const k of Object.keys(r)) if (!handled.includes(k)) rec.note(res, 'unexpressed', `${where}: ${k}: ${UNCHECKED_ROUTE[k] ?? 'has no proxyproof check'}`, fieldPath(base, k));
  if (r.name !== undefined) rec.use(res, fieldPath(base, 'name'));
  const read = arr(r.match).map((m, j) => vsMatch(vs, obj(m), fieldPath(fieldPath(base, 'match'), j), where));
  // A match without conditions holds for every request: the route takes every request, as with no match at all.
  const matches = read.some((m) => !m.path && !m.methods && !m.headers.length && !m.query.length) ? [] : read;
  const given = arr(r.route).length;
  const dests = vsDestinations(vs, r, base, where);
  const to = !given ? 'no destination (a redirect, direct response or delegate)' : dests.length < given ? 'a destination is not an upstream of the suite, so the shares cannot be checked' : destinationOf(dests);
  if (typeof to === 'string') {
    // Nothing of this route is checked: the note covers all of it.
    rec.note(res, 'unexpressed', `${where}: no route is checked: ${to}`, base);
    return;
  }
  const route: Route = { name: routeName(vs, r, i), origin: { file: rec.source, place: `${res} ${where}` }, hosts: [...vs.hosts], matches, to, policies: vsRoutePolicies(vs, r, base, where, to.upstream, dests) };
  if (r.rewrite !== undefined) vsRewrite(vs, obj(r.rewrite), fieldPath(base, 'rewrite'), where, matches, route);
  rec.addRoute(route);
}
