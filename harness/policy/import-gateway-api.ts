// Gateway API HTTPRoute (gateway.networking.k8s.io v1, v1beta1) -> proxyproof
// routes, with the semantics of gateway-api apis/v1/httproute_types.go (v1.2)
// as Istio implements them (pilot/pkg/config/kube/gateway/conversion.go
// convertHTTPRoute and buildHTTPDestination, read at istio@86c9f01fd735):
//  - rules[].matches: path Exact / PathPrefix (whole path elements) /
//    RegularExpression, headers and queryParams Exact / RegularExpression, method;
//  - backendRefs: weight (default 1) per backend; a backend's name is a version
//    of an upstream, or the suite maps it (import.backends); per-backend
//    header filters apply to that backend's requests;
//  - filters: RequestHeaderModifier -> transform (set, remove), URLRewrite ->
//    rewrite (ReplacePrefixMatch, ReplaceFullPath);
//  - timeouts: request -> the route timeout; backendRequest -> the per-try
//    timeout when the rule retries, else the route timeout (Istio overrides
//    request with it);
//  - retry (GEP-1731): attempts (Istio's default 2), codes; Istio retries on
//    "connect-failure,refused-stream,unavailable,cancelled,<codes>".
// A rule without retry gets Istio's default retry policy, as the
// VirtualService istiod writes for it has none. Everything else is named.

import { InputError } from '../model/errors.ts';
import { ALL_METHODS, type HttpMethod } from '../model/spec.ts';
import type { HeaderMatch, PathMatch, QueryMatch, Route, RouteMatch, RoutePolicies } from '../model/routes.ts';
import type { CanaryPolicy } from '../checks/canary/policy.ts';
import type { RetryPolicy } from '../checks/retry/policy.ts';
import type { TransformPolicy } from '../checks/transform/policy.ts';
import { IMPORTED_CANARY_TOLERANCE, convertTimeout, defaultRetryNotes, istioDefaultRetry, perTryTimeout, retryOnNotes, retryOnStatuses, type Noter } from './istio-shared.ts';
import { destinationOf, reachedBy, upstreamList, type Reached } from './backends.ts';
import { arr, fieldPath, num, obj, protoDurationMs, str, type ImportContext, type Obj, type Recorder } from './types.ts';

/** What the HTTPRoute reader needs of the importer: its recorder, the suite, and the suite-wide canary and retry. */
export interface GatewayHost extends Recorder {
  readonly ctx: ImportContext;
  setCanary(res: string, canary: CanaryPolicy): void;
  setRetry(res: string, where: string, policy: RetryPolicy | undefined, explicit: boolean): void;
}

/** Filters that are not checked, and why. */
const UNCHECKED_FILTER: Record<string, string> = {
  ResponseHeaderModifier: 'changes what the client receives; the transform check checks what the upstream sees',
  RequestMirror: 'a mirror copies requests to another backend without waiting for its answer; the upstream journal does not check the copies',
  RequestRedirect: 'the proxy answers with a redirect and reaches no backend; proxyproof has no redirect check',
  CORS: 'CORS answers preflight requests at the proxy; proxyproof has no CORS check',
  ExtensionRef: "an implementation's own filter; proxyproof cannot tell what it does",
};

/** One rule being read. */
interface Rule {
  host: GatewayHost;
  res: string;
  name: string;
  rule: Obj;
  base: string;
  where: string;
  note: Noter;
}

function gwPath(p: Obj): PathMatch | undefined {
  const type = str(p.type) ?? 'PathPrefix';
  const value = str(p.value) ?? '/';
  // conversion.go createURIMatch and route.go: PathPrefix / stays a plain prefix / (every path); others match whole elements.
  if (type === 'PathPrefix') return value === '/' ? { kind: 'prefix', value } : { kind: 'pathPrefix', value: value.replace(/\/+$/, '') };
  if (type === 'Exact') return { kind: 'exact', value };
  if (type === 'RegularExpression') return { kind: 'regex', value };
  return undefined;
}

