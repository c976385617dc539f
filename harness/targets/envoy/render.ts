// Envoy target: an Envoy v3 bootstrap shaped like the one istiod gives a
// sidecar for the supported subset, rendered from the suite's policies:
//  - listener on {{listen}}, one HTTP connection manager, route per operation
//    (method + path regex), unmatched requests 404 (direct_response) once the
//    auth filters, which run on that route too, let them through; a suite with
//    routes gets the route list of routes.ts instead (first match wins, per
//    governed operation, each route's own policies; docs/targets/envoy.md §15);
//  - one cluster per upstream version (Istio's outbound|80|<subset>|<host>),
//    its endpoints the mock replicas on 127.0.0.1; a canary is
//    weighted_clusters, which Envoy picks at random per request;
//  - retry_policy as istiod writes it (retry_on, num_retries, per_try_timeout,
//    retriable_status_codes, previous_hosts predicate, host_selection_retry_max_attempts 5)
//    on the routes of the retried methods, with `reset` added to retry_on when
//    the suite gives a perTryTimeout (see retryOn); route timeout from the
//    suite's timeout (all tries together), else 0s (Istio's default: none);
//    include_request_attempt_count, as istiod sets it: x-envoy-attempt-count reaches the upstream;
//  - fault abort and delay per route (envoy.filters.http.fault), header-matched;
//  - JWT: jwt_authn (missing token allowed through, invalid -> 401) plus RBAC
//    requiring a verified payload on secured routes (missing -> 403), as
//    RequestAuthentication + AuthorizationPolicy do;
//  - API key and basic auth: Envoy 1.34's api_key_auth and basic_auth filters
//    (in the default build, alpha: docs/targets/envoy.md §11), turned off on
//    the routes of unsecured operations; an Istio sidecar has no API for them;
//  - local rate limit: one token bucket shared by the scoped routes, enabled
//    and enforced 100% (429 without Retry-After);
//  - admin on 127.0.0.1 port 0, its address written to <workdir>/admin.addr
//    (--admin-address-path): readiness is GET /ready there (200 LIVE).
// Envoy's local rate limit has no per-consumer or per-IP bucket without
// descriptors: those features are not declared.

import { createHash, createPublicKey } from 'node:crypto';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../model/errors.ts';
import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { readUserConfig } from '../shared/placeholders.ts';
import { canaryWeight, integerWeights, makePlan, type AuthPlan, type OpPlan, type Plan, type RoutePlan } from '../shared/plan.ts';
import { basicUser, headerName, headerValue, inSuite, noControl, places, regexSource, sanitizedName, schemeNameSource, type Source } from '../shared/values.ts';
import type { FaultRule } from '../../checks/fault/policy.ts';
import type { RateLimitPolicy } from '../../checks/rate-limit/policy.ts';
import type { RetryPolicy } from '../../checks/retry/policy.ts';
import type { TransformPolicy } from '../../checks/transform/policy.ts';
import { ISTIO_DEFAULT_RETRY } from './istio.ts';
import { validateEnvoyBootstrap } from './validate.ts';
import { any, clusterName, seconds, type J } from './json.ts';
import { routeTable } from './routes.ts';

/**
 * Request transformation on the virtual host: headers set (overwriting the
 * client's; % is a command operator, so doubled) and removed. JSON carries any
 * text, but Envoy refuses a header name that is not a token or a value with a
 * control character when it loads the config: those are InputErrors here.
 */
function transformOf(input: RenderInput): J {
  const t = input.suite.policies.transform;
  return t ? transformHeaders(t, (p) => inSuite(input, p)) : {};
}

