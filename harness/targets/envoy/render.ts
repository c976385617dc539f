// Envoy target: an Envoy v3 bootstrap shaped like the one istiod gives a
// sidecar for the supported subset, rendered from the suite's policies:
//  - listener on {{listen}}, one HTTP connection manager, route per operation
//    (method + path regex), unmatched requests 404 (direct_response);
//  - one cluster per upstream version (Istio's outbound|80|<subset>|<host>),
//    its endpoints the mock replicas on 127.0.0.1; a canary is
//    weighted_clusters, which Envoy picks at random per request;
//  - retry_policy as istiod writes it (retry_on, num_retries, per_try_timeout,
//    retriable_status_codes, previous_hosts predicate, host_selection_retry_max_attempts 5)
//    on the routes of the retried methods; route timeout from the suite's timeout
//    (all tries together), else 0s (Istio's default: none);
//    include_request_attempt_count, as istiod sets it: x-envoy-attempt-count reaches the upstream;
//  - fault abort and delay per route (envoy.filters.http.fault), header-matched;
//  - JWT: jwt_authn (missing token allowed through, invalid -> 401) plus RBAC
//    requiring a verified payload on secured routes (missing -> 403), as
//    RequestAuthentication + AuthorizationPolicy do;
//  - local rate limit: one token bucket shared by the scoped routes, enabled
//    and enforced 100% (429 without Retry-After).
// Envoy has no API-key or basic auth filter, and its local rate limit has no
// per-consumer bucket without descriptors: those features are not declared.

import { createPublicKey } from 'node:crypto';
import path from 'node:path';
import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { readUserConfig } from '../shared/placeholders.ts';
import { canaryWeight, integerWeights, makePlan, type AuthPlan, type OpPlan, type Plan } from '../shared/plan.ts';
import { headerName, headerValue, inSuite, places, regexSource, sanitizedName } from '../shared/values.ts';
import type { FaultRule } from '../../checks/fault/policy.ts';
import type { RateLimitPolicy } from '../../checks/rate-limit/policy.ts';
import { ISTIO_DEFAULT_RETRY } from './istio.ts';
import { validateEnvoyBootstrap } from './validate.ts';

/**
 * Request transformation on the virtual host: headers set (overwriting the
 * client's; % is a command operator, so doubled) and removed. JSON carries any
 * text, but Envoy refuses a header name that is not a token or a value with a
 * control character when it loads the config: those are InputErrors here.
 */
function transformOf(input: RenderInput): J {
  const t = input.suite.policies.transform;
  if (!t) return {};
  const out: J = {};
  const set = Object.entries(t.setHeaders).map(([key, value]) => {
    const src = inSuite(input, places.setHeader(key));
    return { header: { key: headerName(key, src), value: headerValue(value, src).replace(/%/g, '%%') }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' };
  });
  if (set.length) out.request_headers_to_add = set;
  if (t.removeHeaders.length) out.request_headers_to_remove = t.removeHeaders.map((n, i) => headerName(n, inSuite(input, places.removeHeader(i))));
  return out;
}

const MAIN_FILE = 'envoy.json';
const PAYLOAD_KEY = 'pp_jwt_payload';

type J = Record<string, unknown>;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}

function clusterName(upstream: string, version: string): string {
  return `outbound|80|${version}|${upstream}`;
}

function any(type: string, value: J): J {
  return { '@type': `type.googleapis.com/${type}`, ...value };
}

