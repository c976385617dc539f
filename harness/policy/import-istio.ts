// Istio (and Gateway API) YAML -> proxyproof expectations. Pure: text in,
// policies, routes and notes out, with the field paths read (`consumed`):
// every field of every resource is either consumed into an expectation or
// named by a note's `field` (harness/policy/field-walk.test.ts walks them).
//
// Routes: every http route of a VirtualService and every rule of an HTTPRoute
// becomes a route (import-istio-routes.ts, import-gateway-api.ts) with its
// matches, destination versions and its own retry, timeout, fault, transform
// and rewrite. The suite-wide policies below are the defaults every route
// inherits, imported as before routes existed:
//
// Supported, with Istio's semantics:
//  - VirtualService (networking.istio.io v1alpha3, v1beta1, v1)
//    * the default route (no match) with weighted destinations -> canary on the
//      upstream named like the host; subsets map to versions through the
//      DestinationRule's `version` label (else the subset name).
//    * retries -> retry. Where the VirtualService is silent, istiod applies its
//      default retry policy (pilot/pkg/networking/core/route/retry DefaultPolicy):
//        attempts 2, retryOn "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
//        retriable status codes [503] up to Istio 1.23 (none from 1.24: see
//        ISTIO_1_24_NO_503; the expectation keeps 503 and says so), no per-try timeout.
//      `attempts: 0` turns retries off. Envoy retries every method (unlike nginx),
//      so imported retries apply to all methods. A perTryTimeout is expected to
//      retry a slow try only when retryOn has reset, 5xx or gateway-error (see
//      RETRIES_TIMED_OUT_TRY); otherwise it is left out of the expectation, with a note.
//    * fault.abort (httpStatus, percentage; no percentage = 100%) and
//      fault.delay (fixedDelay, percentage) with its
//      route's header match -> fault expectation.
//  - DestinationRule: subsets (version labels); load balancer, connection pool
//    and outlier detection are noted, not checked.
//  - RequestAuthentication + AuthorizationPolicy (security.istio.io): JWT auth.
//    A RequestAuthentication alone rejects an invalid token (401) but lets a
//    request without a token through; only an AuthorizationPolicy requiring
//    requestPrincipals makes a missing token a 403. proxyproof's auth check
//    expects both rejected, so it is imported only when both are present.
//  - EnvoyFilter with envoy.filters.http.local_ratelimit -> rateLimit (global):
//    a token bucket of max_tokens refilled by tokens_per_fill every fill_interval.
//    Envoy disables the filter when filter_enabled is absent and only counts
//    (does not reject) when filter_enforced is absent: both must be 100%.
//  - Gateway API HTTPRoute (gateway.networking.k8s.io, as Istio implements it):
//    backendRefs weights -> canary, rules[].retry {codes, attempts} -> retry
//    (import-gateway-api.ts).

import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { InputError } from '../model/errors.ts';
import type { FaultRule } from '../checks/fault/policy.ts';
import type { CanaryPolicy } from '../checks/canary/policy.ts';
import type { RetryPolicy } from '../checks/retry/policy.ts';
import { IMPORTED_CANARY_TOLERANCE, convertFault, convertRetries, convertTimeout, defaultRetryNotes, istioDefaultRetry, type Noter } from './istio-shared.ts';
import { vsRouteModel, type VsContext } from './import-istio-routes.ts';
import { httpRoute, type GatewayHost } from './import-gateway-api.ts';
import { arr, fieldPath, num, obj, protoDurationMs, Recorder, shortHost, str, type ImportContext, type ImportResult, type Obj } from './types.ts';

export { IMPORTED_CANARY_TOLERANCE, ISTIO_1_24_NO_503, retriesTimedOutTry, retryOnStatuses } from './istio-shared.ts';

const ISTIO_GROUPS = /^(networking|security)\.istio\.io\/(v1alpha3|v1beta1|v1)$/;
const GATEWAY_API = /^gateway\.networking\.k8s\.io\/(v1|v1beta1|v1alpha2)$/;

/** Fields of a resource's metadata that identify it; the rest is Kubernetes bookkeeping. */
const IDENTITY = ['name', 'namespace'];

/** Silent: the route model wrote the notes of a conversion the suite-wide policies repeat. */
const quiet: Noter = () => {};

interface Subsets {
  /** subset name -> version */
  versions: Map<string, string>;
}

function parseDocs(text: string, file: string): Obj[] {
  const docs = parseAllDocuments(text);
  const out: Obj[] = [];
  for (const d of Array.isArray(docs) ? docs : [docs]) {
    if (d.errors.length) throw new InputError(file, undefined, `YAML syntax: ${d.errors[0].message.split('\n')[0]}`);
    const v = d.toJS();
    if (v && typeof v === 'object') out.push(v as Obj);
  }
  return out;
}

