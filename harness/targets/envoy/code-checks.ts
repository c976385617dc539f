// What Envoy rejects in C++ while it builds a bootstrap, beyond its protos and
// their PGV rules: a short list, each from envoy@v1.34.1 (commit c435eecc,
// read through github.com/agrawroh/envoy; docs/targets/envoy.md):
//  1. a per-route local_ratelimit without token_bucket: "local rate limit token bucket must be set
//     for per filter configs" (source/extensions/filters/http/local_ratelimit/local_ratelimit.cc, FilterConfig);
//  2. a token bucket whose fill_interval is under 50 ms: "local rate limit token bucket fill timer
//     must be >= 50ms" (source/extensions/filters/common/local_ratelimit/local_ratelimit_impl.cc);
//  3. a negative Duration anywhere, or one past ~292 years: "Invalid duration: Expected positive duration"
//     (source/common/protobuf/utility.cc, validateDurationNoThrow) — checked where validate.ts reads Durations;
//  4. a route to a cluster the static config does not define, when the route table is static
//     (validate_clusters defaults to true there): "route: unknown cluster" / "unknown weighted cluster"
//     (source/common/router/config_impl.cc; source/common/rds/static_route_config_provider_impl.cc);
//  5. weighted clusters whose weights sum to 0: "Sum of weights in the weighted_cluster must be greater than 0."
//     (source/common/router/config_impl.cc);
//  6. the router not last, or a filter after it: "terminal filter ... must be the last filter" /
//     "non-terminal filter ... is the last filter" (source/common/config/utility.cc, validateTerminalFilters);
//  7. two clusters of one name: "cluster manager: duplicate cluster" (source/common/upstream/cluster_manager_impl.cc);
//  8. a route FilterConfig neither disabled nor with a config: "Empty route/virtual host per filter
//     configuration" (source/common/router/config_impl.cc, PerFilterConfigs);
//  9. basic_auth users that are not `name:{SHA}<28 base64 chars>` htpasswd lines, empty or duplicate names
//     (source/extensions/filters/http/basic_auth/config.cc, readHtpasswd);
// 10. an api_key_auth key source with none of header/query/cookie, or a credential key given twice
//     (source/extensions/filters/http/api_key_auth/api_key_auth.cc KeySources::Source, api_key_auth.h ApiKeyAuthConfig).

import { durationNanos } from './pgv.ts';

type J = Record<string, unknown>;
type Bad = (path: string, message: string) => void;

const T = {
  hcm: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  router: 'envoy.extensions.filters.http.router.v3.Router',
  localRateLimit: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  filterConfig: 'envoy.config.route.v3.FilterConfig',
  basicAuth: 'envoy.extensions.filters.http.basic_auth.v3.BasicAuth',
  basicAuthPerRoute: 'envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute',
  apiKeyAuth: 'envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth',
  apiKeyAuthPerRoute: 'envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuthPerRoute',
};

/** Envoy's longest Duration, in seconds (utility.cc kMaxSecondsValue). */
const MAX_DURATION_SECONDS = Math.floor((2 ** 63 - 1 - 999_999_999) / 1e9);

function obj(v: unknown): J {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as J) : {};
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function typeOf(v: unknown): string {
  const t = obj(v)['@type'];
  return typeof t === 'string' ? t.replace(/^.*\//, '') : '';
}

/** Envoy's own check on a Duration value (3 above): the problem, or undefined. */
export function durationProblem(text: unknown): string | undefined {
  const ns = durationNanos(text);
  if (ns === undefined) return undefined;
  if (ns < 0) return `Invalid duration: Expected positive duration: ${String(text)} (Envoy rejects negative Durations in every field: source/common/protobuf/utility.cc validateDurationNoThrow)`;
  if (ns / 1e9 > MAX_DURATION_SECONDS) return `Invalid duration: Duration out-of-range: ${String(text)} (source/common/protobuf/utility.cc validateDurationNoThrow)`;
  return undefined;
}

/** Every problem Envoy's constructors would raise (the list above, but for 3). */
export function codeChecks(boot: unknown): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const bad: Bad = (path, message) => out.push({ path, message });
  const sr = obj(obj(boot).static_resources);
  const clusters = clusterNames(arr(sr.clusters), '$.static_resources.clusters', bad);
  arr(sr.listeners).forEach((l, i) => {
    arr(obj(l).filter_chains).forEach((fc, j) => {
      arr(obj(fc).filters).forEach((f, k) => {
        const tc = obj(f).typed_config;
        if (typeOf(tc) === T.hcm) hcmChecks(obj(tc), `$.static_resources.listeners[${i}].filter_chains[${j}].filters[${k}].typed_config`, clusters, bad);
      });
    });
  });
  walkTyped(boot, '$', false, (v, p, perRoute) => typedChecks(v, p, perRoute, bad));
  return out;
}