/** Retry policy as istiod renders it (route.RetryPolicy), for the statuses the suite names. */
function retryPolicy(plan: Plan): J | undefined {
  const r = plan.retry;
  if (!r || r.attempts === 0) return undefined;
  const policy: J = {
    retry_on: ISTIO_DEFAULT_RETRY.retryOn,
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

/** What every part of the bootstrap is rendered from: the suite's input, its plan and the policies Envoy renders. */
interface EnvoyContext {
  input: RenderInput;
  plan: Plan;
  /** JWT auth, the only kind rendered. */
  auth: BearerAuth | undefined;
  faults: FaultRule[];
  /** The route retry_policy, on the routes of the retried methods. */
  retry: J | undefined;
  /** The rate limit when global: one bucket for the scoped routes. */
  rl: RateLimitPolicy | undefined;
}

function envoyContext(input: RenderInput): EnvoyContext {
  const plan = makePlan(input, 1000, 'envoy');
  // Envoy (as an Istio sidecar) authenticates JWTs only, and its local rate limit
  // has one bucket per filter: other kinds are left out (their checks report notSupported).
  const auth = plan.auth?.kind === 'bearer' ? plan.auth : undefined;
  const faults = input.suite.policies.fault?.rules ?? [];
  const rl = plan.rateLimit?.by === 'global' ? plan.rateLimit : undefined;
  return { input, plan, auth, faults, retry: retryPolicy(plan), rl };
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

/** typed_per_filter_config of an operation's route: its fault, and the JWT and rate limit filters turned off where the operation is not in scope. */
function perFilterConfig(ctx: EnvoyContext, o: OpPlan): J {
  const perFilter: J = {};
  const rule = ctx.faults.findIndex((f) => f.upstream === o.upstream);
  if (rule >= 0) perFilter['envoy.filters.http.fault'] = routeFault(ctx.input, ctx.faults[rule], rule);
  if (ctx.auth && !o.secured) {
    perFilter['envoy.filters.http.jwt_authn'] = any('envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig', { disabled: true });
    perFilter['envoy.filters.http.rbac'] = any('envoy.extensions.filters.http.rbac.v3.RBACPerRoute', {});
  }
  if (ctx.rl && !o.rateLimited) {
    perFilter['envoy.filters.http.local_ratelimit'] = any('envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', {
      stat_prefix: 'pp_unlimited',
      filter_enabled: { runtime_key: 'pp_unlimited_enabled', default_value: { numerator: 0, denominator: 'HUNDRED' } },
    });
  }
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
  };
  if (Object.keys(perFilter).length) route.typed_per_filter_config = perFilter;
  return route;
}

/** The operations' routes, then a 404 for any request no operation matches. */
function renderRoutes(ctx: EnvoyContext): J[] {
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

/** The local rate limit: one token bucket shared by the scoped routes, enabled and enforced 100%. */
function rateLimitFilter(rl: RateLimitPolicy): J {
  return {
    name: 'envoy.filters.http.local_ratelimit',
    typed_config: any('envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', {
      stat_prefix: 'pp_local_rate_limit',
      token_bucket: { max_tokens: rl.limit, tokens_per_fill: rl.limit, fill_interval: seconds(rl.windowMs) },
      filter_enabled: { runtime_key: 'pp_rl_enabled', default_value: { numerator: 100, denominator: 'HUNDRED' } },
      filter_enforced: { runtime_key: 'pp_rl_enforced', default_value: { numerator: 100, denominator: 'HUNDRED' } },
    }),
  };
}

/** The HTTP filter chain: JWT + RBAC, fault, local rate limit, router last. */
function httpFilters(ctx: EnvoyContext): J[] {
  const filters: J[] = [];
  if (ctx.auth) filters.push(...jwtFilters(ctx.auth, ctx.plan));
  if (ctx.faults.length) filters.push({ name: 'envoy.filters.http.fault', typed_config: any('envoy.extensions.filters.http.fault.v3.HTTPFault', {}) });
  if (ctx.rl) filters.push(rateLimitFilter(ctx.rl));
  filters.push({ name: 'envoy.filters.http.router', typed_config: any('envoy.extensions.filters.http.router.v3.Router', {}) });
  return filters;
}

/** The listener on {{listen}}: one HTTP connection manager with the routes and filters. */
function renderListener(input: RenderInput, routes: J[], filters: J[]): J {
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
              route_config: { name: 'pp_routes', virtual_hosts: [{ name: 'pp', domains: ['*'], routes, include_request_attempt_count: true, ...transformOf(input) }] },
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
  const listener = renderListener(input, renderRoutes(ctx), httpFilters(ctx));
  // Istio splits the node id at ~ and dots: the suite name is free text, so only letters, digits, _ and - go in.
  const name = input.suite.name.replace(/[^A-Za-z0-9_-]/g, '_');
  return {
    node: { id: `sidecar~127.0.0.1~proxyproof.${name}~proxyproof.svc.cluster.local`, cluster: name },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: { listeners: [listener], clusters },
  };
}

function commands(bin: string, workdir: string, mainFile: string) {
  const file = path.join(workdir, mainFile);
  return {
    command: { bin, args: ['-c', file, '--log-level', 'info', '--base-id-path', path.join(workdir, 'base-id'), '--use-dynamic-base-id'] },
    checkCommand: { bin, args: ['--mode', 'validate', '-c', file] },
  };
}

export function renderEnvoy(input: RenderInput, bin: string): RenderedConfig {
  const bootstrap = renderEnvoyBootstrap(input);
  const problems = validateEnvoyBootstrap(bootstrap);
  if (problems.length) throw new Error(`internal: rendered Envoy config breaks Envoy's API: ${problems[0].path}: ${problems[0].message}`);
  return { target: 'envoy', mainFile: MAIN_FILE, files: { [MAIN_FILE]: `${JSON.stringify(bootstrap, null, 2)}\n` }, ...commands(bin, input.workdir, MAIN_FILE) };
}

/** The user's own bootstrap (JSON or YAML) with placeholders; validated against the protos too. */
export function envoyFromUserConfig(input: RenderInput, configFile: string, bin: string): RenderedConfig & { sourceFile: string } {
  const { content, mainFile } = readUserConfig(input, configFile, 'Envoy');
  return { target: 'envoy', mainFile, files: { [mainFile]: content }, ...commands(bin, input.workdir, mainFile), sourceFile: configFile };
}