/** One http route of a VirtualService, as its parts are read. */
interface VsRoute {
  /** The VirtualService, for notes. */
  res: string;
  host: string;
  /** http[i], for notes. */
  where: string;
  r: Obj;
  matches: Obj[];
  /** The suite's upstream for the host. */
  upstream: string;
  /** Did the route model make a route of it (and write the notes of its conversions)? */
  modelled: boolean;
}

export function nameOf(doc: Obj): string {
  return `${str(doc.kind) ?? 'resource'}/${str(obj(doc.metadata).name) ?? '?'}`;
}

/** Resource kinds of these API groups that carry no per-request expectation, and why. */
const NOT_IMPORTED: Record<string, string> = {
  Gateway: "a Gateway's listeners (ports, hostnames, TLS) are the proxy's own setup: proxyproof starts the proxy under test on its own port",
  ServiceEntry: "registers a host outside the mesh; proxyproof's upstreams are its own mocks",
  Sidecar: "scopes a sidecar's egress; proxyproof checks one proxy's handling of requests",
  PeerAuthentication: 'mutual TLS between workloads; the test client speaks plain HTTP to the proxy under test',
  WorkloadEntry: "registers a workload; proxyproof's upstreams are its own mocks",
  WorkloadGroup: "registers workloads; proxyproof's upstreams are its own mocks",
  ProxyConfig: 'proxy bootstrap settings; no per-request expectation',
  Telemetry: 'metrics, logs and traces; no per-request expectation',
  WasmPlugin: 'a Wasm extension; proxyproof cannot tell what it does',
  GatewayClass: 'names the controller of Gateways; no per-request expectation',
  ReferenceGrant: 'allows references across namespaces; the suite names its upstreams directly',
  GRPCRoute: 'gRPC routing; the test client speaks HTTP/1.1',
  TCPRoute: 'TCP routing; proxyproof checks HTTP',
  TLSRoute: 'TLS passthrough routing; proxyproof checks HTTP',
  UDPRoute: 'UDP routing; proxyproof checks HTTP',
  BackendTLSPolicy: 'TLS to the backends; the mocks speak plain HTTP',
};

class Importer extends Recorder implements GatewayHost {
  private readonly subsets = new Map<string, Subsets>();
  private retryExplicit = false;
  private requestAuth: { resource: string; issuer?: string; jwks?: string } | undefined;
  private requiresPrincipal: string | undefined;

  constructor(readonly ctx: ImportContext) {
    super(ctx.file);
  }