/** request_headers_to_add/remove of a transform whose settings live where `at` says (the suite's, or a route's). */
function transformHeaders(t: TransformPolicy, at: (place: string) => Source): J {
  const out: J = {};
  const set = Object.entries(t.setHeaders).map(([key, value]) => {
    const src = at(places.setHeader(key));
    // HeaderValue.key and .value: PGV max_bytes 16384.
    if (Buffer.byteLength(key) > 16_384 || Buffer.byteLength(value) > 16_384) throw new InputError(src.file, src.place, 'Envoy takes header names and values of at most 16384 bytes');
    return { header: { key: headerName(key, src), value: headerValue(value, src).replace(/%/g, '%%') }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' };
  });
  if (set.length) out.request_headers_to_add = set;
  if (t.removeHeaders.length) out.request_headers_to_remove = t.removeHeaders.map((n, i) => headerName(n, at(places.removeHeader(i))));
  return out;
}

const MAIN_FILE = 'envoy.json';
const PAYLOAD_KEY = 'pp_jwt_payload';


/**
 * retry_on: Istio's default conditions (retriable-status-codes among them, for
 * the suite's statuses), plus `reset` when the suite gives a perTryTimeout.
 * Envoy ends a try that outlives per_try_timeout with a local reset and retries
 * it only when retry_on has reset, 5xx or gateway-error (envoy@v1.34.1
 * source/common/router/router.cc onPerTryTimeoutCommon -> maybeRetryReset(LocalReset);
 * source/common/router/retry_state_impl.cc wouldRetryFromReset). Istio's default
 * has none of them, so without `reset` a slow try ends the request with 504.
 * `reset` rather than 5xx or gateway-error: those would retry statuses the suite
 * does not name. Istio's own default policy has no per-try timeout (an imported
 * one keeps perTryTimeout only when its retryOn already retries a timed-out try),
 * so a policy with one is proxyproof's own expectation.
 */
export function retryOn(r: RetryPolicy): string {
  return r.perTryTimeoutMs === undefined ? ISTIO_DEFAULT_RETRY.retryOn : `${ISTIO_DEFAULT_RETRY.retryOn},reset`;
}

/** Retry policy as istiod renders it (route.RetryPolicy), for the statuses the policy (the suite's or a route's) names. */
function retryPolicy(r: RetryPolicy | undefined): J | undefined {
  if (!r || r.attempts === 0) return undefined;
  const policy: J = {
    retry_on: retryOn(r),
    num_retries: r.attempts,
    retriable_status_codes: r.on,
    retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: any('envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate', {}) }],
    host_selection_retry_max_attempts: '5',
  };
  if (r.perTryTimeoutMs !== undefined) policy.per_try_timeout = seconds(r.perTryTimeoutMs);
  return policy;
}

function jwksJson(plan: Plan): string {
  const jwt = plan.auth?.kind === 'bearer' ? plan.auth.jwt : undefined;
  if (!jwt) return '{"keys":[]}';
  if (jwt.alg === 'HS256') return JSON.stringify({ keys: [{ kty: 'oct', alg: 'HS256', k: Buffer.from(jwt.secret ?? '').toString('base64url') }] });
  return JSON.stringify({ keys: jwt.keys.map((k) => ({ ...(createPublicKey(k.pem).export({ format: 'jwk' }) as J), alg: 'RS256', ...(k.kid ? { kid: k.kid } : {}) })) });
}

type BearerAuth = Extract<AuthPlan, { kind: 'bearer' }>;
type ApiKeyAuth = Extract<AuthPlan, { kind: 'apiKey' }>;
type BasicAuth = Extract<AuthPlan, { kind: 'basic' }>;

/** The HTTP filter that authenticates each kind of scheme (JWT also has RBAC after it). */
const AUTH_FILTER: Record<AuthPlan['kind'], string> = {
  bearer: 'envoy.filters.http.jwt_authn',
  apiKey: 'envoy.filters.http.api_key_auth',
  basic: 'envoy.filters.http.basic_auth',
};

/** Envoy's local rate limit refuses a fill_interval under 50 ms (local_ratelimit_impl.cc). */
export const MIN_FILL_INTERVAL_MS = 50;
/** Envoy's fault filter aborts with 200..599 only (FaultAbort.http_status: PGV uint32 {gte: 200, lt: 600}). */
export const MIN_ABORT_STATUS = 200;

/** What every part of the bootstrap is rendered from: the suite's input, its plan and the policies Envoy renders. */
interface EnvoyContext {
  input: RenderInput;
  plan: Plan;
  auth: AuthPlan | undefined;
  faults: FaultRule[];
  /** The route retry_policy, on the routes of the retried methods. */
  retry: J | undefined;
  /** The rate limit when global: one bucket for the scoped routes. */
  rl: RateLimitPolicy | undefined;
}

