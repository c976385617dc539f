// Istio (and Gateway API) YAML -> proxyproof expectations. Pure: text in,
// policies and notes out.
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
//    backendRefs weights -> canary, rules[].retry {codes, attempts} -> retry.

import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { InputError } from '../model/errors.ts';
import { ALL_METHODS } from '../model/spec.ts';
import type { FaultRule } from '../checks/fault/policy.ts';
import type { CanaryPolicy } from '../checks/canary/policy.ts';
import type { RetryPolicy } from '../checks/retry/policy.ts';
import { ISTIO_DEFAULT_RETRY } from '../targets/envoy/istio.ts';
import { arr, emptyResult, num, obj, protoDurationMs, shortHost, str, type ImportContext, type ImportNote, type ImportResult, type Obj } from './types.ts';

/** Default canary tolerance for imported weights (absolute, on each share). */
export const IMPORTED_CANARY_TOLERANCE = 0.05;

const ISTIO_GROUPS = /^(networking|security)\.istio\.io\/(v1alpha3|v1beta1|v1)$/;
const GATEWAY_API = /^gateway\.networking\.k8s\.io\/(v1|v1beta1|v1alpha2)$/;

/**
 * retry_on conditions under which Envoy retries a try that outlived its per-try
 * timeout: a per-try timeout is a local reset (envoy@v1.34.1
 * source/common/router/router.cc onPerTryTimeoutCommon -> maybeRetryReset(LocalReset)),
 * retried only for reset, 5xx or gateway-error (source/common/router/retry_state_impl.cc
 * wouldRetryFromReset; reset-before-request only when nothing was sent, never a timeout).
 */
const RETRIES_TIMED_OUT_TRY = new Set(['reset', '5xx', 'gateway-error']);

/** Does Envoy retry a timed-out try under this retryOn? */
export function retriesTimedOutTry(retryOn: string): boolean {
  return retryOn.split(',').some((w) => RETRIES_TIMED_OUT_TRY.has(w.trim()));
}

/**
 * Istio 1.24 and later leave 503 out of the default retriable status codes:
 * EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY defaults to true (istio@1.26.0
 * pilot/pkg/features/pilot.go, pilot/pkg/networking/core/route/retry/retry.go),
 * and from 1.27 there is no 503 at all (docs/targets/envoy.md §10).
 */
export const ISTIO_1_24_NO_503 =
  "Istio's default retriable status code 503 is that of Istio 1.23 and earlier: Istio 1.24 and later leave it out (EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY defaults to true; 1.27+ has no 503 at all), so against those the 503 retry expectation does not hold";