  /** apiVersion, kind and metadata: the identity is read, the rest is bookkeeping. */
  resource(doc: Obj): void {
    const res = nameOf(doc);
    this.use(res, 'apiVersion', 'kind', ...IDENTITY.filter((k) => obj(doc.metadata)[k] !== undefined).map((k) => fieldPath('metadata', k)));
    for (const k of Object.keys(obj(doc.metadata))) {
      if (!IDENTITY.includes(k)) this.note(res, 'info', `metadata.${k} is Kubernetes bookkeeping; it does not change how the proxy handles a request`, fieldPath('metadata', k));
    }
    // istiod reads this annotation on the VirtualServices it writes for HTTPRoutes (pilot/pkg/model UseGatewaySemantics).
    const semantics = obj(obj(doc.metadata).annotations)['internal.istio.io/route-semantics'];
    if (semantics === 'gateway') this.note(res, 'info', 'route-semantics gateway: the routes are read as istiod reads them for Gateway API (uri prefixes match whole path elements)', fieldPath(fieldPath('metadata', 'annotations'), 'internal.istio.io/route-semantics'));
    for (const k of Object.keys(doc)) {
      if (k === 'status') this.note(res, 'info', 'status is written by the controller, not configuration', 'status');
      else if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(k)) this.note(res, 'unexpressed', `${k} has no proxyproof check`, k);
    }
  }

  /** A resource of these API groups with no expectation: named whole. */
  notImported(doc: Obj): void {
    const kind = str(doc.kind) ?? '';
    this.note(nameOf(doc), 'unexpressed', `${kind} has no proxyproof expectation${NOT_IMPORTED[kind] ? `: ${NOT_IMPORTED[kind]}` : ''}`, 'spec');
  }

  /** The suite's upstream for an Istio host, when the suite is known. */
  upstreamFor(host: string): string {
    const short = shortHost(host);
    const ups = this.ctx.upstreams;
    if (!ups) return short;
    return ups.find((u) => u.name === short || u.name === host)?.name ?? short;
  }

  versionFor(host: string, subset: string | undefined): string {
    if (!subset) return 'v1';
    return this.subsets.get(shortHost(host))?.versions.get(subset) ?? subset;
  }

  destinationRule(doc: Obj): void {
    const res = nameOf(doc);
    const spec = obj(doc.spec);
    const host = str(spec.host);
    if (!host) return this.note(res, 'unexpressed', 'no spec.host', 'spec');
    this.use(res, 'spec.host');
    const versions = new Map<string, string>();
    for (const [i, s] of arr(spec.subsets).entries()) this.subset(res, obj(s), `spec.subsets[${i}]`, versions);
    this.subsets.set(shortHost(host), { versions });
    this.trafficPolicy(res, obj(spec.trafficPolicy), 'spec.trafficPolicy');
    this.rest(res, 'spec', spec, ['host', 'subsets', 'trafficPolicy'], (k) => DR_UNCHECKED[k] ?? 'has no proxyproof check');
  }

  private subset(res: string, so: Obj, base: string, versions: Map<string, string>): void {
    const name = str(so.name);
    if (!name) return this.note(res, 'unexpressed', `${base}: a subset without a name is never referenced`, base);
    const labels = obj(so.labels);
    versions.set(name, str(labels.version) ?? name);
    this.use(res, fieldPath(base, 'name'), ...(labels.version !== undefined ? [fieldPath(fieldPath(base, 'labels'), 'version')] : []));
    for (const k of Object.keys(labels).filter((k) => k !== 'version')) {
      this.note(res, 'info', `subset ${name}: label ${k} ignored; mock versions are matched by the version label`, fieldPath(fieldPath(base, 'labels'), k));
    }
    if (so.trafficPolicy) this.trafficPolicy(res, obj(so.trafficPolicy), fieldPath(base, 'trafficPolicy'), `subset ${name}: `);
    this.rest(res, base, so, ['name', 'labels', 'trafficPolicy'], () => 'has no proxyproof check');
  }

  private trafficPolicy(res: string, tp: Obj, base: string, who = ''): void {
    const lb = obj(tp.loadBalancer);
    if (typeof lb.simple === 'string') this.note(res, 'info', `${who}loadBalancer ${lb.simple}: the canary check measures shares, not the algorithm`, fieldPath(base, 'loadBalancer'));
    else if (tp.loadBalancer !== undefined) this.note(res, 'unexpressed', `${who}loadBalancer (consistent hash or locality) has no proxyproof check: the checks spread requests, they do not pin them`, fieldPath(base, 'loadBalancer'));
    for (const k of Object.keys(tp)) {
      if (k !== 'loadBalancer') this.note(res, 'unexpressed', `${who}trafficPolicy.${k} has no proxyproof check${TP_UNCHECKED[k] ? `: ${TP_UNCHECKED[k]}` : ''}`, fieldPath(base, k));
    }
  }

  virtualService(doc: Obj): void {
    const res = nameOf(doc);
    const spec = obj(doc.spec);
    const hosts = arr(spec.hosts).map(str).filter((h): h is string => !!h);
    const host = hosts[0];
    if (!host) return this.note(res, 'unexpressed', 'no spec.hosts: the VirtualService applies to nothing (or is a delegate, read through its parent)', 'spec');
    this.use(res, 'spec.hosts');
    if (hosts.length > 1) this.note(res, 'info', `hosts ${hosts.slice(1).join(', ')} share the expectations of ${host}`, 'spec.hosts');
    // Attachment, not a behaviour: it says which proxies the routes live on, and the proxy under test is one of them.
    if (spec.gateways !== undefined) this.note(res, 'info', `gateways ${arr(spec.gateways).join(', ')} select the gateways (or mesh) the routes apply to; the checks run on the one proxy under test, as if it were each of them`, 'spec.gateways');
    if (spec.exportTo !== undefined) this.note(res, 'unexpressed', 'exportTo limits the namespaces that see the routes; the test client sees them all', 'spec.exportTo');
    for (const k of ['tcp', 'tls']) if (spec[k] !== undefined) this.note(res, 'unexpressed', `${k} routes have no proxyproof check: proxyproof checks HTTP`, `spec.${k}`);
    this.rest(res, 'spec', spec, ['hosts', 'gateways', 'exportTo', 'tcp', 'tls', 'http'], () => 'has no proxyproof check');
    const gatewaySemantics = obj(obj(doc.metadata).annotations)['internal.istio.io/route-semantics'] === 'gateway';
    const vs: VsContext = { rec: this, ctx: this.ctx, res, name: str(obj(doc.metadata).name) ?? '?', hosts, versionFor: (h, s) => this.versionFor(h, s), upstreamFor: (h) => this.upstreamFor(h), gatewaySemantics };
    arr(spec.http).forEach((r, i) => this.vsRoute(vs, host, obj(r), i));
  }

  private vsRoute(vs: VsContext, host: string, r: Obj, i: number): void {
    const before = this.result.routes.length;
    vsRouteModel(vs, r, i);
    const modelled = this.result.routes.length > before;
    const route: VsRoute = { res: vs.res, host, where: `http[${i}]`, r, matches: arr(r.match).map(obj), upstream: this.upstreamFor(host), modelled };
    this.vsCanary(route);
    this.vsRetries(route);
    if (r.timeout !== undefined) this.vsTimeout(route, r.timeout);
    if (r.fault !== undefined) this.vsFault(route, obj(r.fault));
  }

  /** Weighted destinations of the default route: the suite-wide canary (as before routes). */
  private vsCanary({ res, host, r, matches, upstream }: VsRoute): void {
    const dests = arr(r.route).map(obj);
    if (matches.length > 0 || dests.length === 0) return;
    const weights: Record<string, number> = {};
    for (const d of dests) {
      const dest = obj(d.destination);
      const dhost = str(dest.host) ?? host;
      // A destination on another host is its route's (checked there), not this canary's.
      if (shortHost(dhost) !== shortHost(host)) continue;
      const version = this.versionFor(host, str(dest.subset));
      // Istio: a lone destination takes 100; with several, an unset weight is 0.
      const w = num(d.weight) ?? (dests.length === 1 ? 100 : 0);
      weights[version] = (weights[version] ?? 0) + w;
    }
    if (Object.values(weights).some((w) => w > 0)) this.setCanary(res, { upstream, weights, tolerance: IMPORTED_CANARY_TOLERANCE, alpha: 1e-4, maxRequests: 6400 });
  }

  /** Retries: explicit, or istiod's default; the notes are the route model's unless it made no route. */
  private vsRetries({ res, where, r, modelled }: VsRoute): void {
    const note: Noter = modelled ? quiet : (kind, message, field) => this.note(res, kind, message, field);
    const base = `spec.${where}.retries`;
    if (r.retries !== undefined) {
      const policy = convertRetries(obj(r.retries), where, base, note);
      this.setRetry(res, where, policy ?? undefined, true);
    } else if (!r.redirect && !r.directResponse) {
      this.setRetry(res, where, istioDefaultRetry(), false, modelled);
    }
  }

  /** fault.abort and fault.delay -> a suite-wide fault rule when the route's match is headers only (the rule's own match). */
  private vsFault({ res, where, matches, upstream, modelled }: VsRoute, fault: Obj): void {
    const headerMatch = matches.length === 1 ? headersOf(obj(matches[0].headers)) : undefined;
    const plainMatch = matches.length === 1 && Object.keys(matches[0]).every((k) => k === 'headers');
    const expressible = matches.length === 0 || (plainMatch && headerMatch !== undefined);
    const converted = convertFault(fault, where, `spec.${where}.fault`, modelled ? quiet : (kind, message, field) => this.note(res, kind, message, field));
    if (!converted.abort && !converted.delay) return;
    if (!expressible) {
      this.note(res, 'info', `${where}: the fault under match ${describeMatches(matches)} is checked on its route only (the suite-wide fault rules select by header)`, `spec.${where}.fault`);
      return;
    }
    const rule: FaultRule = { upstream, headers: headerMatch ?? [], ...converted };
    this.result.policies.fault ??= { rules: [] };
    this.result.policies.fault.rules.push(rule);
  }

  setRetry(res: string, where: string, policy: RetryPolicy | undefined, explicit: boolean, quietDefault = false): void {
    const current = this.result.policies.retry;
    if (explicit) {
      if (this.retryExplicit) {
        if (JSON.stringify(current) !== JSON.stringify(policy)) this.note(res, 'conflict', `${where}: a second, different retry policy: the suite-wide retry policy stays the first; each route's own is checked on its route`);
        return;
      }
      this.retryExplicit = true;
      if (policy) this.result.policies.retry = policy;
      else delete this.result.policies.retry;
      return;
    }
    if (this.retryExplicit) return;
    if (!current && policy) {
      this.result.policies.retry = policy;
      if (!quietDefault) defaultRetryNotes(where, `spec.${where}.retries`, (kind, message, field) => this.note(res, kind, message, field));
    }
  }

  /** The route's timeout (all tries together, as Envoy's route timeout): the suite-wide one comes from the default route. */
  private vsTimeout({ res, host, where, matches, modelled }: VsRoute, value: unknown): void {
    const field = `spec.${where}.timeout`;
    const ms = convertTimeout(value, where, field, modelled ? quiet : (kind, message, f) => this.note(res, kind, message, f));
    if (ms === undefined) return;
    if (matches.length > 0) return this.note(res, 'info', `${where}: timeout ${String(value)} under match ${describeMatches(matches)} is checked on its route only; the suite-wide timeout comes from the default route`, field);
    const current = this.result.policies.timeout;
    if (current && current.requestMs !== ms) return this.note(res, 'conflict', `${where}: timeout ${String(value)}: one suite-wide timeout; ${current.requestMs} ms stays (each route's own is checked on its route)`, field);
    const upstream = this.upstreamFor(host);
    if ((this.ctx.upstreams?.length ?? 0) > 1) this.note(res, 'info', `${where}: timeout ${String(value)} of ${upstream}: one suite-wide timeout, so rendered configs apply it to every upstream; the check drives an operation of ${upstream}`, field);
    this.result.policies.timeout = { requestMs: ms, status: [504], upstream };
  }

  setCanary(res: string, canary: CanaryPolicy): void {
    const current = this.result.policies.canary;
    const split = (c: CanaryPolicy) => Object.values(c.weights).filter((w) => w > 0).length > 1;
    if (current && !split(current) && split(canary)) {
      this.note(res, 'info', `all of ${current.upstream} to ${Object.keys(current.weights).join(', ')} is checked on its route; the suite-wide canary is the split of ${canary.upstream}`);
      this.result.policies.canary = canary;
      return;
    }
    if (current && !split(canary)) {
      this.note(res, 'info', `all of ${canary.upstream} to ${Object.keys(canary.weights).join(', ')} is checked on its route; the suite-wide canary is ${current.upstream}'s`);
      return;
    }
    if (current) {
      this.note(res, 'info', `weights for ${canary.upstream} ${JSON.stringify(canary.weights)} are checked on their route; the suite-wide canary stays ${current.upstream} ${JSON.stringify(current.weights)}`);
      return;
    }
    this.result.policies.canary = canary;
  }

  requestAuthentication(doc: Obj): void {
    const res = nameOf(doc);
    const spec = obj(doc.spec);
    const rules = arr(spec.jwtRules).map(obj);
    this.rest(res, 'spec', spec, ['jwtRules'], (k) => (k === 'selector' || k === 'targetRef' || k === 'targetRefs' ? 'selects the workloads the rule applies to; the checks apply it to the proxy under test' : 'has no proxyproof check'));
    if (!rules.length) return this.note(res, 'unexpressed', 'no jwtRules', 'spec');
    if (rules.length > 1) this.note(res, 'unexpressed', `${rules.length - 1} further jwtRules: only the first issuer is checked`, 'spec.jwtRules[1]');
    for (let i = 2; i < rules.length; i++) this.note(res, 'unexpressed', 'a further jwtRule: only the first issuer is checked', `spec.jwtRules[${i}]`);
    const r = rules[0];
    const issuer = str(r.issuer);
    let jwks: string | undefined;
    const uri = str(r.jwksUri);
    const at = 'spec.jwtRules[0].jwksUri';
    if (uri && uri.includes('{{')) this.note(res, 'unexpressed', `jwksUri ${uri} is a template placeholder; give the JWKS as a local file`, at);
    else if (uri && /^file:/.test(uri)) jwks = new URL(uri).pathname;
    else if (uri && !/^[a-z]+:/i.test(uri)) jwks = path.resolve(path.dirname(this.ctx.file), uri);
    else if (uri) this.note(res, 'unexpressed', `jwksUri ${uri} is fetched by istiod at run time; proxyproof reaches nothing but 127.0.0.1: give the JWKS as a local file (jwksUri: file:///path/jwks.json)`, at);
    if (r.jwks !== undefined) this.note(res, 'unexpressed', 'inline jwks: save it to a file and name it with jwksUri: file:///path', 'spec.jwtRules[0].jwks');
    this.rest(res, 'spec.jwtRules[0]', r, ['issuer', 'jwksUri', 'jwks'], (k) => `jwtRules[0].${k} has no proxyproof check`);
    this.requestAuth = { resource: res, issuer, jwks };
  }

  authorizationPolicy(doc: Obj): void {
    const res = nameOf(doc);
    const spec = obj(doc.spec);
    const action = str(spec.action) ?? 'ALLOW';
    if (action !== 'ALLOW' && action !== 'DENY') return this.note(res, 'unexpressed', `action ${action} has no proxyproof check`, 'spec');
    this.use(res, 'spec.action');
    this.rest(res, 'spec', spec, ['action', 'rules'], (k) => (k === 'selector' || k === 'targetRef' || k === 'targetRefs' ? 'selects the workloads the policy applies to; the checks apply it to the proxy under test' : 'has no proxyproof check'));
    for (const [i, rule] of arr(spec.rules).map(obj).entries()) {
      const base = `spec.rules[${i}]`;
      for (const [j, from] of arr(rule.from).map(obj).entries()) this.authFrom(res, action, obj(from.source), `${base}.from[${j}].source`, i);
      if (rule.to !== undefined) this.note(res, 'unexpressed', `rules[${i}].to: operations (methods, paths) narrow the policy; the auth check applies it to every secured operation`, `${base}.to`);
      if (rule.when !== undefined) this.note(res, 'unexpressed', `rules[${i}].when has no proxyproof check`, `${base}.when`);
      this.rest(res, base, rule, ['from', 'to', 'when'], () => 'has no proxyproof check');
    }
  }

  private authFrom(res: string, action: string, source: Obj, base: string, i: number): void {
    const principals = arr(source.requestPrincipals).map(str).filter((p): p is string => !!p);
    const notPrincipals = arr(source.notRequestPrincipals).map(str).filter((p): p is string => !!p);
    if (action === 'ALLOW' && principals.length) {
      this.requiresPrincipal ??= principals.join(', ');
      this.use(res, `${base}.requestPrincipals`);
      if (!principals.includes('*')) this.note(res, 'unexpressed', `rules[${i}]: only tokens of ${principals.join(', ')} are allowed; the auth check tells valid from invalid tokens, not one principal from another`, `${base}.requestPrincipals`);
      this.rest(res, base, source, ['requestPrincipals'], (k) => `${k} has no proxyproof check`);
    } else if (action === 'DENY' && notPrincipals.includes('*')) {
      this.requiresPrincipal ??= '*';
      this.use(res, `${base}.notRequestPrincipals`);
      this.rest(res, base, source, ['notRequestPrincipals'], (k) => `${k} has no proxyproof check`);
    } else {
      this.note(res, 'unexpressed', `rules[${i}].from: ${Object.keys(source).join(', ')} has no proxyproof check`, base);
    }
  }

  envoyFilter(doc: Obj): void {
    const res = nameOf(doc);
    const spec = obj(doc.spec);
    let found = false;
    this.rest(res, 'spec', spec, ['configPatches'], (k) => (k === 'workloadSelector' || k === 'targetRefs' ? 'selects the workloads the patch applies to; the checks apply it to the proxy under test' : 'has no proxyproof check'));
    for (const [i, p] of arr(spec.configPatches).map(obj).entries()) {
      const base = `spec.configPatches[${i}]`;
      const cfg = this.rateLimitConfig(res, p, base, i);
      if (!cfg) continue;
      if (!cfg.config.token_bucket) {
        this.note(res, 'unexpressed', `configPatches[${i}]: a local_ratelimit without a token_bucket limits nothing on its own`, base);
        continue;
      }
      found = true;
      this.localRateLimit(res, cfg.config, cfg.at, i);
      if (p.match !== undefined) this.note(res, 'unexpressed', `configPatches[${i}].match places the patch (context, listener, route); the limit is checked on every route of the proxy under test`, `${base}.match`);
      this.use(res, `${base}.applyTo`, `${base}.patch.operation`);
      this.rest(res, `${base}.patch`, obj(p.patch), ['operation', 'value'], () => 'has no proxyproof check');
      this.rest(res, base, p, ['applyTo', 'patch', 'match'], () => 'has no proxyproof check');
    }
    if (!found) this.note(res, 'unexpressed', 'no enforced local_ratelimit token bucket found', 'spec');
  }

  /** The local_ratelimit config a patch carries (a filter, or a route's per-filter config), with its field path. */
  private rateLimitConfig(res: string, p: Obj, base: string, i: number): { config: Obj; at: string } | undefined {
    const value = obj(obj(p.patch).value);
    const applyTo = str(p.applyTo);
    const vbase = `${base}.patch.value`;
    if (applyTo === 'HTTP_FILTER' && str(value.name) === 'envoy.filters.http.local_ratelimit') {
      this.use(res, `${vbase}.name`);
      this.rest(res, vbase, value, ['name', 'typed_config'], () => 'has no proxyproof check');
      return typedConfig(obj(value.typed_config), `${vbase}.typed_config`, (f) => this.use(res, f));
    }
    if (applyTo === 'HTTP_ROUTE') {
      const per = obj(obj(value.typed_per_filter_config)['envoy.filters.http.local_ratelimit']);
      if (obj(value.route).rate_limits) this.note(res, 'unexpressed', `configPatches[${i}]: route rate_limits descriptors select per-request buckets; only the route's own bucket is checked`, `${vbase}.route`);
      this.rest(res, vbase, value, ['typed_per_filter_config', 'route'], () => 'has no proxyproof check');
      const tpf = obj(value.typed_per_filter_config);
      this.rest(res, `${vbase}.typed_per_filter_config`, tpf, ['envoy.filters.http.local_ratelimit'], () => 'another filter: no proxyproof check');
      if (Object.keys(per).length) return typedConfig(per, fieldPath(`${vbase}.typed_per_filter_config`, 'envoy.filters.http.local_ratelimit'), (f) => this.use(res, f));
      return undefined;
    }
    this.note(res, 'unexpressed', `configPatches[${i}]: ${applyTo ?? '?'} patch ${str(value.name) ?? ''} has no proxyproof check`, base);
    return undefined;
  }

  private localRateLimit(res: string, cfg: Obj, at: string, i: number): void {
    const tb = obj(cfg.token_bucket);
    const max = num(tb.max_tokens);
    const perFill = num(tb.tokens_per_fill) ?? 1;
    const interval = protoDurationMs(tb.fill_interval);
    const enabled = percentOf(cfg.filter_enabled);
    const enforced = percentOf(cfg.filter_enforced);
    this.rest(res, at, cfg, ['@type', 'token_bucket', 'filter_enabled', 'filter_enforced', 'descriptors', 'stat_prefix'], (k) => `local_ratelimit ${k} has no proxyproof check`);
    if (cfg.stat_prefix !== undefined) this.note(res, 'info', 'stat_prefix names Envoy stats only', `${at}.stat_prefix`);
    if (enabled !== 100 || enforced !== 100) {
      this.note(res, 'unexpressed', `configPatches[${i}]: filter_enabled ${enabled ?? 'unset'}% / filter_enforced ${enforced ?? 'unset'}%: Envoy rejects only when both are 100% (unset = off), so no limit is expected`, at);
      return;
    }
    if (max === undefined || interval === undefined) {
      this.note(res, 'unexpressed', `configPatches[${i}]: token_bucket without max_tokens or fill_interval`, at);
      return;
    }
    if (perFill !== max) this.note(res, 'info', `configPatches[${i}]: tokens_per_fill ${perFill} < max_tokens ${max}: a burst of ${max}, then ${perFill} per ${interval} ms; checked as ${max} per ${interval} ms`, `${at}.token_bucket.tokens_per_fill`);
    if (cfg.descriptors !== undefined) this.note(res, 'unexpressed', `configPatches[${i}]: ${arr(cfg.descriptors).length} descriptor bucket(s) (per path or header) have no proxyproof check`, `${at}.descriptors`);
    if (this.result.policies.rateLimit) {
      this.note(res, 'conflict', `configPatches[${i}]: a second bucket; one rate limit per suite, the first stays`, at);
      return;
    }
    this.use(res, `${at}.token_bucket`, `${at}.filter_enabled`, `${at}.filter_enforced`);
    this.result.policies.rateLimit = { limit: max, windowMs: interval, by: 'global' };
    this.note(res, 'info', 'Envoy local rate limit answers 429 without Retry-After; per proxy instance (global to this proxy)');
  }

  httpRoute(doc: Obj): void {
    httpRoute(this, doc, nameOf(doc));
  }

  finish(): ImportResult {
    const ra = this.requestAuth;
    if (ra) {
      const at = 'spec.jwtRules[0]';
      if (!this.requiresPrincipal) {
        this.note(ra.resource, 'unexpressed', 'a RequestAuthentication alone rejects invalid tokens (401) but lets requests without a token through; add an AuthorizationPolicy requiring requestPrincipals for the auth check to apply', at);
      } else if (!ra.jwks) {
        this.note(ra.resource, 'unexpressed', 'no local JWKS: the auth expectation needs the signing keys', at);
      } else {
        this.result.policies.auth = { reject: [401, 403], jwt: { alg: 'RS256', jwks: ra.jwks, ...(ra.issuer ? { issuer: ra.issuer } : {}) } };
        this.use(ra.resource, `${at}.issuer`, `${at}.jwksUri`);
        this.note(ra.resource, 'info', 'Istio answers 401 for an invalid token and 403 for a missing one under a requiring AuthorizationPolicy');
      }
    } else if (this.requiresPrincipal) {
      this.note('AuthorizationPolicy', 'unexpressed', 'requestPrincipals without a RequestAuthentication: every request is denied (403); not imported');
    }
    return this.result;
  }
}