function envoyContext(input: RenderInput): EnvoyContext {
  const plan = makePlan(input, 1000, 'envoy');
  // Envoy's local rate limit has one bucket per filter: other kinds are left out (their checks
  // report notSupported), as are what Envoy would refuse (envoyCannotRender says why).
  const rl = plan.rateLimit && renderableLimit(plan.rateLimit) ? plan.rateLimit : undefined;
  const faults = (input.suite.policies.fault?.rules ?? []).map((f) => (f.abort && f.abort.status < MIN_ABORT_STATUS ? { ...f, abort: undefined } : f));
  return { input, plan, auth: plan.auth, faults, retry: retryPolicy(plan.retry), rl };
}

/** Clusters: one per upstream version, endpoints = the mock replicas. */
function renderClusters(input: RenderInput): J[] {
  const clusters: J[] = [];
  for (const u of input.suite.upstreams) {
    for (const v of u.versions) {
      const eps = input.upstreams[u.name]?.[v] ?? [];
      clusters.push({
        name: clusterName(u.name, v),
        type: 'STATIC',
        connect_timeout: '2s',
        lb_policy: 'ROUND_ROBIN',
        load_assignment: {
          cluster_name: clusterName(u.name, v),
          endpoints: [{ lb_endpoints: eps.map((e) => ({ endpoint: { address: { socket_address: { address: e.host, port_value: e.port } } } })) }],
        },
      });
    }
  }
  return clusters;
}

/** The cluster an operation's route goes to: the canary's weighted clusters, else the upstream's first version. */
function routeTarget(input: RenderInput, upstream: string): J {
  const canary = input.suite.policies.canary;
  const u = input.suite.upstreams.find((x) => x.name === upstream)!;
  if (canary && canary.upstream === upstream) {
    const versions = u.versions.filter((v) => canaryWeight(input, v) > 0);
    const w = integerWeights(versions.map((v) => canaryWeight(input, v)), 10_000);
    return { weighted_clusters: { clusters: versions.map((v, i) => ({ name: clusterName(upstream, v), weight: w[i] })) } };
  }
  return { cluster: clusterName(upstream, u.versions[0]) };
}

/** Per-route fault config: abort and delay, on requests matching the rule's headers (names must be tokens). */
function routeFault(input: RenderInput, fault: FaultRule, rule: number): J {
  return any('envoy.extensions.filters.http.fault.v3.HTTPFault', {
    ...(fault.abort ? { abort: { http_status: fault.abort.status, percentage: { numerator: Math.round(fault.abort.percent * 10_000), denominator: 'MILLION' } } } : {}),
    ...(fault.delay ? { delay: { fixed_delay: seconds(fault.delay.fixedDelayMs), percentage: { numerator: Math.round(fault.delay.percent * 10_000), denominator: 'MILLION' } } } : {}),
    headers: fault.headers.map((h, k) => ({
      name: headerName(h.name, inSuite(input, places.faultHeader(rule, k, 'name'))),
      string_match: h.exact !== undefined ? { exact: h.exact } : h.prefix !== undefined ? { prefix: h.prefix } : { safe_regex: { regex: regexSource(h.regex ?? '.*', inSuite(input, places.faultHeader(rule, k, 'regex')), 'Envoy', true) } },
    })),
  });
}

/**
 * The local rate limit turned off on a route: filter_enabled 0% returns before
 * any bucket is used (local_ratelimit.cc decodeHeaders), but a route-level
 * LocalRateLimit must still carry a token_bucket or Envoy refuses the config
 * ("local rate limit token bucket must be set for per filter configs",
 * local_ratelimit.cc FilterConfig, condition per_route && !has_token_bucket):
 * so a valid, never used one. (FilterConfig disabled would do too; this keeps
 * the shape docs/targets/envoy.md §9 names.)
 */
function unlimited(): J {
  return any('envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', {
    stat_prefix: 'pp_unlimited',
    token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '1s' },
    filter_enabled: { runtime_key: 'pp_unlimited_enabled', default_value: { numerator: 0, denominator: 'HUNDRED' } },
  });
}

/** A filter off on one route (route.v3.FilterConfig disabled: config_impl.cc PerFilterConfigs). */
function disabled(): J {
  return any('envoy.config.route.v3.FilterConfig', { disabled: true });
}