/** headers or queryParams entries: Exact (default) or RegularExpression. */
function gwValues(r: Rule, list: unknown[], base: string, what: string): Array<{ name: string; kind: 'exact' | 'regex'; value: string }> {
  const out: Array<{ name: string; kind: 'exact' | 'regex'; value: string }> = [];
  for (const [k, e] of list.map(obj).entries()) {
    const f = fieldPath(base, k);
    const type = str(e.type) ?? 'Exact';
    const name = str(e.name);
    const value = str(e.value);
    if (!name || value === undefined || (type !== 'Exact' && type !== 'RegularExpression')) {
      r.note('unexpressed', `${r.where}: ${what} match ${JSON.stringify(e)} is not an Exact or RegularExpression match`, f);
      continue;
    }
    out.push({ name, kind: type === 'Exact' ? 'exact' : 'regex', value });
    r.host.use(r.res, f);
  }
  return out;
}

function gwMatch(r: Rule, m: Obj, base: string): RouteMatch {
  const out: RouteMatch = { headers: [], query: [] };
  for (const k of Object.keys(m)) {
    const f = fieldPath(base, k);
    if (k === 'path') {
      const p = gwPath(obj(m.path));
      if (p) {
        out.path = p;
        r.host.use(r.res, f);
      } else r.note('unexpressed', `${r.where}: path type ${String(obj(m.path).type)} is not Exact, PathPrefix or RegularExpression`, f);
    } else if (k === 'headers') {
      out.headers = gwValues(r, arr(m.headers), f, 'header').map((h): HeaderMatch => ({ name: h.name.toLowerCase(), kind: h.kind, value: h.value }));
    } else if (k === 'queryParams') {
      out.query = gwValues(r, arr(m.queryParams), f, 'query').map((q): QueryMatch => ({ name: q.name, kind: q.kind, value: q.value }));
    } else if (k === 'method' && ALL_METHODS.includes(m.method as HttpMethod)) {
      out.methods = [m.method as HttpMethod];
      r.host.use(r.res, f);
    } else r.note('unexpressed', `${r.where}: match ${k} ${JSON.stringify(m[k])} has no proxyproof check`, f);
  }
  return out;
}

/** A header modifier -> set and remove into the transform; add is named (it appends to the client's value). */
function headerModifier(r: Rule, mod: Obj, base: string, into: TransformPolicy): void {
  for (const op of Object.keys(mod)) {
    const f = fieldPath(base, op);
    if (op === 'set') {
      for (const h of arr(mod.set).map(obj)) into.setHeaders[(str(h.name) ?? '').toLowerCase()] = String(h.value ?? '');
      r.host.use(r.res, f);
    } else if (op === 'remove') {
      into.removeHeaders.push(...arr(mod.remove).map(String).map((n) => n.toLowerCase()));
      r.host.use(r.res, f);
    } else if (op === 'add') r.note('unexpressed', `${r.where}: RequestHeaderModifier add appends to a value the client sent; the transform check expects a header set (replacing the client's) or removed`, f);
    else r.note('unexpressed', `${r.where}: RequestHeaderModifier ${op} has no proxyproof check`, f);
  }
}

/** URLRewrite -> what the upstream must see (ReplacePrefixMatch, ReplaceFullPath); hostname is named. */
function urlRewrite(r: Rule, rw: Obj, base: string, route: { rewrite?: Route['rewrite'] }): void {
  for (const k of Object.keys(rw)) {
    const f = fieldPath(base, k);
    const p = obj(rw.path);
    // conversion.go createRewriteFilter trims a trailing / (a / alone removes the prefix).
    if (k === 'path' && p.type === 'ReplacePrefixMatch' && typeof p.replacePrefixMatch === 'string') route.rewrite = { prefix: p.replacePrefixMatch.replace(/\/+$/, '') };
    else if (k === 'path' && p.type === 'ReplaceFullPath' && typeof p.replaceFullPath === 'string') route.rewrite = { full: p.replaceFullPath };
    else if (k === 'hostname') {
      r.note('unexpressed', `${r.where}: URLRewrite hostname changes the Host the upstream sees; proxyproof has no Host check`, f);
      continue;
    } else {
      r.note('unexpressed', `${r.where}: URLRewrite ${k} ${JSON.stringify(rw[k])} has no proxyproof check`, f);
      continue;
    }
    r.host.use(r.res, f);
  }
}