/** DestinationRule fields outside host, subsets and trafficPolicy, and why they are not checked. */
const DR_UNCHECKED: Record<string, string> = {
  exportTo: 'limits the namespaces that see the rule; the test client sees them all',
  workloadSelector: 'selects the workloads the rule applies to; the checks apply it to the proxy under test',
};

/** trafficPolicy parts, and why they are not checked. */
const TP_UNCHECKED: Record<string, string> = {
  connectionPool: 'connection limits and idle timeouts need load the functional checks do not send',
  outlierDetection: 'ejecting failing replicas needs the mocks to fail by replica, which they do not',
  tls: 'the mocks speak plain HTTP',
  portLevelSettings: 'the suite has one port per upstream',
  tunnel: 'the mocks are reached directly',
  proxyProtocol: 'the mocks do not read the PROXY protocol',
  retryBudget: 'a budget across requests needs concurrent failing load',
};

function typedConfig(tc: Obj, at: string, use: (field: string) => void): { config: Obj; at: string } {
  // udpa.type.v1.TypedStruct / xds.type.v3.TypedStruct wrap the config in `value`.
  const type = str(tc['@type']) ?? '';
  use(fieldPath(at, '@type'));
  if (!/TypedStruct$/.test(type)) return { config: tc, at };
  use(fieldPath(at, 'type_url'));
  return { config: obj(tc.value), at: fieldPath(at, 'value') };
}