/** typed_per_filter_config of an operation's route: its fault, and the auth and rate limit filters turned off where the operation is not in scope. */
function perFilterConfig(ctx: EnvoyContext, o: OpPlan): J {
  return filtersFor(ctx, undefined, o);
}

/**
 * The fault of a route's Envoy routes: the route's own (one rule, aborts under
 * 200 left out as for the suite's, envoyCannotRender says why), else the
 * suite's rule for the route's upstream.
 */
function faultFor(ctx: EnvoyContext, rp: RoutePlan | undefined, upstream: string): J | undefined {
  const own = rp?.policies.fault?.rules[0];
  if (own) {
    const rule = own.abort && own.abort.status < MIN_ABORT_STATUS ? { ...own, abort: undefined } : own;
    return rule.abort || rule.delay ? routeFault(ctx.input, rule, 0) : undefined;
  }
  const rule = ctx.faults.findIndex((f) => f.upstream === upstream);
  return rule >= 0 && (ctx.faults[rule].abort || ctx.faults[rule].delay) ? routeFault(ctx.input, ctx.faults[rule], rule) : undefined;
}

/**
 * The local rate limit on an Envoy route: a route's own limit is its own token
 * bucket (a per-route LocalRateLimit with a token_bucket has its own bucket:
 * local_ratelimit.cc FilterConfig), enabled and enforced; else the suite's
 * shared bucket where the operation is in its scope (a request of no operation:
 * when the limit names no operations), turned off elsewhere.
 */
function rateLimitFor(ctx: EnvoyContext, rp: RoutePlan | undefined, o: OpPlan | undefined): J | undefined {
  const own = rp?.policies.rateLimit;
  if (own && renderableLimit(own)) return rateLimitConfig(own, `pp_route_${rp!.key}`);
  if (!ctx.rl) return undefined;
  const scoped = o ? o.rateLimited : ctx.rl.operations === undefined;
  return scoped ? undefined : unlimited();
}

/** typed_per_filter_config of an Envoy route: fault, auth off where the operation is not secured, rate limit scope. */
function filtersFor(ctx: EnvoyContext, rp: RoutePlan | undefined, o: OpPlan | undefined): J {
  const perFilter: J = {};
  const fault = faultFor(ctx, rp, rp?.route.to.upstream ?? o!.upstream);
  if (fault) perFilter['envoy.filters.http.fault'] = fault;
  if (ctx.auth && o && !o.secured) {
    if (ctx.auth.kind === 'bearer') {
      perFilter['envoy.filters.http.jwt_authn'] = any('envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig', { disabled: true });
      perFilter['envoy.filters.http.rbac'] = any('envoy.extensions.filters.http.rbac.v3.RBACPerRoute', {});
    } else perFilter[AUTH_FILTER[ctx.auth.kind]] = disabled();
  }
  const rl = rateLimitFor(ctx, rp, o);
  if (rl) perFilter['envoy.filters.http.local_ratelimit'] = rl;
  return perFilter;
}

/** One route per operation: method + path regex, its cluster(s), timeout, retry policy and per-filter config. */
function renderRoute(ctx: EnvoyContext, o: OpPlan): J {
  const timeout = ctx.input.suite.policies.timeout;
  // Route timeout: all tries together, as Istio's VirtualService timeout (0s, none, when silent).
  const action: J = { ...routeTarget(ctx.input, o.upstream), timeout: timeout ? seconds(timeout.requestMs) : '0s' };
  if (ctx.retry && ctx.plan.retry!.methods.includes(o.op.method)) action.retry_policy = ctx.retry;
  const perFilter = perFilterConfig(ctx, o);
  const route: J = {
    // The operationId is free text: only its name-safe characters reach the route name.
    name: `${o.key}-${sanitizedName(o.op.id)}`,
    match: { safe_regex: { regex: o.op.pathRegex }, headers: [{ name: ':method', string_match: { exact: o.op.method } }] },
    route: action,
    ...routeHeaders(ctx, undefined),
  };
  if (Object.keys(perFilter).length) route.typed_per_filter_config = perFilter;
  return route;
}

/**
 * With routes, the transform goes on each Envoy route rather than the virtual
 * host: a route's own replaces the suite's, and virtual host headers would
 * overwrite it ("Headers specified at this level are applied before headers
 * from the enclosing VirtualHost", route_components.proto Route.request_headers_to_add;
 * "Later header mutations may override earlier mutations", route.proto).
 */
