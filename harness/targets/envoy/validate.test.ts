// The Envoy validator by Envoy's own rules: renders broken on purpose that
// the protos' structure alone let through (protoStructureProblems finds
// nothing), and that the PGV rules or Envoy's constructor checks now refuse,
// each with the field's JSON path.

import { describe, expect, it } from 'vitest';
import { exampleInput } from '../../testing/examples.ts';
import { renderEnvoyBootstrap } from './render.ts';
import { protoStructureProblems, validateEnvoyBootstrap } from './validate.ts';
import { rangeProblem, stringProblems } from './pgv.ts';

type J = Record<string, any>;

/** The example petstore suite with a global rate limit on listPets, a perTryTimeout and a 90/10 canary. */
function boot(): J {
  const input = exampleInput('/tmp/pp-envoy-validate', { host: '127.0.0.1', port: 8080 });
  input.suite.policies.rateLimit = { limit: 5, windowMs: 1000, by: 'global', operations: ['listPets'] };
  return renderEnvoyBootstrap(input) as J;
}

const hcm = (b: J): J => b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const routes = (b: J): J[] => hcm(b).route_config.virtual_hosts[0].routes;
const filter = (b: J, name: string): J => hcm(b).http_filters.find((f: J) => f.name === name).typed_config;
const ROUTE0 = '$.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0]';

/** The broken render's problems, after checking the protos' structure alone found none. */
function onlyEnvoyRulesFind(b: J): string {
  expect(protoStructureProblems(b)).toEqual([]);
  return validateEnvoyBootstrap(b).map((p) => `${p.path}: ${p.message}`).join('\n');
}

describe('the example render passes every layer', () => {
  it('protos, PGV rules and constructor checks: no problem', () => {
    expect(validateEnvoyBootstrap(boot())).toEqual([]);
  });
});

describe('broken renders the proto check alone missed, with their field path', () => {
  it('1. a Cluster with an empty name (PGV string.min_len 1 on Cluster.name)', () => {
    const b = boot();
    b.static_resources.clusters[0].name = '';
    expect(onlyEnvoyRulesFind(b)).toMatch(/^\$\.static_resources\.clusters\[0\]\.name: value length must be at least 1 characters \(PGV rule on envoy\.config\.cluster\.v3\.Cluster\.name\)$/m);
    // Left out, proto3 reads it as "": the same rule.
    delete b.static_resources.clusters[0].name;
    expect(onlyEnvoyRulesFind(b)).toMatch(/clusters\[0\]\.name: value length must be at least 1 characters/);
  });

  it('2. a TokenBucket with max_tokens 0 (PGV uint32.gt 0 on TokenBucket.max_tokens)', () => {
    const b = boot();
    filter(b, 'envoy.filters.http.local_ratelimit').token_bucket.max_tokens = 0;
    expect(onlyEnvoyRulesFind(b)).toMatch(/http_filters\[\d\]\.typed_config\.token_bucket\.max_tokens: value must be > 0 \(PGV rule on envoy\.type\.v3\.TokenBucket\.max_tokens\)/);
  });

  it('3. a RouteAction with no cluster specifier (PGV oneof cluster_specifier required)', () => {
    const b = boot();
    delete routes(b)[0].route.weighted_clusters;
    expect(onlyEnvoyRulesFind(b)).toContain(`${ROUTE0}.route: oneof cluster_specifier is required: set one of cluster, cluster_header, weighted_clusters`);
  });

  it('4. a WeightedCluster with no clusters (PGV repeated.min_items 1)', () => {
    const b = boot();
    routes(b)[0].route.weighted_clusters.clusters = [];
    expect(onlyEnvoyRulesFind(b)).toContain(`${ROUTE0}.route.weighted_clusters.clusters: value must contain at least 1 item(s) (PGV rule on envoy.config.route.v3.WeightedCluster.clusters)`);
  });

  it('5. a negative per_try_timeout (no PGV rule there; Envoy refuses any negative Duration: utility.cc)', () => {
    const b = boot();
    routes(b)[0].route.retry_policy.per_try_timeout = '-1s';
    expect(onlyEnvoyRulesFind(b)).toContain(`${ROUTE0}.route.retry_policy.per_try_timeout: Invalid duration: Expected positive duration: -1s`);
  });

  it('6. a per-route LocalRateLimit without token_bucket (local_ratelimit.cc), the shape the renderer used to write', () => {
    const b = boot();
    const unlimited = routes(b).find((r) => r.typed_per_filter_config?.['envoy.filters.http.local_ratelimit']);
    delete unlimited!.typed_per_filter_config['envoy.filters.http.local_ratelimit'].token_bucket;
    expect(onlyEnvoyRulesFind(b)).toMatch(/typed_per_filter_config\.envoy\.filters\.http\.local_ratelimit: local rate limit token bucket must be set for per filter configs.*local_ratelimit\.cc/);
  });

  it('7. a fill_interval of 10 ms (local_ratelimit_impl.cc: >= 50ms)', () => {
    const b = boot();
    filter(b, 'envoy.filters.http.local_ratelimit').token_bucket.fill_interval = '0.010s';
    expect(onlyEnvoyRulesFind(b)).toMatch(/token_bucket\.fill_interval: local rate limit token bucket fill timer must be >= 50ms/);
  });

  it('8. a route to a cluster that does not exist, weights summing to 0, the router not last, a cluster twice', () => {
    const b = boot();
    routes(b)[0].route.weighted_clusters.clusters[0].name = 'outbound|80|v9|petstore';
    routes(b)[0].route.weighted_clusters.clusters.forEach((c: J) => (c.weight = 0));
    hcm(b).http_filters.reverse();
    b.static_resources.clusters.push({ ...b.static_resources.clusters[0] });
    const problems = onlyEnvoyRulesFind(b);
    expect(problems).toContain(`${ROUTE0}.route.weighted_clusters.clusters[0].name: route: unknown weighted cluster 'outbound|80|v9|petstore'`);
    expect(problems).toContain(`${ROUTE0}.route.weighted_clusters: Sum of weights in the weighted_cluster must be greater than 0.`);
    expect(problems).toMatch(/http_filters\[0\]: terminal filter named envoy\.filters\.http\.router must be the last filter/);
    expect(problems).toMatch(/clusters\[2\]\.name: cluster manager: duplicate cluster/);
  });

  it('9. PGV bounds and header rules: a port over 65535, a 0s connect_timeout, a header name with a newline', () => {
    const b = boot();
    b.static_resources.listeners[0].address.socket_address.port_value = 70000;
    b.static_resources.clusters[0].connect_timeout = '0s';
    hcm(b).route_config.virtual_hosts[0].request_headers_to_remove = ['X-A\nB'];
    const problems = onlyEnvoyRulesFind(b);
    expect(problems).toMatch(/socket_address\.port_value: value must be <= 65535/);
    expect(problems).toMatch(/clusters\[0\]\.connect_timeout: value must be > 0s/);
    expect(problems).toMatch(/request_headers_to_remove\[0\]: value must be a header name without NUL, CR or LF/);
  });
});