function percentOf(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const d = obj(obj(v).default_value);
  const n = num(d.numerator) ?? 0;
  const den = ({ HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as Record<string, number>)[str(d.denominator) ?? 'HUNDRED'] ?? 100;
  return (n / den) * 100;
}

function headersOf(h: Obj): FaultRule['headers'] | undefined {
  const out: FaultRule['headers'] = [];
  for (const [name, m] of Object.entries(h)) {
    const mo = obj(m);
    const exact = str(mo.exact);
    const prefix = str(mo.prefix);
    const regex = str(mo.regex);
    if (exact === undefined && prefix === undefined && regex === undefined) return undefined;
    out.push({ name: name.toLowerCase(), ...(exact !== undefined ? { exact } : {}), ...(prefix !== undefined ? { prefix } : {}), ...(regex !== undefined ? { regex } : {}) });
  }
  return out;
}

function describeMatches(matches: Obj[]): string {
  return matches.map((m) => Object.keys(m).join('+')).join(' | ');
}

/** Is this YAML text Istio or Gateway API resources? */
export function looksLikeIstio(text: string): boolean {
  return /apiVersion:\s*["']?(networking\.istio\.io|security\.istio\.io|gateway\.networking\.k8s\.io)\//.test(text);
}

/** Import Istio (and Gateway API) resources from one YAML text (several documents allowed). */
export function importIstio(text: string, ctx: ImportContext): ImportResult {
  return importIstioDocs(parseDocs(text, ctx.file), ctx);
}

/** Import already-parsed resources; DestinationRules are read first so subsets resolve in any order. */
export function importIstioDocs(docs: Obj[], ctx: ImportContext): ImportResult {
  const imp = new Importer(ctx);
  const order = ['DestinationRule', 'VirtualService', 'HTTPRoute', 'RequestAuthentication', 'AuthorizationPolicy', 'EnvoyFilter'];
  const sorted = [...docs].sort((a, b) => rank(order, a) - rank(order, b));
  for (const doc of sorted) {
    const api = str(doc.apiVersion) ?? '';
    const kind = str(doc.kind) ?? '';
    if (!ISTIO_GROUPS.test(api) && !GATEWAY_API.test(api)) {
      imp.note(nameOf(doc), 'unexpressed', `apiVersion ${api || 'unset'} is not an Istio or Gateway API version proxyproof reads`, '');
      continue;
    }
    imp.resource(doc);
    switch (kind) {
      case 'VirtualService':
        imp.virtualService(doc);
        break;
      case 'DestinationRule':
        imp.destinationRule(doc);
        break;
      case 'RequestAuthentication':
        imp.requestAuthentication(doc);
        break;
      case 'AuthorizationPolicy':
        imp.authorizationPolicy(doc);
        break;
      case 'EnvoyFilter':
        imp.envoyFilter(doc);
        break;
      case 'HTTPRoute':
        imp.httpRoute(doc);
        break;
      default:
        imp.notImported(doc);
    }
  }
  return imp.finish();
}

function rank(order: string[], doc: Obj): number {
  const i = order.indexOf(str(doc.kind) ?? '');
  return i < 0 ? order.length : i;
}