function routeHeaders(ctx: EnvoyContext, rp: RoutePlan | undefined): J {
  if (!ctx.plan.routes.length) return {};
  const own = rp?.policies.transform;
  if (own) return transformHeaders(own, (p) => ({ file: rp!.route.origin.file, place: `${rp!.route.origin.place}.transform.${p.replace(/^policies\.transform\.request\./, '')}` }));
  return transformOf(ctx.input);
}

/** The route's own timeout, else the suite's; 0s (none, Istio's default) when neither. */
function timeoutFor(ctx: EnvoyContext, rp: RoutePlan | undefined): string {
  const t = rp?.policies.timeout ?? ctx.input.suite.policies.timeout;
  return t ? seconds(t.requestMs) : '0s';
}

/** The operations' routes, then a 404 for any request no operation matches. */
function renderRoutes(ctx: EnvoyContext): J[] {
  if (ctx.plan.routes.length) {
    return routeTable({
      input: ctx.input,
      plan: ctx.plan,
      opRoute: (o) => renderRoute(ctx, o),
      filters: (rp, o) => filtersFor(ctx, rp, o),
      retry: retryPolicy,
      timeout: (rp) => timeoutFor(ctx, rp),
      headers: (rp) => routeHeaders(ctx, rp),
    });
  }
  const routes = ctx.plan.ops.map((o) => renderRoute(ctx, o));
  routes.push({ name: 'pp-unmatched', match: { prefix: '/' }, direct_response: { status: 404, body: { inline_string: 'no operation of the spec matches\n' } } });
  return routes;
}

/** jwt_authn (verified payload into metadata) and RBAC requiring that payload, as RequestAuthentication + AuthorizationPolicy. */
function jwtFilters(auth: BearerAuth, plan: Plan): J[] {
  const jwt = auth.jwt;
  const authn: J = {
    name: 'envoy.filters.http.jwt_authn',
    typed_config: any('envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication', {
      providers: {
        proxyproof: {
          ...(jwt?.issuer ? { issuer: jwt.issuer } : {}),
          local_jwks: { inline_string: jwksJson(plan) },
          forward: true,
          payload_in_metadata: PAYLOAD_KEY,
        },
      },
      // Istio: a missing token passes jwt_authn (RBAC decides), an invalid one is 401.
      rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'proxyproof' }, { allow_missing: {} }] } } }],
    }),
  };
  const rbac: J = {
    name: 'envoy.filters.http.rbac',
    typed_config: any('envoy.extensions.filters.http.rbac.v3.RBAC', {
      rules: {
        action: 'ALLOW',
        policies: {
          'require-jwt': {
            permissions: [{ any: true }],
            principals: [{ metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: PAYLOAD_KEY }], value: { present_match: true } } }],
          },
        },
      },
    }),
  };
  return [authn, rbac];
}

/**
 * api_key_auth: the key from the scheme's header, query parameter or cookie,
 * matched exactly against the valid consumers' keys (client = consumer name);
 * a missing or unknown key is 401 "Client authentication failed."
 * (api_key_auth.cc decodeHeaders). A header value's "Bearer " prefix is
 * stripped first. Envoy refuses an empty key (PGV min_len 1) and a key given
 * twice ("Duplicated credential key", api_key_auth.h): InputErrors here.
 */
function apiKeyFilter(input: RenderInput, auth: ApiKeyAuth): J {
  const src = schemeNameSource(input, auth.schemeName);
  const name = auth.in === 'header' ? headerName(auth.name, src) : noControl(auth.name, src, `Envoy's api_key_auth ${auth.in} name`);
  if (name.length > 1024) throw new InputError(src.file, src.place, `Envoy's api_key_auth takes a ${auth.in} name of at most 1024 characters`);
  const owner = new Map<string, string>();
  const credentials = auth.validKeys.map((k) => {
    const place = inSuite(input, places.apiKey(k.consumer));
    if (k.key === '') throw new InputError(place.file, place.place, "Envoy's api_key_auth refuses an empty key");
    const other = owner.get(k.key);
    if (other) throw new InputError(place.file, place.place, `the same key as consumer ${other}: Envoy's api_key_auth refuses a key given twice`);
    owner.set(k.key, k.consumer);
    return { key: k.key, client: k.consumer };
  });
  return { name: AUTH_FILTER.apiKey, typed_config: any('envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth', { credentials, key_sources: [{ [auth.in]: name }] }) };
}