function clusterNames(clusters: unknown[], p: string, bad: Bad): Set<string> {
  const names = new Set<string>();
  clusters.forEach((c, i) => {
    const name = obj(c).name;
    if (typeof name !== 'string') return;
    if (names.has(name)) bad(`${p}[${i}].name`, `cluster manager: duplicate cluster '${name}' (source/common/upstream/cluster_manager_impl.cc)`);
    names.add(name);
  });
  return names;
}

function hcmChecks(hcm: J, p: string, clusters: Set<string>, bad: Bad): void {
  const filters = arr(hcm.http_filters);
  filters.forEach((f, i) => {
    const isRouter = typeOf(obj(f).typed_config) === T.router;
    const last = i === filters.length - 1;
    const name = String(obj(f).name);
    if (isRouter && !last) bad(`${p}.http_filters[${i}]`, `terminal filter named ${name} must be the last filter in a http filter chain (source/common/config/utility.cc validateTerminalFilters)`);
    if (!isRouter && last) bad(`${p}.http_filters[${i}]`, `non-terminal filter named ${name} is the last filter in a http filter chain (source/common/config/utility.cc validateTerminalFilters)`);
  });
  const rc = obj(hcm.route_config);
  // A static route table checks its clusters unless validate_clusters is false (static_route_config_provider_impl.cc).
  const validate = rc.validate_clusters !== false;
  arr(rc.virtual_hosts).forEach((vh, i) => {
    arr(obj(vh).routes).forEach((r, j) => routeChecks(obj(obj(r).route), `${p}.route_config.virtual_hosts[${i}].routes[${j}].route`, validate ? clusters : undefined, bad));
  });
}

function routeChecks(action: J, p: string, clusters: Set<string> | undefined, bad: Bad): void {
  const cluster = action.cluster;
  if (clusters && typeof cluster === 'string' && cluster !== '' && !clusters.has(cluster)) {
    bad(`${p}.cluster`, `route: unknown cluster '${cluster}' (source/common/router/config_impl.cc)`);
  }
  if (action.weighted_clusters === undefined) return;
  const weighted = arr(obj(action.weighted_clusters).clusters);
  let total = 0;
  weighted.forEach((w, i) => {
    const cw = obj(w);
    total += typeof cw.weight === 'number' ? cw.weight : Number(cw.weight ?? 0) || 0;
    if (clusters && typeof cw.name === 'string' && cw.name !== '' && !clusters.has(cw.name)) {
      bad(`${p}.weighted_clusters.clusters[${i}].name`, `route: unknown weighted cluster '${cw.name}' (source/common/router/config_impl.cc)`);
    }
  });
  if (weighted.length && total === 0) bad(`${p}.weighted_clusters`, 'Sum of weights in the weighted_cluster must be greater than 0. (source/common/router/config_impl.cc)');
  if (total > 0xffffffff) bad(`${p}.weighted_clusters`, `The sum of weights of all weighted clusters exceeds ${0xffffffff} (source/common/router/config_impl.cc)`);
}

/** Visits every object with an @type (an Any), saying whether it is route-level (under typed_per_filter_config). */
function walkTyped(v: unknown, p: string, perRoute: boolean, fn: (v: J, p: string, perRoute: boolean) => void): void {
  if (Array.isArray(v)) return v.forEach((x, i) => walkTyped(x, `${p}[${i}]`, perRoute, fn));
  if (!v || typeof v !== 'object') return;
  const o = v as J;
  if (typeof o['@type'] === 'string') fn(o, p, perRoute);
  for (const [k, x] of Object.entries(o)) walkTyped(x, `${p}.${k}`, perRoute || k === 'typed_per_filter_config', fn);
}