/** Envoy retry_on conditions that are not an HTTP status: retried by transport, not checked by status. */
const TRANSPORT_RETRY_ON = new Set(['connect-failure', 'refused-stream', 'reset', 'reset-before-request', 'unavailable', 'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'envoy-ratelimited', 'http3-post-connect-failure']);

/** retryOn text -> statuses (the check exercises statuses) and the conditions it cannot exercise. */
export function retryOnStatuses(retryOn: string, retriable: readonly number[] = []): { statuses: number[]; transport: string[]; unknown: string[] } {
  const statuses = new Set<number>();
  const transport: string[] = [];
  const unknown: string[] = [];
  const codes = new Set<number>(retriable);
  const words = retryOn.split(',').map((w) => w.trim()).filter(Boolean);
  // istiod turns numeric entries into retriable_status_codes and adds retriable-status-codes.
  for (const w of words) if (/^\d{3}$/.test(w)) codes.add(Number(w));
  for (const w of words) {
    if (/^\d{3}$/.test(w)) statuses.add(Number(w));
    else if (w === '5xx') [500, 501, 502, 503, 504].forEach((s) => statuses.add(s));
    else if (w === 'gateway-error') [502, 503, 504].forEach((s) => statuses.add(s));
    else if (w === 'retriable-4xx') statuses.add(409);
    else if (w === 'retriable-status-codes') codes.forEach((s) => statuses.add(s));
    else if (TRANSPORT_RETRY_ON.has(w)) transport.push(w);
    else unknown.push(w);
  }
  return { statuses: [...statuses].sort((a, b) => a - b), transport, unknown };
}

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
}

function nameOf(doc: Obj): string {
  return `${str(doc.kind) ?? 'resource'}/${str(obj(doc.metadata).name) ?? '?'}`;
}

class Importer {
  readonly result: ImportResult = emptyResult();
  private readonly subsets = new Map<string, Subsets>();
  private retryExplicit = false;
  private retryDefaultFrom: string | undefined;
  private requestAuth: { resource: string; issuer?: string; jwks?: string } | undefined;
  private requiresPrincipal: string | undefined;

  constructor(private readonly ctx: ImportContext) {}

  note(resource: string, kind: ImportNote['kind'], message: string): void {
    this.result.notes.push({ source: this.ctx.file, resource, kind, message });
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
    if (!host) return this.note(res, 'unexpressed', 'no spec.host');
    const versions = new Map<string, string>();
    for (const s of arr(spec.subsets)) {
      const so = obj(s);
      const name = str(so.name);
      if (!name) continue;
      const labels = obj(so.labels);
      versions.set(name, str(labels.version) ?? name);
      const other = Object.keys(labels).filter((k) => k !== 'version');
      if (other.length) this.note(res, 'info', `subset ${name}: labels ${other.join(', ')} ignored; mock versions are matched by the version label`);
      if (so.trafficPolicy) this.note(res, 'unexpressed', `subset ${name}: trafficPolicy is not checked`);
    }
    this.subsets.set(shortHost(host), { versions });
    const tp = obj(spec.trafficPolicy);
    const lb = str(obj(tp.loadBalancer).simple);
    if (lb) this.note(res, 'info', `loadBalancer ${lb}: the canary check measures shares, not the algorithm`);
    for (const k of ['connectionPool', 'outlierDetection', 'tls', 'portLevelSettings']) {
      if (tp[k]) this.note(res, 'unexpressed', `trafficPolicy.${k} has no proxyproof check`);
    }
  }

  virtualService(doc: Obj): void {
    const res = nameOf(doc);
    const spec = obj(doc.spec);
    const hosts = arr(spec.hosts).map(str).filter((h): h is string => !!h);
    const host = hosts[0];
    if (!host) return this.note(res, 'unexpressed', 'no spec.hosts');
    if (hosts.length > 1) this.note(res, 'info', `hosts ${hosts.slice(1).join(', ')} share the expectations of ${host}`);
    if (arr(spec.gateways).length) this.note(res, 'info', `gateways ${arr(spec.gateways).join(', ')}: expectations are checked on the proxy under test`);
    for (const k of ['tcp', 'tls']) if (arr(spec[k]).length) this.note(res, 'unexpressed', `${k} routes have no proxyproof check`);
    arr(spec.http).forEach((r, i) => this.vsRoute(res, host, obj(r), i));
  }

  private vsRoute(res: string, host: string, r: Obj, i: number): void {
    const route: VsRoute = { res, host, where: `http[${i}]`, r, matches: arr(r.match).map(obj), upstream: this.upstreamFor(host) };
    this.vsCanary(route);
    this.vsRetries(route);
    if (r.timeout !== undefined) this.vsTimeout(res, host, route.where, r.timeout, route.matches);
    for (const k of ['mirror', 'mirrorPercentage', 'mirrors', 'rewrite', 'redirect', 'directResponse', 'headers', 'corsPolicy', 'delegate']) {
      if (r[k] !== undefined) this.note(res, 'unexpressed', `${route.where}: ${k} has no proxyproof check`);
    }
    if (r.fault !== undefined) this.vsFault(route, obj(r.fault));
  }

  /** Weighted destinations of the default route: the canary. */
  private vsCanary({ res, host, where, r, matches, upstream }: VsRoute): void {
    const dests = arr(r.route).map(obj);
    if (matches.length === 0 && dests.length > 0) {
      const weights: Record<string, number> = {};
      for (const d of dests) {
        const dest = obj(d.destination);
        const dhost = str(dest.host) ?? host;
        if (shortHost(dhost) !== shortHost(host)) {
          this.note(res, 'unexpressed', `${where}: a destination on another host (${dhost}) is not checked`);
          continue;
        }
        const version = this.versionFor(host, str(dest.subset));
        // Istio: a lone destination takes 100; with several, an unset weight is 0.
        const w = num(d.weight) ?? (dests.length === 1 ? 100 : 0);
        weights[version] = (weights[version] ?? 0) + w;
      }
      if (Object.values(weights).some((w) => w > 0)) this.setCanary(res, { upstream, weights, tolerance: IMPORTED_CANARY_TOLERANCE, alpha: 1e-4, maxRequests: 6400 });
    } else if (matches.length > 0 && !r.fault) {
      this.note(res, 'unexpressed', `${where}: routing by match (${describeMatches(matches)}) has no proxyproof check`);
    }
  }

  /** Retries: explicit, or istiod's default. */
  private vsRetries({ res, where, r }: VsRoute): void {
    if (r.retries !== undefined) this.vsExplicitRetries(res, where, obj(r.retries));
    else if (!r.redirect && !r.directResponse) {
      this.retryDefaultFrom ??= `${res} ${where}`;
      this.setRetry(res, where, istioDefaultRetry(), false);
    }
  }

  private vsExplicitRetries(res: string, where: string, retries: Obj): void {
    const attempts = num(retries.attempts) ?? 0;
    if (attempts === 0) {
      this.note(res, 'info', `${where}: retries.attempts 0 turns retries off`);
      this.setRetry(res, where, undefined, true);
      return;
    }
    const retryOn = str(retries.retryOn) ?? ISTIO_DEFAULT_RETRY.retryOn;
    if (!retries.retryOn) {
      this.note(res, 'default', `${where}: retries.retryOn unset: Istio's default "${ISTIO_DEFAULT_RETRY.retryOn}" with retriable status codes ${ISTIO_DEFAULT_RETRY.retriableStatusCodes.join(', ')}`);
      this.note(res, 'info', `${where}: ${ISTIO_1_24_NO_503}`);
    }
    const parsed = retryOnStatuses(retryOn, retries.retryOn ? [] : ISTIO_DEFAULT_RETRY.retriableStatusCodes);
    this.retryNotes(res, where, parsed);
    const policy: RetryPolicy = { attempts, on: parsed.statuses, methods: [...ALL_METHODS] };
    const perTry = protoDurationMs(retries.perTryTimeout);
    if (retries.perTryTimeout !== undefined && perTry === undefined) this.note(res, 'unexpressed', `${where}: perTryTimeout ${String(retries.perTryTimeout)} is not a duration`);
    if (perTry !== undefined) this.perTryTimeout(res, where, retryOn, perTry, policy);
    if (retries.retryRemoteLocalities !== undefined) this.note(res, 'unexpressed', `${where}: retryRemoteLocalities has no proxyproof check`);
    this.setRetry(res, where, parsed.statuses.length ? policy : undefined, true);
    if (!parsed.statuses.length) this.note(res, 'unexpressed', `${where}: retryOn "${retryOn}" names no HTTP status; only status retries are checked`);
  }

  /**
   * A per-try timeout joins the expectation only when Envoy retries a timed-out try under `retryOn`;
   * `field` names it as the resource spells it, `hint` says how to get the retry.
   */
  private perTryTimeout(res: string, where: string, retryOn: string, ms: number, policy: RetryPolicy, field = 'perTryTimeout', hint = 'add reset to retryOn to have it retried'): void {
    if (retriesTimedOutTry(retryOn)) {
      policy.perTryTimeoutMs = ms;
      return;
    }
    this.note(
      res,
      'unexpressed',
      `${where}: ${field} ${ms} ms is not expected to retry a slow try: retryOn "${retryOn}" has none of reset, 5xx, gateway-error, and Envoy retries a timed-out try (a local reset) only for those (envoy source/common/router/router.cc onPerTryTimeoutCommon, retry_state_impl.cc wouldRetryFromReset); the try ends the request with 504; ${hint}`,
    );
  }

  /** fault.abort and fault.delay -> a fault rule, matched by the route's headers (the only match expressible). */
  private vsFault(route: VsRoute, fault: Obj): void {
    const { matches, upstream } = route;
    const headerMatch = matches.length === 1 ? headersOf(obj(matches[0].headers)) : undefined;
    const plainMatch = matches.length === 1 && Object.keys(matches[0]).every((k) => k === 'headers');
    const rule: FaultRule = { upstream, headers: headerMatch ?? [] };
    const expressible = !(matches.length > 1 || (matches.length === 1 && (!plainMatch || headerMatch === undefined)));
    const abort = fault.abort === undefined ? undefined : this.faultAbort(route, obj(fault.abort), expressible);
    if (abort) rule.abort = abort;
    const delay = fault.delay === undefined ? undefined : this.faultDelay(route, obj(fault.delay), expressible);
    if (delay) rule.delay = delay;
    if (rule.abort || rule.delay) {
      this.result.policies.fault ??= { rules: [] };
      this.result.policies.fault.rules.push(rule);
    }
  }

  private faultAbort({ res, where, matches }: VsRoute, abort: Obj, expressible: boolean): FaultRule['abort'] {
    const status = num(abort.httpStatus);
    if (status === undefined) this.note(res, 'unexpressed', `${where}: fault.abort without httpStatus (grpcStatus or http2Error) is not checked`);
    else if (!expressible) this.note(res, 'unexpressed', `${where}: fault.abort under match ${describeMatches(matches)}: only a header match is expressible`);
    else return { status, percent: faultPercent(abort) };
    return undefined;
  }

  private faultDelay({ res, where, matches }: VsRoute, delay: Obj, expressible: boolean): FaultRule['delay'] {
    const fixed = protoDurationMs(delay.fixedDelay);
    if (fixed === undefined) this.note(res, 'unexpressed', `${where}: fault.delay without a fixedDelay duration (exponentialDelay or none) is not checked`);
    else if (fixed > 30_000) this.note(res, 'unexpressed', `${where}: fault.delay ${String(delay.fixedDelay)} is over the 30 s the fault check waits`);
    else if (!expressible) this.note(res, 'unexpressed', `${where}: fault.delay under match ${describeMatches(matches)}: only a header match is expressible`);
    else return { fixedDelayMs: fixed, percent: faultPercent(delay) };
    return undefined;
  }

  private retryNotes(res: string, where: string, parsed: ReturnType<typeof retryOnStatuses>): void {
    if (parsed.transport.length) this.note(res, 'unexpressed', `${where}: retry on ${parsed.transport.join(', ')} is a transport condition; the retry check exercises HTTP statuses only`);
    if (parsed.unknown.length) this.note(res, 'unexpressed', `${where}: unknown retryOn ${parsed.unknown.join(', ')}`);
  }

  private setRetry(res: string, where: string, policy: RetryPolicy | undefined, explicit: boolean): void {
    const current = this.result.policies.retry;
    if (explicit) {
      if (this.retryExplicit) {
        if (JSON.stringify(current) !== JSON.stringify(policy)) this.note(res, 'conflict', `${where}: a second, different retry policy; proxyproof checks one retry policy per suite, the first stays`);
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
      this.note(res, 'default', `${where}: no retries given: Istio's default retry policy applies (attempts ${ISTIO_DEFAULT_RETRY.attempts}, retryOn "${ISTIO_DEFAULT_RETRY.retryOn}", retriable status codes ${ISTIO_DEFAULT_RETRY.retriableStatusCodes.join(', ')}, every method)`);
      this.note(res, 'info', `${where}: ${ISTIO_1_24_NO_503}`);
      this.retryNotes(res, where, retryOnStatuses(ISTIO_DEFAULT_RETRY.retryOn, ISTIO_DEFAULT_RETRY.retriableStatusCodes));
    }
  }

  /** The route's timeout (all tries together, as Envoy's route timeout): one per suite, on the default route. */
  private vsTimeout(res: string, host: string, where: string, value: unknown, matches: Obj[]): void {
    if (typeof value === 'string' && /^0+(\.0+)?(ms|s|m|h)$/.test(value.trim())) {
      return this.note(res, 'info', `${where}: timeout ${value} turns the timeout off (Istio's default): nothing to check`);
    }
    const ms = protoDurationMs(value);
    if (ms === undefined) return this.note(res, 'unexpressed', `${where}: timeout ${String(value)} is not a duration`);
    if (matches.length > 0) return this.note(res, 'unexpressed', `${where}: timeout ${String(value)} under match ${describeMatches(matches)}: proxyproof checks one timeout per suite, on the default route`);
    if (ms < 100 || ms > 30_000) return this.note(res, 'unexpressed', `${where}: timeout ${String(value)} is outside what the timeout check drives (100ms..30s)`);
    const current = this.result.policies.timeout;
    if (current && current.requestMs !== ms) return this.note(res, 'conflict', `${where}: timeout ${String(value)}: one timeout per suite; ${current.requestMs} ms stays`);
    const upstream = this.upstreamFor(host);
    if ((this.ctx.upstreams?.length ?? 0) > 1) this.note(res, 'info', `${where}: timeout ${String(value)} of ${upstream}: one timeout per suite, so rendered configs apply it to every upstream; the check drives an operation of ${upstream}`);
    this.result.policies.timeout = { requestMs: ms, status: [504], upstream };
  }

  private setCanary(res: string, canary: CanaryPolicy): void {
    const current = this.result.policies.canary;
    const split = (c: CanaryPolicy) => Object.values(c.weights).filter((w) => w > 0).length > 1;
    if (current && !split(current) && split(canary)) {
      this.note(res, 'unexpressed', `all of ${current.upstream} to ${Object.keys(current.weights).join(', ')} is not checked: one canary per suite, the split of ${canary.upstream} is`);
      this.result.policies.canary = canary;
      return;
    }
    if (current && !split(canary)) {
      this.note(res, 'unexpressed', `all of ${canary.upstream} to ${Object.keys(canary.weights).join(', ')} is not checked: one canary per suite (${current.upstream} is)`);
      return;
    }
    if (current) {
      this.note(res, 'conflict', `weights for ${canary.upstream} ${JSON.stringify(canary.weights)}: proxyproof checks one canary per suite; ${current.upstream} ${JSON.stringify(current.weights)} stays`);
      return;
    }
    this.result.policies.canary = canary;
  }

  requestAuthentication(doc: Obj): void {
    const res = nameOf(doc);
    const rules = arr(obj(doc.spec).jwtRules).map(obj);
    if (!rules.length) return this.note(res, 'unexpressed', 'no jwtRules');
    if (rules.length > 1) this.note(res, 'unexpressed', `${rules.length - 1} further jwtRules: only the first issuer is checked`);
    const r = rules[0];
    const issuer = str(r.issuer);
    let jwks: string | undefined;
    const uri = str(r.jwksUri);
    if (uri && uri.includes('{{')) this.note(res, 'unexpressed', `jwksUri ${uri} is a template placeholder; give the JWKS as a local file`);
    else if (uri && /^file:/.test(uri)) jwks = new URL(uri).pathname;
    else if (uri && !/^[a-z]+:/i.test(uri)) jwks = path.resolve(path.dirname(this.ctx.file), uri);
    else if (uri) this.note(res, 'unexpressed', `jwksUri ${uri} is fetched by istiod at run time; proxyproof reaches nothing but 127.0.0.1: give the JWKS as a local file (jwksUri: file:///path/jwks.json)`);
    if (r.jwks !== undefined) this.note(res, 'unexpressed', 'inline jwks: save it to a file and name it with jwksUri: file:///path');
    for (const k of ['fromHeaders', 'fromCookies', 'fromParams', 'outputPayloadToHeader', 'outputClaimToHeaders', 'forwardOriginalToken', 'audiences', 'timeout', 'spaceDelimitedClaims']) {
      if (r[k] !== undefined) this.note(res, 'unexpressed', `jwtRules[0].${k} has no proxyproof check`);
    }
    this.requestAuth = { resource: res, issuer, jwks };
  }

  authorizationPolicy(doc: Obj): void {
    const res = nameOf(doc);
    const spec = obj(doc.spec);
    const action = str(spec.action) ?? 'ALLOW';
    if (action !== 'ALLOW' && action !== 'DENY') return this.note(res, 'unexpressed', `action ${action} has no proxyproof check`);
    for (const [i, rule] of arr(spec.rules).map(obj).entries()) {
      for (const from of arr(rule.from).map(obj)) {
        const source = obj(from.source);
        const principals = arr(source.requestPrincipals).map(str).filter((p): p is string => !!p);
        const notPrincipals = arr(source.notRequestPrincipals).map(str).filter((p): p is string => !!p);
        if (action === 'ALLOW' && principals.length) {
          this.requiresPrincipal ??= principals.join(', ');
          if (!principals.includes('*')) this.note(res, 'unexpressed', `rules[${i}]: only tokens of ${principals.join(', ')} are allowed; the auth check tells valid from invalid tokens, not one principal from another`);
        } else if (action === 'DENY' && notPrincipals.includes('*')) {
          this.requiresPrincipal ??= '*';
        } else {
          this.note(res, 'unexpressed', `rules[${i}].from: ${Object.keys(source).join(', ')} has no proxyproof check`);
        }
      }
      if (arr(rule.to).length) this.note(res, 'unexpressed', `rules[${i}].to: operations (methods, paths) narrow the policy; the auth check applies it to every secured operation`);
      if (arr(rule.when).length) this.note(res, 'unexpressed', `rules[${i}].when has no proxyproof check`);
    }
  }

  envoyFilter(doc: Obj): void {
    const res = nameOf(doc);
    let found = false;
    for (const [i, p] of arr(obj(doc.spec).configPatches).map(obj).entries()) {
      const value = obj(obj(p.patch).value);
      const applyTo = str(p.applyTo);
      let cfg: Obj | undefined;
      if (applyTo === 'HTTP_FILTER' && str(value.name) === 'envoy.filters.http.local_ratelimit') cfg = typedConfig(obj(value.typed_config));
      else if (applyTo === 'HTTP_ROUTE') {
        const per = obj(obj(value.typed_per_filter_config)['envoy.filters.http.local_ratelimit']);
        if (Object.keys(per).length) cfg = typedConfig(per);
        if (obj(value.route).rate_limits) this.note(res, 'unexpressed', `configPatches[${i}]: route rate_limits descriptors select per-request buckets; only the route's own bucket is checked`);
      } else {
        this.note(res, 'unexpressed', `configPatches[${i}]: ${applyTo ?? '?'} patch ${str(value.name) ?? ''} has no proxyproof check`);
        continue;
      }
      if (!cfg || !cfg.token_bucket) continue;
      found = true;
      const tb = obj(cfg.token_bucket);
      const max = num(tb.max_tokens);
      const perFill = num(tb.tokens_per_fill) ?? 1;
      const interval = protoDurationMs(tb.fill_interval);
      const enabled = percentOf(cfg.filter_enabled);
      const enforced = percentOf(cfg.filter_enforced);
      if (enabled !== 100 || enforced !== 100) {
        this.note(res, 'unexpressed', `configPatches[${i}]: filter_enabled ${enabled ?? 'unset'}% / filter_enforced ${enforced ?? 'unset'}%: Envoy rejects only when both are 100% (unset = off), so no limit is expected`);
        continue;
      }
      if (max === undefined || interval === undefined) {
        this.note(res, 'unexpressed', `configPatches[${i}]: token_bucket without max_tokens or fill_interval`);
        continue;
      }
      if (perFill !== max) this.note(res, 'info', `configPatches[${i}]: tokens_per_fill ${perFill} < max_tokens ${max}: a burst of ${max}, then ${perFill} per ${interval} ms; checked as ${max} per ${interval} ms`);
      if (arr(cfg.descriptors).length) this.note(res, 'unexpressed', `configPatches[${i}]: ${arr(cfg.descriptors).length} descriptor bucket(s) (per path or header) have no proxyproof check`);
      if (this.result.policies.rateLimit) {
        this.note(res, 'conflict', `configPatches[${i}]: a second bucket; one rate limit per suite, the first stays`);
        continue;
      }
      this.result.policies.rateLimit = { limit: max, windowMs: interval, by: 'global' };
      this.note(res, 'info', 'Envoy local rate limit answers 429 without Retry-After; per proxy instance (global to this proxy)');
    }
    if (!found) this.note(res, 'unexpressed', 'no enforced local_ratelimit token bucket found');
  }

  httpRoute(doc: Obj): void {
    const res = nameOf(doc);
    for (const [i, rule] of arr(obj(doc.spec).rules).map(obj).entries()) {
      const where = `rules[${i}]`;
      const refs = arr(rule.backendRefs).map(obj);
      if (refs.length > 1 && arr(rule.matches).length <= 1) {
        const weights: Record<string, number> = {};
        for (const ref of refs) weights[str(ref.name) ?? '?'] = num(ref.weight) ?? 1;
        const upstream = this.ctx.upstreams?.[0]?.name ?? str(obj(doc.metadata).name) ?? 'upstream';
        this.note(res, 'info', `${where}: backendRefs ${Object.keys(weights).join(', ')} are versions of upstream ${upstream}`);
        this.setCanary(res, { upstream, weights, tolerance: IMPORTED_CANARY_TOLERANCE, alpha: 1e-4, maxRequests: 6400 });
      }
      const retry = rule.retry === undefined ? undefined : obj(rule.retry);
      if (retry) {
        const attempts = num(retry.attempts) ?? 0;
        const codes = arr(retry.codes).map(num).filter((c): c is number => c !== undefined);
        if (!codes.length) {
          this.note(res, 'unexpressed', `${where}: retry without codes retries implementation-specific conditions; Istio uses its default "${ISTIO_DEFAULT_RETRY.retryOn}"`);
        } else {
          const policy: RetryPolicy = { attempts, on: codes, methods: [...ALL_METHODS] };
          // Istio turns retry into retryOn "connect-failure,refused-stream,unavailable,cancelled,<codes>" and
          // backendRequest into perTryTimeout (pilot/pkg/config/kube/gateway/conversion.go convertHTTPRoute).
          const perTry = protoDurationMs(obj(rule.timeouts).backendRequest);
          if (perTry !== undefined) {
            const retryOn = `connect-failure,refused-stream,unavailable,cancelled,${codes.join(',')}`;
            this.perTryTimeout(res, where, retryOn, perTry, policy, "timeouts.backendRequest (Istio's perTryTimeout)", 'an HTTPRoute cannot add reset');
          }
          this.setRetry(res, where, policy, true);
        }
        if (retry.backoff !== undefined) this.note(res, 'unexpressed', `${where}: retry.backoff has no proxyproof check`);
      }
      if (arr(rule.matches).length) this.note(res, 'info', `${where}: matches ${JSON.stringify(rule.matches)} are not checked; the expectations apply to every operation`);
    }
  }

  finish(): ImportResult {
    const ra = this.requestAuth;
    if (ra) {
      if (!this.requiresPrincipal) {
        this.note(ra.resource, 'unexpressed', 'a RequestAuthentication alone rejects invalid tokens (401) but lets requests without a token through; add an AuthorizationPolicy requiring requestPrincipals for the auth check to apply');
      } else if (!ra.jwks) {
        this.note(ra.resource, 'unexpressed', 'no local JWKS: the auth expectation needs the signing keys');
      } else {
        this.result.policies.auth = { reject: [401, 403], jwt: { alg: 'RS256', jwks: ra.jwks, ...(ra.issuer ? { issuer: ra.issuer } : {}) } };
        this.note(ra.resource, 'info', 'Istio answers 401 for an invalid token and 403 for a missing one under a requiring AuthorizationPolicy');
      }
    } else if (this.requiresPrincipal) {
      this.note('AuthorizationPolicy', 'unexpressed', 'requestPrincipals without a RequestAuthentication: every request is denied (403); not imported');
    }
    return this.result;
  }
}

function typedConfig(tc: Obj): Obj {
  // udpa.type.v1.TypedStruct / xds.type.v3.TypedStruct wrap the config in `value`.
  const type = str(tc['@type']) ?? '';
  return /TypedStruct$/.test(type) ? obj(tc.value) : tc;
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

/** Istio: a fault without a percentage applies to every matching request. */
function faultPercent(f: Obj): number {
  return f.percentage === undefined ? 100 : (num(obj(f.percentage).value) ?? 0);
}

function describeMatches(matches: Obj[]): string {
  return matches.map((m) => Object.keys(m).join('+')).join(' | ');
}

function istioDefaultRetry(): RetryPolicy {
  return { attempts: ISTIO_DEFAULT_RETRY.attempts, on: [...ISTIO_DEFAULT_RETRY.retriableStatusCodes], methods: [...ALL_METHODS] };
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
      imp.note(nameOf(doc), 'unexpressed', `apiVersion ${api || 'unset'} is not an Istio or Gateway API version proxyproof reads`);
      continue;
    }
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
        imp.note(nameOf(doc), 'unexpressed', `${kind} has no proxyproof expectation`);
    }
  }
  return imp.finish();
}

function rank(order: string[], doc: Obj): number {
  const i = order.indexOf(str(doc.kind) ?? '');
  return i < 0 ? order.length : i;
}