/**
 * basic_auth: the valid consumers as htpasswd {SHA} lines (the only format
 * Envoy reads: basic_auth/config.cc readHtpasswd); a wrong or missing
 * credential is 401 with WWW-Authenticate. A user name that is empty, has ":"
 * or a control character, starts with "#" (a comment line there) or repeats
 * ("duplicate users") is an InputError. With no valid user the text is one
 * comment line, since an empty DataSource is refused (datasource.cc).
 */
function basicAuthFilter(input: RenderInput, auth: BasicAuth): J {
  const seen = new Set<string>();
  const lines = auth.users.map((u) => {
    const src = inSuite(input, places.basicUser(u.consumer));
    const user = noControl(basicUser(u.user, src), src, "Envoy's htpasswd");
    if (user.startsWith('#')) throw new InputError(src.file, src.place, "Envoy's basic_auth reads a line starting with # as a comment: a user name cannot start with #");
    if (seen.has(user)) throw new InputError(src.file, src.place, `user ${user} is given twice: Envoy's basic_auth refuses duplicate users`);
    seen.add(user);
    return `${user}:{SHA}${createHash('sha1').update(u.password, 'utf8').digest('base64')}`;
  });
  const users = lines.length ? lines.join('\n') : '# no valid consumer has basic credentials';
  return { name: AUTH_FILTER.basic, typed_config: any('envoy.extensions.filters.http.basic_auth.v3.BasicAuth', { users: { inline_string: users } }) };
}

/** The filters that authenticate the suite's scheme. */
function authFilters(input: RenderInput, auth: AuthPlan, plan: Plan): J[] {
  if (auth.kind === 'bearer') return jwtFilters(auth, plan);
  return [auth.kind === 'apiKey' ? apiKeyFilter(input, auth) : basicAuthFilter(input, auth)];
}

/** The local rate limit: one token bucket shared by the scoped routes, enabled and enforced 100%. */
function rateLimitFilter(rl: RateLimitPolicy): J {
  return { name: 'envoy.filters.http.local_ratelimit', typed_config: rateLimitConfig(rl, 'pp_local_rate_limit') };
}

/** A LocalRateLimit with the limit's token bucket, enabled and enforced 100%. */
function rateLimitConfig(rl: RateLimitPolicy, statPrefix: string): J {
  return any('envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', {
    stat_prefix: statPrefix,
    token_bucket: { max_tokens: rl.limit, tokens_per_fill: rl.limit, fill_interval: seconds(rl.windowMs) },
    filter_enabled: { runtime_key: 'pp_rl_enabled', default_value: { numerator: 100, denominator: 'HUNDRED' } },
    filter_enforced: { runtime_key: 'pp_rl_enforced', default_value: { numerator: 100, denominator: 'HUNDRED' } },
  });
}

/** A limit Envoy's local rate limit carries: one bucket (global) with a fill_interval of at least 50 ms. */
export function renderableLimit(rl: RateLimitPolicy): boolean {
  return rl.by === 'global' && rl.windowMs >= MIN_FILL_INTERVAL_MS;
}

/** The HTTP filter chain: authentication (JWT + RBAC, API key or basic), fault, local rate limit, router last. */
function httpFilters(ctx: EnvoyContext): J[] {
  const filters: J[] = [];
  if (ctx.auth) filters.push(...authFilters(ctx.input, ctx.auth, ctx.plan));
  const routes = ctx.plan.routes.map((r) => r.policies);
  if (ctx.faults.length || routes.some((p) => p.fault)) filters.push({ name: 'envoy.filters.http.fault', typed_config: any('envoy.extensions.filters.http.fault.v3.HTTPFault', {}) });
  if (ctx.rl) filters.push(rateLimitFilter(ctx.rl));
  // Only routes' own limits: the filter is off (0%) but for the routes whose per-route config turns their bucket on.
  else if (routes.some((p) => p.rateLimit && renderableLimit(p.rateLimit))) filters.push({ name: 'envoy.filters.http.local_ratelimit', typed_config: unlimited() });
  filters.push({ name: 'envoy.filters.http.router', typed_config: any('envoy.extensions.filters.http.router.v3.Router', {}) });
  return filters;
}