/** The rule's filters: transform and rewrite for the route; what stops it being a route (a redirect) comes back. */
function gwFilters(r: Rule, filters: unknown[], base: string, route: { transform: TransformPolicy; rewrite?: Route['rewrite'] }): string | undefined {
  let stop: string | undefined;
  for (const [k, fl] of filters.map(obj).entries()) {
    const f = fieldPath(base, k);
    const type = str(fl.type) ?? '?';
    const key = type.charAt(0).toLowerCase() + type.slice(1);
    if (type === 'RequestHeaderModifier') headerModifier(r, obj(fl.requestHeaderModifier), fieldPath(f, key), route.transform);
    else if (type === 'URLRewrite') urlRewrite(r, obj(fl.urlRewrite), fieldPath(f, 'urlRewrite'), route);
    else {
      r.note('unexpressed', `${r.where}: filter ${type}: ${UNCHECKED_FILTER[type] ?? 'has no proxyproof check'}`, f);
      if (type === 'RequestRedirect') stop = 'the rule answers with a redirect';
      continue;
    }
    r.host.use(r.res, fieldPath(f, 'type'));
    const cfg = type === 'URLRewrite' ? 'urlRewrite' : key;
    r.host.rest(r.res, f, fl, ['type', cfg], () => 'has no proxyproof check');
  }
  return stop;
}

/** The backend a backendRef names, or an input error saying how to map it. */
function reached(r: Rule, ref: Obj, at: string): Reached {
  const name = str(ref.name) ?? '?';
  const found = reachedBy(r.host.ctx, name);
  if (found) return found;
  // Without a suite (a bare import), backendRef names are versions of one upstream named after the route.
  if (!r.host.ctx.upstreams) return { upstream: r.name, shares: { [name]: 1 } };
  throw new InputError(
    r.host.source,
    undefined,
    `${r.res} ${at}: backendRef ${name} is no version and no upstream of the suite (upstreams: ${upstreamList(r.host.ctx)}); name a version after it, or map it in the suite: import: { backends: { ${name}: { upstream: <upstream>, version: <version> } } }`,
  );
}

/** backendRefs -> the route's destination parts; per-backend header filters join the transform when that backend takes every request. */
function gwBackends(r: Rule, transform: TransformPolicy): Array<{ reached: Reached; weight: number }> {
  const base = fieldPath(r.base, 'backendRefs');
  const refs = arr(r.rule.backendRefs).map(obj);
  const live = refs.filter((ref) => (num(ref.weight) ?? 1) > 0).length;
  const parts: Array<{ reached: Reached; weight: number }> = [];
  for (const [k, ref] of refs.entries()) {
    const at = fieldPath(base, k);
    const weight = num(ref.weight) ?? 1;
    // buildHTTPDestination skips a backend of weight 0: it gets nothing, whatever it names.
    if (weight > 0) parts.push({ reached: reached(r, ref, `${r.where}.backendRefs[${k}]`), weight });
    // port picks the Service port and namespace its namespace: the rendered config reaches the mock wherever it listens.
    r.host.use(r.res, ...['name', 'weight', 'port', 'namespace'].filter((x) => ref[x] !== undefined).map((x) => fieldPath(at, x)));
    const kind = str(ref.kind) ?? 'Service';
    if (kind === 'Service' && (ref.group === undefined || ref.group === '')) r.host.use(r.res, ...['kind', 'group'].filter((x) => ref[x] !== undefined).map((x) => fieldPath(at, x)));
    else {
      const why = `${r.where}: backendRef kind ${kind} (group ${String(ref.group)}) is not a Service; it is checked as the upstream its name maps to`;
      for (const x of ['kind', 'group'].filter((k) => ref[k] !== undefined)) r.note('unexpressed', why, fieldPath(at, x));
    }
    for (const [j, fl] of arr(ref.filters).map(obj).entries()) {
      const f = fieldPath(fieldPath(at, 'filters'), j);
      if (str(fl.type) === 'RequestHeaderModifier' && live === 1 && weight > 0) {
        headerModifier(r, obj(fl.requestHeaderModifier), fieldPath(f, 'requestHeaderModifier'), transform);
        r.host.use(r.res, fieldPath(f, 'type'));
      } else r.note('unexpressed', `${r.where}: filter ${String(fl.type)} on one backend of several applies to that backend's share only; not checked`, f);
    }
    r.host.rest(r.res, at, ref, ['name', 'weight', 'port', 'namespace', 'kind', 'group', 'filters'], () => 'has no proxyproof check');
  }
  return parts;
}

