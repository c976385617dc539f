// Suites with routes (fixtures/route-renders/) rendered for Envoy and Kong,
// validated without their binaries (Envoy's protos and rules, Kong's
// declarative schema), every route's weights and retry policy found in the
// Envoy render, and each render kept as a golden file under
// harness/targets/{envoy,kong}/golden/routes/ (regenerate:
// PROXYPROOF_UPDATE_GOLDEN=1 npx vitest run suites/envoy-kong-routes.test.ts).

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderEnvoyBootstrap } from '../harness/targets/envoy/render.ts';
import { validateEnvoyBootstrap } from '../harness/targets/envoy/validate.ts';
import { envoyTarget } from '../harness/targets/envoy/index.ts';
import { kongTarget } from '../harness/targets/kong/index.ts';
import { renderKong, renderKongDoc, validateKongConfig } from '../harness/targets/kong/render.ts';
import { REPO_ROOT } from '../harness/testing/examples.ts';
import type { Route } from '../harness/model/routes.ts';
import type { Policies } from '../harness/model/policies.ts';
import { envoyRoutes, golden, inputFor, portable, routeFindings } from './render-helpers.ts';

const dir = path.join(REPO_ROOT, 'fixtures', 'route-renders');
const suites = readdirSync(dir).filter((f) => f.endsWith('.suite.yaml')).sort();
type J = Record<string, any>;

const routingOf = (routes: Route[]): Policies => ({ routing: { routes, nearMisses: true, requestsPerCase: 4, maxRequests: 6400 } });

describe('suites with routes render for Envoy: valid, each route with its weights and retry; golden', () => {
  it('there are suites to render', () => expect(suites.length).toBeGreaterThanOrEqual(3));
  for (const f of suites) {
    it(`${f} -> Envoy bootstrap`, async () => {
      const input = await inputFor(path.join(dir, f));
      const boot = renderEnvoyBootstrap(input) as J;
      expect(validateEnvoyBootstrap(boot)).toEqual([]);
      const found = routeFindings(boot, input.suite.routes!, input.suite.policies.retry);
      expect(found.problems).toEqual([]);
      expect(found.checked).toBeGreaterThanOrEqual(input.suite.routes!.length);
      if (input.suite.policies.retry || input.suite.routes!.some((r) => r.policies.retry)) expect(found.retried).toBeGreaterThan(0);
      expect(envoyTarget.cannotRender!({ ...input.suite.policies, ...routingOf(input.suite.routes!) })).toEqual({});
      golden(path.join(REPO_ROOT, 'harness/targets/envoy/golden/routes', f.replace(/\.suite\.yaml$/, '.json')), portable(`${JSON.stringify(boot, null, 2)}\n`));
    });
    it(`${f} -> Kong declarative config: valid against the schema; golden`, async () => {
      const input = await inputFor(path.join(dir, f));
      expect(validateKongConfig(renderKongDoc(input).doc)).toEqual([]);
      golden(path.join(REPO_ROOT, 'harness/targets/kong/golden/routes', f.replace(/\.suite\.yaml$/, '.yml')), portable(renderKong(input, 'kong').files['kong.yml']));
    });
  }
});

describe('the route findings catch a render that lost a weight or a retry', () => {
  it('a swapped split, a dropped retry_policy and a retry on a method the policy leaves alone are each named', async () => {
    const input = await inputFor(path.join(dir, 'bookinfo-split.suite.yaml'));
    const boot = renderEnvoyBootstrap(input) as J;
    const routes = envoyRoutes(boot);
    const split = routes.find((r) => r.name === 'r2.0-op0-default')!;
    split.route.weighted_clusters.clusters[0].weight = 20;
    split.route.weighted_clusters.clusters[1].weight = 80;
    delete routes.find((r) => r.name === 'r1.0-op0-product-1')!.route.retry_policy;
    routes.find((r) => r.name === 'r0.0-jason')!.route.retry_policy = split.route.retry_policy;
    const { problems } = routeFindings(boot, input.suite.routes!, input.suite.policies.retry);
    expect(problems).toEqual([
      'route jason: r0.0-jason: a retry_policy for methods the policy does not retry',
      'route product-1: r1.0-op0-product-1: no retry_policy',
      expect.stringMatching(/^route default: r2\.0-op0-default: weighted_clusters .* not \{"v1":80,"v2":20\}$/),
    ]);
  });
});