/** The listener on {{listen}}: one HTTP connection manager with the routes and filters. */
function renderListener(input: RenderInput, routes: J[], filters: J[], vhostHeaders: J): J {
  return {
    name: 'pp_in',
    address: { socket_address: { address: input.listen.host, port_value: input.listen.port } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: any('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', {
              stat_prefix: 'pp_in',
              access_log: [{ name: 'envoy.access_loggers.stdout', typed_config: any('envoy.extensions.access_loggers.stream.v3.StdoutAccessLog', {}) }],
              route_config: { name: 'pp_routes', virtual_hosts: [{ name: 'pp', domains: ['*'], routes, include_request_attempt_count: true, ...vhostHeaders }] },
              http_filters: filters,
            }),
          },
        ],
      },
    ],
  };
}

export function renderEnvoyBootstrap(input: RenderInput): J {
  const ctx = envoyContext(input);
  const clusters = renderClusters(input);
  const listener = renderListener(input, renderRoutes(ctx), httpFilters(ctx), ctx.plan.routes.length ? {} : transformOf(input));
  // Istio splits the node id at ~ and dots: the suite name is free text, so only letters, digits, _ and - go in.
  const name = input.suite.name.replace(/[^A-Za-z0-9_-]/g, '_');
  return {
    node: { id: `sidecar~127.0.0.1~proxyproof.${name}~proxyproof.svc.cluster.local`, cluster: name },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: { listeners: [listener], clusters },
  };
}

/** Where Envoy writes its admin listener's address (index.ts readiness reads it). */
export const ADMIN_ADDRESS_FILE = 'admin.addr';

/**
 * Envoy's command. --admin-address-path: once the admin listener is bound Envoy
 * writes its address (port 0 made real) to that file (options_impl.cc;
 * admin.cc startHttpListener), where readiness finds GET /ready: 200 LIVE once
 * initialised (server_info_handler.cc handlerReady).
 */
function commands(bin: string, workdir: string, mainFile: string) {
  const file = path.join(workdir, mainFile);
  return {
    command: {
      bin,
      args: ['-c', file, '--log-level', 'info', '--base-id-path', path.join(workdir, 'base-id'), '--use-dynamic-base-id', '--admin-address-path', path.join(workdir, ADMIN_ADDRESS_FILE)],
    },
    checkCommand: { bin, args: ['--mode', 'validate', '-c', file] },
  };
}

export function renderEnvoy(input: RenderInput, bin: string): RenderedConfig {
  const bootstrap = renderEnvoyBootstrap(input);
  const problems = validateEnvoyBootstrap(bootstrap);
  if (problems.length) throw new Error(`internal: rendered Envoy config breaks Envoy's API: ${problems[0].path}: ${problems[0].message}`);
  return { target: 'envoy', mainFile: MAIN_FILE, files: { [MAIN_FILE]: `${JSON.stringify(bootstrap, null, 2)}\n` }, ...commands(bin, input.workdir, MAIN_FILE) };
}

/**
 * Readiness is GET /ready on the admin listener (index.ts): a bootstrap
 * without an admin address never writes admin.addr, so it is an InputError
 * here rather than a start that times out. Text that does not parse is left
 * to Envoy's own config check.
 */
function requireAdmin(content: string, configFile: string): void {
  let doc: unknown;
  try {
    doc = parseYaml(content);
  } catch {
    return;
  }
  if (!doc || typeof doc !== 'object') return;
  const admin = (doc as { admin?: { address?: unknown } }).admin;
  if (!admin?.address) {
    throw new InputError(configFile, 'admin', 'proxyproof waits for Envoy on its admin /ready: add admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }');
  }
}

/** The user's own bootstrap (JSON or YAML) with placeholders; it must have an admin address (readiness). */
export function envoyFromUserConfig(input: RenderInput, configFile: string, bin: string): RenderedConfig & { sourceFile: string } {
  const { content, mainFile } = readUserConfig(input, configFile, 'Envoy');
  requireAdmin(content, configFile);
  return { target: 'envoy', mainFile, files: { [mainFile]: content }, ...commands(bin, input.workdir, mainFile), sourceFile: configFile };
}