function typedChecks(v: J, p: string, perRoute: boolean, bad: Bad): void {
  switch (typeOf(v)) {
    case T.filterConfig:
      if (v.disabled !== true && v.config === undefined) bad(p, 'Empty route/virtual host per filter configuration: set config or disabled: true (source/common/router/config_impl.cc PerFilterConfigs)');
      return;
    case T.localRateLimit:
      return localRateLimitChecks(v, p, perRoute, bad);
    case T.basicAuth:
      // The filter reads its users with allow_empty false, the per-route config with true (basic_auth/config.cc).
      if (obj(v.users).inline_string === '') bad(`${p}.users`, 'DataSource cannot be empty (source/common/config/datasource.cc read, from basic_auth/config.cc)');
      return htpasswdChecks(obj(v.users), `${p}.users`, bad);
    case T.basicAuthPerRoute:
      return htpasswdChecks(obj(v.users), `${p}.users`, bad);
    case T.apiKeyAuth:
    case T.apiKeyAuthPerRoute:
      return apiKeyAuthChecks(v, p, bad);
  }
}

function localRateLimitChecks(v: J, p: string, perRoute: boolean, bad: Bad): void {
  if (perRoute && v.token_bucket === undefined) {
    bad(p, 'local rate limit token bucket must be set for per filter configs: a route-level LocalRateLimit needs token_bucket, even when filter_enabled is 0% (source/extensions/filters/http/local_ratelimit/local_ratelimit.cc FilterConfig)');
  }
  const ns = durationNanos(obj(v.token_bucket).fill_interval);
  if (ns !== undefined && ns > 0 && ns < 50e6) {
    bad(`${p}.token_bucket.fill_interval`, 'local rate limit token bucket fill timer must be >= 50ms (source/extensions/filters/common/local_ratelimit/local_ratelimit_impl.cc)');
  }
}

/** basic_auth's htpasswd reader (basic_auth/config.cc readHtpasswd), on inline users; a file is not read here. */
function htpasswdChecks(users: J, p: string, bad: Bad): void {
  const text = typeof users.inline_string === 'string' ? users.inline_string : undefined;
  if (text === undefined) return;
  const seen = new Set<string>();
  const src = '(source/extensions/filters/http/basic_auth/config.cc readHtpasswd)';
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const at = `${p}.inline_string line ${i + 1}`;
    const colon = line.indexOf(':');
    if (colon < 0) return bad(at, `basic auth: invalid htpasswd format, username:password is expected ${src}`);
    const name = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (!name || !hash) return bad(at, `basic auth: empty user name or password ${src}`);
    if (seen.has(name)) return bad(at, `basic auth: duplicate users ${src}`);
    seen.add(name);
    if (!hash.startsWith('{SHA}')) return bad(at, `basic auth: unsupported htpasswd format: please use {SHA} ${src}`);
    if (hash.length - 5 !== 28) bad(at, `basic auth: invalid htpasswd format, invalid SHA hash length ${src}`);
  });
}

function apiKeyAuthChecks(v: J, p: string, bad: Bad): void {
  arr(v.key_sources).forEach((s, i) => {
    const ks = obj(s);
    if (!ks.header && !ks.query && !ks.cookie) bad(`${p}.key_sources[${i}]`, "One of 'header'/'query'/'cookie' must be set. (source/extensions/filters/http/api_key_auth/api_key_auth.cc KeySources::Source)");
  });
  // The key is a secret: the message names the credential that has it first, not the key.
  const first = new Map<unknown, number>();
  arr(v.credentials).forEach((c, i) => {
    const key = obj(c).key;
    const j = first.get(key);
    if (j !== undefined) bad(`${p}.credentials[${i}].key`, `Duplicated credential key: the key of credentials[${j}] (source/extensions/filters/http/api_key_auth/api_key_auth.h ApiKeyAuthConfig)`);
    else first.set(key, i);
  });
}