/** retry (GEP-1731) -> the route's retry, as Istio writes it; `perTry` is timeouts.backendRequest. */
function gwRetry(r: Rule, retry: Obj, perTryMs: number | undefined): RetryPolicy | null | undefined {
  const base = fieldPath(r.base, 'retry');
  // conversion.go: attempts default 2; 0 turns retries off.
  const attempts = num(retry.attempts) ?? 2;
  if (retry.backoff !== undefined) r.note('unexpressed', `${r.where}: retry.backoff sets the wait between tries; the retry check counts tries, not the time between them`, fieldPath(base, 'backoff'));
  r.host.rest(r.res, base, retry, ['attempts', 'codes', 'backoff'], () => 'has no proxyproof check');
  r.host.use(r.res, ...['attempts', 'codes'].filter((k) => retry[k] !== undefined).map((k) => fieldPath(base, k)));
  if (attempts === 0) return null;
  const codes = arr(retry.codes).map(num).filter((c): c is number => c !== undefined);
  const retryOn = ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', ...codes.map(String)].join(',');
  const parsed = retryOnStatuses(retryOn);
  retryOnNotes(r.where, fieldPath(base, 'codes'), parsed, r.note);
  if (!codes.length) {
    r.note('unexpressed', `${r.where}: retry without codes retries on connection errors only (Istio: "${retryOn}"); only status retries are checked`, base);
    if (perTryMs !== undefined) r.note('unexpressed', `${r.where}: timeouts.backendRequest is the per-try timeout of those connection-error retries (Istio's perTryTimeout); not checked with them`, fieldPath(fieldPath(r.base, 'timeouts'), 'backendRequest'));
    return undefined;
  }
  const policy: RetryPolicy = { attempts, on: parsed.statuses, methods: [...ALL_METHODS] };
  if (perTryMs !== undefined) perTryTimeout(r.where, fieldPath(fieldPath(r.base, 'timeouts'), 'backendRequest'), retryOn, perTryMs, policy, r.note, "timeouts.backendRequest (Istio's perTryTimeout)", 'an HTTPRoute cannot add reset');
  return policy;
}

/** timeouts and retry -> the route's timeout and retry, as conversion.go pairs them. */
function gwTimeoutsAndRetry(r: Rule, upstream: string, policies: RoutePolicies): void {
  const t = obj(r.rule.timeouts);
  const tbase = fieldPath(r.base, 'timeouts');
  r.host.rest(r.res, tbase, t, ['request', 'backendRequest'], () => 'has no proxyproof check');
  const backend = t.backendRequest !== undefined ? protoDurationMs(t.backendRequest) : undefined;
  let timeoutMs = t.request !== undefined ? convertTimeout(t.request, r.where, fieldPath(tbase, 'request'), r.note, 'timeouts.request') : undefined;
  if (r.rule.retry !== undefined) {
    const retry = gwRetry(r, obj(r.rule.retry), backend);
    if (retry) policies.retry = retry;
  } else {
    policies.retry = istioDefaultRetry();
    defaultRetryNotes(r.where, fieldPath(r.base, 'retry'), r.note);
    // Without retry, Istio makes backendRequest the route timeout (over request).
    if (t.backendRequest !== undefined) timeoutMs = convertTimeout(t.backendRequest, r.where, fieldPath(tbase, 'backendRequest'), r.note, 'timeouts.backendRequest');
  }
  if (timeoutMs !== undefined) {
    policies.timeout = { requestMs: timeoutMs, status: [504], upstream };
    r.host.use(r.res, ...['request', 'backendRequest'].filter((k) => t[k] !== undefined).map((k) => fieldPath(tbase, k)));
  }
}

/** One rule -> a route (or a note on the whole rule saying why none). */
function gwRule(host: GatewayHost, res: string, name: string, hostnames: string[], rule: Obj, i: number): void {
  const r: Rule = { host, res, name, rule, base: `spec.rules[${i}]`, where: `rules[${i}]`, note: (kind, message, field) => host.note(res, kind, message, field) };
  const known = ['name', 'matches', 'filters', 'backendRefs', 'timeouts', 'retry'];
  host.rest(res, r.base, rule, known, (k) => (k === 'sessionPersistence' ? 'pins a client to one backend; the checks spread requests, they do not pin them' : 'has no proxyproof check'));
  if (rule.name !== undefined) host.use(res, fieldPath(r.base, 'name'));
  const matches = arr(rule.matches).map((m, j) => gwMatch(r, obj(m), fieldPath(fieldPath(r.base, 'matches'), j)));
  const shape: { transform: TransformPolicy; rewrite?: Route['rewrite'] } = { transform: { setHeaders: {}, removeHeaders: [] } };
  const stop = gwFilters(r, arr(rule.filters), fieldPath(r.base, 'filters'), shape);
  const parts = gwBackends(r, shape.transform);
  // conversion.go: no backend with a weight above 0 (and no redirect) answers 500.
  const to = stop ?? (parts.some((p) => p.weight > 0) ? destinationOf(parts) : 'no backend has a weight above 0: Istio answers 500');
  if (typeof to === 'string') {
    host.note(res, 'unexpressed', `${r.where}: no route is checked: ${to}`, r.base);
    return;
  }
  const policies: RoutePolicies = {};
  gwTimeoutsAndRetry(r, to.upstream, policies);
  if (Object.keys(shape.transform.setHeaders).length || shape.transform.removeHeaders.length) policies.transform = shape.transform;
  const route: Route = { name: `${name}.${str(rule.name) ?? `rule${i}`}`, origin: { file: host.source, place: `${res} ${r.where}` }, hosts: hostnames, matches, to, policies };
  if (shape.rewrite) route.rewrite = shape.rewrite;
  host.addRoute(route);
}