describe('the Envoy route list keeps the table: first match wins per operation, a governed operation no route takes is 404', () => {
  it('bookinfo-split: the reviews operation tries jason, product-1, default in order, then 404; ratings keeps its own route', async () => {
    const input = await inputFor(path.join(dir, 'bookinfo-split.suite.yaml'));
    const names = envoyRoutes(renderEnvoyBootstrap(input)).map((r) => r.name);
    expect(names).toEqual(['r0.0-op0-jason', 'r1.0-op0-product-1', 'r2.0-op0-default', 'op0-getReviews-no-route', 'op1-getRatings', 'r0.0-jason', 'r1.0-product-1', 'r2.0-default', 'pp-no-route']);
  });

  it("the suite's fault for the route's upstream is on the route's Envoy routes, not on the 404 of a request no route takes", async () => {
    const input = await inputFor(path.join(dir, 'bookinfo-split.suite.yaml'));
    input.suite.policies.fault = { rules: [{ upstream: 'reviews', headers: [], abort: { status: 503, percent: 100 } }] };
    const routes = envoyRoutes(renderEnvoyBootstrap(input));
    const fault = (name: string) => routes.find((r) => r.name === name)!.typed_per_filter_config?.['envoy.filters.http.fault'];
    expect(fault('r1.0-op0-product-1').abort.http_status).toBe(503);
    expect(fault('op0-getReviews-no-route')).toBeUndefined();
  });

  it('petstore-matches: each kind of match as Envoy writes it', async () => {
    const input = await inputFor(path.join(dir, 'petstore-matches.suite.yaml'));
    const byName = new Map(envoyRoutes(renderEnvoyBootstrap(input)).map((r) => [r.name as string, r]));
    const at = (name: string): J => {
      const r = byName.get(name);
      if (!r) throw new Error(`no Envoy route ${name}; there are ${[...byName.keys()].join(', ')}`);
      return r;
    };
    // exact, any case; method; query regex (fall-through form: no operation restriction)
    expect(at('r0.0-exact-any-case').match).toEqual({ path: '/v1/pets', case_sensitive: false, headers: [{ name: ':method', string_match: { exact: 'GET' } }], query_parameters: [{ name: 'limit', string_match: { safe_regex: { regex: '[0-9]+' } } }] });
    expect(at('r1.0-beta').match.headers).toEqual([{ name: 'x-track', string_match: { prefix: 'beta' } }, { name: 'x-canary', present_match: true }]);
    expect(at('r1.1-beta').match.query_parameters).toEqual([{ name: 'debug', present_match: true }]);
    // Gateway API PathPrefix (trailing slash dropped), two methods, an absent header, its own bucket, a prefix rewrite
    const pub = at('r2.0-public-pets');
    expect(pub.match).toEqual({ path_separated_prefix: '/v1/pets', headers: [{ name: ':method', string_match: { safe_regex: { regex: 'GET|DELETE' } } }, { name: 'x-internal', present_match: false }] });
    expect(pub.route.prefix_rewrite).toBe('/v2/pets');
    expect(pub.typed_per_filter_config['envoy.filters.http.local_ratelimit'].token_bucket).toEqual({ max_tokens: 10, tokens_per_fill: 10, fill_interval: '1s' });
    expect(at('r3.0-numbered').route).toMatchObject({ timeout: '1s', regex_rewrite: { pattern: { regex: '^/.*$' }, substitution: '/v1/pets/0' } });
    // the route's fault on its routes only; its transform replaces the suite's
    expect(at('r0.0-op0-exact-any-case').typed_per_filter_config['envoy.filters.http.fault'].abort).toEqual({ http_status: 503, percentage: { numerator: 500_000, denominator: 'MILLION' } });
    expect(at('r4.0-op0-rest').typed_per_filter_config?.['envoy.filters.http.fault']).toBeUndefined();
    expect(at('r1.0-op0-beta').request_headers_to_add).toEqual([{ header: { key: 'X-Route', value: 'beta' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
    expect(at('r4.0-op0-rest').request_headers_to_add).toEqual([{ header: { key: 'X-Gateway', value: 'proxyproof' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
    // auth off on the open operation's routes (GET /health), on for the secured ones
    expect(at('r4.0-op4-rest').typed_per_filter_config['envoy.filters.http.api_key_auth']).toBeDefined();
    expect(at('r4.0-op0-rest').typed_per_filter_config?.['envoy.filters.http.api_key_auth']).toBeUndefined();
  });

  it('an empty prefix rewrite (the prefix removed) is a regex_rewrite to "/": Envoy ignores an empty prefix_rewrite', async () => {
    const input = await inputFor(path.join(dir, 'petstore-matches.suite.yaml'));
    input.suite.routes![2] = { ...input.suite.routes![2], rewrite: { prefix: '' } };
    const boot = renderEnvoyBootstrap(input);
    expect(validateEnvoyBootstrap(boot)).toEqual([]);
    expect(envoyRoutes(boot).find((r) => r.name === 'r2.0-public-pets')!.route.regex_rewrite).toEqual({ pattern: { regex: '^/v1/pets/*' }, substitution: '/' });
  });

  it('a Host header condition is matched on :authority, as Envoy represents Host', async () => {
    const input = await inputFor(path.join(dir, 'bookinfo-split.suite.yaml'));
    input.suite.routes![0] = { ...input.suite.routes![0], matches: [{ headers: [{ name: 'host', kind: 'exact', value: 'reviews' }], query: [] }] };
    const boot = renderEnvoyBootstrap(input);
    expect(validateEnvoyBootstrap(boot)).toEqual([]);
    expect(envoyRoutes(boot).find((r) => r.name === 'r0.0-jason')!.match.headers).toEqual([{ name: ':authority', string_match: { exact: 'reviews' } }]);
  });

  it('an inverted header (withoutHeaders) reads a missing header as empty; one whose match holds for empty is notSupported', async () => {
    const input = await inputFor(path.join(dir, 'bookinfo-split.suite.yaml'));
    const routes = input.suite.routes!;
    routes[0] = { ...routes[0], matches: [{ headers: [{ name: 'end-user', kind: 'exact', value: 'jason', invert: true }], query: [] }] };
    const boot = renderEnvoyBootstrap(input);
    expect(validateEnvoyBootstrap(boot)).toEqual([]);
    expect(envoyRoutes(boot).find((r) => r.name === 'r0.0-jason')!.match.headers).toEqual([{ name: 'end-user', string_match: { exact: 'jason' }, invert_match: true, treat_missing_header_as_empty: true }]);
    routes[0].matches[0].headers[0] = { name: 'end-user', kind: 'regex', value: '.*', invert: true };
    expect(envoyTarget.cannotRender!(routingOf(routes)).routing).toMatch(/route jason: without header end-user matching regex ".\*": Envoy reads a missing header as empty/);
  });
});

describe('Kong: what its router cannot take is notSupported with the reason', () => {
  it('kong-expressible: nothing refused; one Kong route per match, earlier routes ranked higher, a service per destination', async () => {
    const input = await inputFor(path.join(dir, 'kong-expressible.suite.yaml'));
    expect(kongTarget.cannotRender!({ ...input.suite.policies, ...routingOf(input.suite.routes!) })).toEqual({});
    const { doc, notes } = renderKongDoc(input);
    expect(notes.filter((n) => n.startsWith('routing'))).toEqual([]);
    const services = (doc as J).services as J[];
    const routed = services.filter((s) => /-r\d+$/.test(s.name));
    expect(routed.map((s) => [s.name, s.routes.map((r: J) => [r.name, r.paths, r.methods, r.headers, r.regex_priority])])).toEqual([
      ['petstore-r0', [['r0.0-build-pinned', ['~(?:/v1/pets/[0-9]+)$'], ['GET'], { 'x-build': ['~*^(?:[0-9]+)$'] }, 3]]],
      ['petstore-r1', [['r1.0-listing', ['~/v1/pets$'], ['GET', 'POST'], undefined, 2]]],
      ['petstore-r2', [['r2.0-pets', ['~/v1/pets/'], undefined, undefined, 1]]],
    ]);
    expect(routed[2]).toMatchObject({ path: '/api/pets/', routes: [{ strip_path: true }] });
    expect(routed[0].read_timeout).toBe(1000);
    // GET /health is governed by no route: the petstore service keeps its own route, and only it.
    expect(services[0].routes.map((r: J) => r.name)).toEqual(['op4-health']);
    const split = ((doc as J).upstreams as J[]).find((u) => u.name === 'petstore-r1')!;
    expect(split.targets.map((t: J) => [t.tags[0], t.weight])).toEqual([['version-v1', 7], ['version-v2', 3]]);
  });

  it('petstore-matches and bookinfo-split: query, header case, absent header and an order Kong would break are refused', async () => {
    const matches = await inputFor(path.join(dir, 'petstore-matches.suite.yaml'));
    const why = kongTarget.cannotRender!(routingOf(matches.suite.routes!)).routing!;
    expect(why).toMatch(/route exact-any-case: query limit: Kong's default router \(traditional_compatible\) matches no query parameter/);
    expect(why).toMatch(/route beta: header x-track prefix "beta": Kong lower-cases/);
    expect(why).toMatch(/route public-pets: header x-internal absent: Kong's routes have no negative header condition/);
    const bookinfo = await inputFor(path.join(dir, 'bookinfo-split.suite.yaml'));
    expect(kongTarget.cannotRender!(routingOf(bookinfo.suite.routes!)).routing).toMatch(/route jason: header end-user exact "jason": Kong lower-cases .*kong\/router\/transform\.lua/);
  });

  it("a Host header condition is refused (Kong takes Host as hosts); a regex Kong's engine reads otherwise is an InputError naming the route", async () => {
    const input = await inputFor(path.join(dir, 'kong-expressible.suite.yaml'));
    const routes = input.suite.routes!;
    const host = [{ ...routes[0], matches: [{ headers: [{ name: 'host', kind: 'exact' as const, value: '127.0.0.1' }], query: [] }] }];
    expect(kongTarget.cannotRender!(routingOf(host)).routing).toMatch(/header host: Kong takes the Host only as a route's hosts/);
    routes[0] = { ...routes[0], matches: [{ path: { kind: 'regex', value: '/v1/pets/(?!0)[0-9]+' }, headers: [], query: [] }] };
    expect(() => renderKongDoc(input)).toThrow(/routes\[0\] \(build-pinned\)\.matches\[0\]\.path: a regular expression Kong cannot take as written: lookahead/);
  });

  it("a rate limit (the suite's or a route's, in its scope) with a window Kong has no field for is notSupported, not rendered without it", () => {
    expect(kongTarget.cannotRender!({ rateLimit: { limit: 5, windowMs: 2000, by: 'global' } }).rateLimit).toMatch(/counts per second, minute, hour or day .* not a window of 2000 ms/);
    expect(kongTarget.cannotRender!({ rateLimit: { limit: 5, windowMs: 60_000, by: 'global' } }).rateLimit).toBeUndefined();
  });

  it('an empty prefix rewrite (the prefix removed) leaves the service without a path; one without a leading / is an input error', async () => {
    const input = await inputFor(path.join(dir, 'kong-expressible.suite.yaml'));
    const routes = input.suite.routes!;
    routes[2] = { ...routes[2], matches: [{ path: { kind: 'pathPrefix', value: '/v1/pets' }, headers: [], query: [] }], rewrite: { prefix: '' } };
    const { doc } = renderKongDoc(input);
    expect(validateKongConfig(doc)).toEqual([]);
    const service = ((doc as J).services as J[]).find((x) => x.name === 'petstore-r2')!;
    expect([service.path, service.routes[0].strip_path, service.routes[0].paths]).toEqual([undefined, true, ['~/v1/pets(?:/|$)']]);
    routes[2] = { ...routes[2], rewrite: { prefix: 'api' } };
    expect(() => renderKongDoc(input)).toThrow(/routes\[2\] \(pets\)\.rewrite: Kong takes a service path that starts with \/, not "api"/);
  });

  it('a later route Kong ranks higher (more headers) is an order problem; a prefix rewrite Kong joins differently is refused', async () => {
    const input = await inputFor(path.join(dir, 'kong-expressible.suite.yaml'));
    const routes = input.suite.routes!;
    const reordered = [routes[1], routes[0], routes[2]];
    expect(kongTarget.cannotRender!(routingOf(reordered)).routing).toMatch(/route build-pinned would be tried before route listing, which comes first: .*get_priority/);
    const rewrite = [{ ...routes[2], rewrite: { prefix: '/api' } }];
    expect(kongTarget.cannotRender!(routingOf(rewrite)).routing).toMatch(/prefix rewrite \/api of prefix \/v1\/pets\/: Kong joins the rest of the path .* get_upstream_uri_v0/);
  });
});