describe('api_key_auth: not in the shipped protos, checked by hand against the 1.34 proto', () => {
  it('the rendered filter passes; an unknown field, an empty key, a key source with nothing set and a key twice do not', () => {
    const b = boot();
    const cfg = filter(b, 'envoy.filters.http.api_key_auth');
    expect(cfg.key_sources).toEqual([{ header: 'X-API-Key' }]);
    expect(validateEnvoyBootstrap(b)).toEqual([]);
    cfg.key_source = [];
    cfg.credentials.push({ key: '', client: 'eve' }, { key: cfg.credentials[0].key, client: 'eve2' });
    cfg.key_sources.push({});
    const problems = validateEnvoyBootstrap(b).map((p) => `${p.path}: ${p.message}`).join('\n');
    expect(problems).toMatch(/typed_config\.key_source: unknown field "key_source" in ApiKeyAuth \(envoy@v1\.34\.1 api_key_auth\.proto/);
    expect(problems).toMatch(/credentials\[2\]\.key: value length must be at least 1 characters \(PGV rule on Credential\.key/);
    expect(problems).toMatch(/key_sources\[1\]: One of 'header'\/'query'\/'cookie' must be set/);
    expect(problems).toMatch(/credentials\[3\]\.key: Duplicated credential key: the key of credentials\[0\]/);
    expect(problems).not.toContain(cfg.credentials[0].key);
  });
});

describe('PGV semantics', () => {
  it('lt/lte/gt/gte: inside the range when the upper bound is above the lower, outside otherwise (ltgt.go)', () => {
    expect(rangeProblem(5, { gte: 200, lt: 600 }, Number, String)).toBe('value must be >= 200 and < 600');
    expect(rangeProblem(200, { gte: 200, lt: 600 }, Number, String)).toBeUndefined();
    expect(rangeProblem(5, { gt: 10, lt: 3 }, Number, String)).toBe('value must be outside the range: < 3 or > 10');
    expect(rangeProblem(11, { gt: 10, lt: 3 }, Number, String)).toBeUndefined();
  });

  it('well-known header regexes: strict unless strict: false; ignore_empty skips ""', () => {
    expect(stringProblems('x y', { well_known_regex: 'HTTP_HEADER_NAME' })).toHaveLength(1);
    expect(stringProblems('x y', { well_known_regex: 'HTTP_HEADER_NAME', strict: false })).toEqual([]);
    expect(stringProblems('x\ny', { well_known_regex: 'HTTP_HEADER_VALUE', strict: false })).toHaveLength(1);
    expect(stringProblems('', { min_len: 1, ignore_empty: true })).toEqual([]);
    expect(stringProblems('é', { max_len: 1, max_bytes: 1 })).toEqual(['value length must be at most 1 bytes']);
  });
});