/** The suite-wide split of a rule's backendRefs: onto the versions they map to (import.backends, or versions named after them), else their names as versions of the first upstream. */
function suiteCanary(host: GatewayHost, refs: Obj[], doc: Obj): { upstream: string; weights: Record<string, number> } {
  const parts = refs.map((ref) => ({ reached: reachedBy(host.ctx, str(ref.name) ?? '?'), weight: num(ref.weight) ?? 1 }));
  const mapped = parts.every((p) => p.reached) ? destinationOf(parts as Array<{ reached: Reached; weight: number }>) : undefined;
  if (mapped && typeof mapped !== 'string') return { upstream: mapped.upstream, weights: mapped.weights };
  const weights: Record<string, number> = {};
  for (const ref of refs) weights[str(ref.name) ?? '?'] = num(ref.weight) ?? 1;
  return { upstream: host.ctx.upstreams?.[0]?.name ?? str(obj(doc.metadata).name) ?? 'upstream', weights };
}

/** The suite-wide canary and retry of an HTTPRoute, as imported before routes existed. */
function suiteWide(host: GatewayHost, res: string, doc: Obj): void {
  for (const [i, rule] of arr(obj(doc.spec).rules).map(obj).entries()) {
    const where = `rules[${i}]`;
    const refs = arr(rule.backendRefs).map(obj);
    if (refs.length > 1 && arr(rule.matches).length <= 1) host.setCanary(res, { ...suiteCanary(host, refs, doc), tolerance: IMPORTED_CANARY_TOLERANCE, alpha: 1e-4, maxRequests: 6400 });
    if (rule.retry === undefined) continue;
    const retry = obj(rule.retry);
    const codes = arr(retry.codes).map(num).filter((c): c is number => c !== undefined);
    if (!codes.length) continue;
    const policy: RetryPolicy = { attempts: num(retry.attempts) ?? 2, on: codes, methods: [...ALL_METHODS] };
    const perTry = protoDurationMs(obj(rule.timeouts).backendRequest);
    const retryOn = `connect-failure,refused-stream,unavailable,cancelled,${codes.join(',')}`;
    if (perTry !== undefined) perTryTimeout(where, `spec.${where}.timeouts.backendRequest`, retryOn, perTry, policy, () => {});
    host.setRetry(res, where, policy, true);
  }
}

/** An HTTPRoute: its rules as routes, its hostnames as their hosts; parentRefs named. */
export function httpRoute(host: GatewayHost, doc: Obj, res: string): void {
  const spec = obj(doc.spec);
  const name = str(obj(doc.metadata).name) ?? '?';
  const hostnames = arr(spec.hostnames).map(str).filter((h): h is string => !!h);
  if (spec.hostnames !== undefined) host.use(res, 'spec.hostnames');
  // Attachment, not a behaviour: it says which proxy the routes live on, and the proxy under test is that proxy.
  if (spec.parentRefs !== undefined) host.note(res, 'info', 'parentRefs attach the route to Gateways (or a Service, for the mesh); the checks run on the one proxy under test, as if it were each parent', 'spec.parentRefs');
  host.rest(res, 'spec', spec, ['hostnames', 'parentRefs', 'rules'], () => 'has no proxyproof check');
  if (spec.rules === undefined) host.note(res, 'info', 'no rules: Gateway API sends every request to nothing (404)', 'spec');
  arr(spec.rules).forEach((rule, i) => gwRule(host, res, name, hostnames, obj(rule), i));
  suiteWide(host, res, doc);
}
