// Kong and Envoy renders, validated without their binaries: Envoy against its
// real protos (@grpc/grpc-js-xds + protobufjs), Kong against
// kong/kong-declarative.schema.json. Golden files for review under
// {kong,envoy}/golden/ (regenerate: PROXYPROOF_UPDATE_GOLDEN=1 npx vitest run suites/renders.test.ts).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importIstio } from '../harness/policy/import-istio.ts';
import { parse } from 'yaml';
import type { Suite } from '../harness/model/suite.ts';
import type { Route } from '../harness/model/routes.ts';
import { renderEnvoyBootstrap } from '../harness/targets/envoy/render.ts';
import { validateEnvoyBootstrap } from '../harness/targets/envoy/validate.ts';
import { kongFromUserConfig, renderKong, renderKongDoc, validateKongConfig } from '../harness/targets/kong/render.ts';
import { getTarget } from '../harness/targets/registry.ts';
import { REPO_ROOT } from '../harness/testing/examples.ts';
import { endpointsFor, golden, inputFor, portable, realSamples, routeFindings, sampleUpstreams } from './render-helpers.ts';

const real = path.resolve(REPO_ROOT, 'fixtures', 'realdata');
const suitesDir = path.join(REPO_ROOT, 'suites');
const exampleSuites = readdirSync(suitesDir).filter((f) => f.endsWith('.suite.yaml')).sort();
const containerSuites = readdirSync(path.join(suitesDir, 'containers')).filter((f) => f.endsWith('.suite.yaml')).sort();


describe('the registry', () => {
  it('declares Kong without retry.status (Kong never retries an HTTP 5xx) and Envoy with it', () => {
    expect(getTarget('kong')!.features.has('retry.status')).toBe(false);
    expect(getTarget('envoy')!.features.has('retry.status')).toBe(true);
    // Envoy 1.34's default build has api_key_auth and basic_auth (docs/targets/envoy.md §11).
    expect(getTarget('envoy')!.features.has('auth.apiKey')).toBe(true);
    expect(getTarget('envoy')!.features.has('auth.basic')).toBe(true);
    expect(getTarget('kong')!.unsupportedBecause?.['retry.status']).toMatch(/never an HTTP 5xx/);
  });
});

describe('renders of every example suite validate, and match their golden files', () => {
  for (const f of exampleSuites) {
    const name = f.replace(/\.suite\.yaml$/, '');
    it(`${f} -> Envoy bootstrap: valid by Envoy's rules (protos, their PGV rules, constructor checks)`, async () => {
      const boot = renderEnvoyBootstrap(await inputFor(path.join(suitesDir, f)));
      expect(validateEnvoyBootstrap(boot)).toEqual([]);
      golden(path.join(REPO_ROOT, 'harness/targets/envoy/golden', `${name}.json`), portable(`${JSON.stringify(boot, null, 2)}\n`));
    });
    it(`${f} -> Kong declarative config: valid against the schema`, async () => {
      const input = await inputFor(path.join(suitesDir, f));
      expect(validateKongConfig(renderKongDoc(input).doc)).toEqual([]);
      golden(path.join(REPO_ROOT, 'harness/targets/kong/golden', `${name}.yml`), portable(renderKong(input, 'kong').files['kong.yml']));
    });
  }
});

describe('Envoy renders of the container suites validate, and match their golden files', () => {
  for (const f of containerSuites) {
    const name = f.replace(/\.suite\.yaml$/, '');
    it(`containers/${f} -> Envoy bootstrap: valid by Envoy's rules (protos, their PGV rules, constructor checks)`, async () => {
      const boot = renderEnvoyBootstrap(await inputFor(path.join(suitesDir, 'containers', f)));
      expect(validateEnvoyBootstrap(boot)).toEqual([]);
      golden(path.join(REPO_ROOT, 'harness/targets/envoy/golden', `containers-${name}.json`), portable(`${JSON.stringify(boot, null, 2)}\n`));
    });
  }
});

describe('a deliberately broken render fails validation', () => {
  it('Envoy: a misspelt field, a wrong type, a bad enum, a bad Duration, a oneof twice, an unknown @type', async () => {
    const boot = renderEnvoyBootstrap(await inputFor(path.join(suitesDir, 'bookinfo-reviews.suite.yaml'))) as any;
    const hcm = boot.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
    const route = hcm.route_config.virtual_hosts[0].routes[0];
    route.route.retry_policy.num_retrys = 3;
    boot.static_resources.listeners[0].address.socket_address.port_value = '8080x';
    boot.static_resources.clusters[0].lb_policy = 'ROUND_ROBBIN';
    route.route.retry_policy.per_try_timeout = '2 seconds';
    route.route.cluster = 'x';
    hcm.http_filters.at(-1).typed_config['@type'] = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Routr';
    const problems = validateEnvoyBootstrap(boot).map((p) => `${p.path}: ${p.message}`).join('\n');
    expect(problems).toMatch(/num_retrys.*unknown field "num_retrys".*did you mean num_retries/);
    expect(problems).toMatch(/port_value: uint32 must be an integer/);
    expect(problems).toMatch(/lb_policy: unknown .*LbPolicy value "ROUND_ROBBIN"/);
    expect(problems).toMatch(/per_try_timeout: a Duration must be a string like/);
    expect(problems).toMatch(/same oneof cluster_specifier/);
    expect(problems).toMatch(/unknown type envoy.extensions.filters.http.router.v3.Routr/);
  });
  it('Kong: a misspelt route field, a wrong type, an unknown plugin config field', async () => {
    const { doc } = renderKongDoc(await inputFor(path.join(suitesDir, 'petstore.suite.yaml')));
    const d = doc as any;
    d.services[0].routes[0].strip_paths = false;
    d.services[0].retries = 'five';
    d.services[0].routes[0].plugins[0].config.key_name = ['x'];
    const problems = validateKongConfig(d).map((p) => `${p.path}: ${p.message}`).join('\n');
    expect(problems).toMatch(/routes\/0: unknown field "strip_paths"/);
    expect(problems).toMatch(/services\/0\/retries: must be integer/);
    expect(problems).toMatch(/config: unknown field "key_name"/);
  });
});

describe("Kong's kong.conf and the bundled container suite's kong.yml, as Kong is given them", () => {
  it('kong.conf: prefix in the workdir, logs on stdout/stderr, one worker, status_listen on the status port; golden', async () => {
    const input = { ...(await inputFor(path.join(suitesDir, 'petstore.suite.yaml'))), statusPort: 8100 };
    const conf = renderKong(input, 'kong').files['kong.conf'];
    expect(conf).toMatch(/^prefix = \/tmp\/proxyproof-render\/kong-prefix$/m);
    expect(conf).toMatch(/^nginx_worker_processes = 1$/m);
    expect(conf).toMatch(/^status_listen = 127\.0\.0\.1:8100$/m);
    // The user's kong.yml runs with the same kong.conf.
    expect(kongFromUserConfig(input, path.join(REPO_ROOT, 'fixtures/kong/petstore-kong.yml'), 'kong').files['kong.conf']).toBe(conf);
    golden(path.join(REPO_ROOT, 'harness/targets/kong/golden', 'kong.conf'), portable(conf));
  });
  it('containers/kong-petstore: key-auth on the secured routes only (GET /v1/health open, as the spec says); golden', async () => {
    const input = await inputFor(path.join(suitesDir, 'containers', 'kong-petstore.suite.yaml'));
    const kong = input.suite.targets.find((t) => t.name === 'kong')!;
    const out = kongFromUserConfig(input, kong.config!, 'kong').files['kong.yml'];
    const doc = parse(out);
    expect(validateKongConfig(doc)).toEqual([]);
    const withKeyAuth = doc.services[0].routes.filter((r: any) => (r.plugins ?? []).some((p: any) => p.name === 'key-auth')).map((r: any) => r.name);
    const secured = input.spec.operations.filter((o) => o.security.length > 0).map((o) => `petstore_${o.id}`);
    expect(withKeyAuth.sort()).toEqual(secured.sort());
    expect(withKeyAuth).not.toContain('petstore_health');
    golden(path.join(REPO_ROOT, 'harness/targets/kong/golden', 'kong-petstore-container.user.yml'), portable(out));
  });
});

describe('Kong renders for a suite that names a Redis', () => {
  it('rate-limiting with policy redis and the Redis address; still valid', async () => {
    const input = await inputFor(path.join(suitesDir, 'petstore.suite.yaml'));
    input.suite.policies.rateLimit = { ...input.suite.policies.rateLimit!, redis: { host: '127.0.0.1', port: 6379, database: 2 } };
    const { doc } = renderKongDoc(input);
    const plugins = (doc as any).services.flatMap((s: any) => s.routes.flatMap((r: any) => r.plugins ?? []));
    const rl = plugins.find((p: any) => p.name === 'rate-limiting');
    expect(rl.config).toMatchObject({ policy: 'redis', redis: { host: '127.0.0.1', port: 6379, database: 2 }, second: 5 });
    expect(validateKongConfig(doc)).toEqual([]);
  });
});

describe('the bookinfo ratings delay, imported, renders as Envoy fault delay', () => {
  it('fixed_delay and percentage on the ratings routes, header-matched; valid against the protos', async () => {
    const input = await inputFor(path.join(suitesDir, 'bookinfo-reviews.suite.yaml'));
    const imported = importIstio(readFileSync(path.join(REPO_ROOT, 'fixtures/istio/virtual-service-ratings-test-delay.yaml'), 'utf8'), { file: 'd.yaml', upstreams: input.suite.upstreams });
    input.suite.policies.fault = imported.policies.fault;
    // The suite-wide fault rule, rendered without the routes the suite imports (those carry their own faults).
    delete input.suite.routes;
    delete input.suite.policies.routing;
    const boot = renderEnvoyBootstrap(input) as any;
    const routes = boot.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts.flatMap((h: any) => h.routes);
    const faulted = routes.filter((r: any) => r.typed_per_filter_config?.['envoy.filters.http.fault']);
    expect(faulted.length).toBeGreaterThan(0);
    const f = faulted[0].typed_per_filter_config['envoy.filters.http.fault'];
    expect(f.delay).toEqual({ fixed_delay: '7s', percentage: { numerator: 1_000_000, denominator: 'MILLION' } });
    expect(f.abort).toBeUndefined();
    expect(f.headers).toEqual([{ name: 'end-user', string_match: { exact: 'jason' } }]);
    expect(validateEnvoyBootstrap(boot)).toEqual([]);
    f.delay.fixed_delay = 'seven seconds';
    expect(validateEnvoyBootstrap(boot).map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(/fixed_delay: a Duration must be a string like/);
  });
});

describe('a VirtualService timeout, imported, renders as the Envoy route timeout', () => {
  it('every route of the upstream gets it (all tries together); still valid against the protos', async () => {
    const input = await inputFor(path.join(suitesDir, 'bookinfo-reviews.suite.yaml'));
    const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: reviews }\nspec:\n  hosts: [reviews]\n  http:\n  - route: [{ destination: { host: reviews, subset: v1 } }]\n    timeout: 1.5s\n';
    const imported = importIstio(vs, { file: 'vs.yaml', upstreams: input.suite.upstreams });
    expect(imported.policies.timeout).toEqual({ requestMs: 1500, status: [504], upstream: 'reviews' });
    input.suite.policies.timeout = imported.policies.timeout;
    const boot = renderEnvoyBootstrap(input) as any;
    const routes = boot.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts.flatMap((h: any) => h.routes).filter((r: any) => r.route);
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) expect(r.route.timeout).toBe('1.5s');
    expect(validateEnvoyBootstrap(boot)).toEqual([]);
  });
});

describe(`configs from the real samples (${real}) validate`, () => {
  const upstreams = (s: Suite) => s.upstreams;
  it('every decK and openapi2kong config with _format_version conforms to the schema', () => {
    const files = [
      ...readdirSync(path.join(real, 'kong', 'deck')).map((f) => path.join(real, 'kong', 'deck', f)),
      ...readdirSync(path.join(real, 'kong', 'go-apiops')).filter((f) => f.endsWith('.expected.json')).map((f) => path.join(real, 'kong', 'go-apiops', f)),
    ];
    let n = 0;
    for (const f of files) {
      const doc = parse(readFileSync(f, 'utf8'));
      // kong2tf inputs are decK fragments without _format_version (Kong DB-less rejects those): checked with it added.
      if (doc._format_version === undefined) doc._format_version = '3.0';
      expect(validateKongConfig(doc), f).toEqual([]);
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(11);
  });

  it('the decK key-auth + rate-limiting sample as the user kong.yml: hosts mapped to the mocks, still valid', async () => {
    const input = await inputFor(path.join(suitesDir, 'bookinfo-reviews.suite.yaml'));
    const sample = path.join(real, 'kong', 'deck', 'validate-kong-ee_key-auth_rate-limiting.yaml');
    // Map the sample's service (url http://mockbin.org) by name onto the reviews upstream.
    const text = readFileSync(sample, 'utf8').replace('name: example-service', 'name: reviews');
    const tmp = path.join('/tmp', `pp-kong-user-${process.pid}.yaml`);
    writeFileSync(tmp, text);
    const out = kongFromUserConfig(input, tmp, 'kong');
    const doc = parse(out.files['kong.yml']);
    expect(validateKongConfig(doc)).toEqual([]);
    expect(doc.services[0]).toMatchObject({ name: 'reviews', host: 'reviews', port: 80 });
    expect(doc.upstreams[0].targets.map((t: { target: string }) => t.target)).toEqual(['127.0.0.1:9001', '127.0.0.1:9002', '127.0.0.1:9003']);
  });

  it('every Istio and Gateway API sample, imported onto the bookinfo suite, renders an Envoy bootstrap valid by Envoy\'s rules', async () => {
    const base = await inputFor(path.join(suitesDir, 'bookinfo-reviews.suite.yaml'));
    const { importAll } = await import('../harness/policy/import.ts');
    const { InputError } = await import('../harness/model/errors.ts');
    const files = realSamples(real);
    const versions = new Map(base.suite.upstreams.map((u) => [u.name, new Set(u.versions)]));
    let rendered = 0;
    let withRoutes = 0;
    const refused: string[] = [];
    for (const f of files) {
      let imported;
      try {
        imported = importAll([f], base.suite.upstreams);
      } catch (e) {
        expect(e, f).toBeInstanceOf(InputError);
        if (/is no version and no upstream of the suite/.test((e as Error).message)) {
          // An HTTPRoute whose backendRefs name nothing of the bookinfo suite (the error says how to map them):
          // imported on its own, its backends are versions of an upstream named after the route, dropped below.
          imported = importIstio(readFileSync(f, 'utf8'), { file: f });
        } else {
          // A file that is not Istio or Gateway API at all: a one-line InputError, nothing rendered.
          refused.push(path.relative(real, f));
          continue;
        }
      }
      const policies = { contract: {}, ...imported.policies };
      // The samples name their own hosts and subsets; policies that point at an upstream or version the bookinfo suite
      // lacks are dropped here (the importers' mapping is tested elsewhere), the rest are rendered as imported.
      const known = (u: string, vs: string[]) => vs.every((v) => versions.get(u)?.has(v));
      if (policies.canary && !known(policies.canary.upstream, Object.keys(policies.canary.weights))) delete policies.canary;
      if (policies.fault) policies.fault = { rules: policies.fault.rules.filter((r) => versions.has(r.upstream)) };
      if (policies.fault?.rules.length === 0) delete policies.fault;
      // Once the importers yield routes (ImportResult.routes), each route whose destination the suite has must be in
      // the render with its versions' weights and its retry (or the suite's) on the Envoy routes of retried methods.
      const routes = ((imported as { routes?: Route[] }).routes ?? []).filter((r) => known(r.to.upstream, Object.keys(r.to.weights)));
      const boot = renderEnvoyBootstrap({ ...base, suite: { ...base.suite, policies, ...(routes.length ? { routes } : {}) } });
      expect(validateEnvoyBootstrap(boot), f).toEqual([]);
      if (routes.length) {
        const found = routeFindings(boot, routes, policies.retry);
        expect(found.problems, f).toEqual([]);
        expect(found.checked, f).toBeGreaterThanOrEqual(routes.length);
        withRoutes++;
      }
      rendered++;
    }
    // How many samples' routes were checked (0 until the importers yield routes).
    console.info(`samples with routes checked in their Envoy render: ${withRoutes} of ${rendered}`);
    expect(refused).toEqual(['istio/ratelimit/rate-limit-service.yaml']);
    expect(rendered).toBe(files.length - 1);
    expect(rendered).toBeGreaterThanOrEqual(85);
  });

  it("every Istio and Gateway API sample's routes, on a suite of the hosts and subsets it names, render with each route's weights and retry (Envoy) and validly (Kong)", async () => {
    const base = await inputFor(path.join(suitesDir, 'bookinfo-reviews.suite.yaml'));
    const { importAll } = await import('../harness/policy/import.ts');
    const { InputError } = await import('../harness/model/errors.ts');
    const files = realSamples(real);
    let samples = 0;
    let routes = 0;
    let envoyRoutes = 0;
    let kongExpressed = 0;
    const refused: string[] = [];
    for (const f of files) {
      const { upstreams, backends } = sampleUpstreams(readFileSync(f, 'utf8'));
      const imported = upstreams.length ? importAll([f], upstreams, backends) : undefined;
      const own = (imported as { routes?: Route[] } | undefined)?.routes ?? [];
      if (!own.length) continue;
      const suite = { ...base.suite, upstreams, policies: { contract: {}, ...imported!.policies }, routes: own };
      let boot;
      try {
        boot = renderEnvoyBootstrap({ ...base, upstreams: endpointsFor(upstreams), suite });
      } catch (e) {
        // What Envoy cannot be given (a header name that is no HTTP token) is an input error naming the route.
        expect(e, f).toBeInstanceOf(InputError);
        refused.push(path.relative(real, f));
        continue;
      }
      expect(validateEnvoyBootstrap(boot), f).toEqual([]);
      // One golden per sample, for review: each route's weighted_clusters and retry_policy are in it.
      golden(path.join(REPO_ROOT, 'harness/targets/envoy/golden/samples', `${path.relative(real, f).replace(/\.ya?ml(\.golden)?$/, '')}.json`), portable(`${JSON.stringify(boot, null, 2)}\n`));
      const found = routeFindings(boot, own, suite.policies.retry);
      expect(found.problems, f).toEqual([]);
      // Kong: a valid declarative config either way; the routing check runs where its router takes every route.
      expect(validateKongConfig(renderKongDoc({ ...base, upstreams: endpointsFor(upstreams), suite }).doc), f).toEqual([]);
      if (!getTarget('kong')!.cannotRender!({ ...suite.policies, routing: { routes: own, nearMisses: true, requestsPerCase: 4, maxRequests: 6400 } }).routing) kongExpressed++;
      samples++;
      routes += own.length;
      envoyRoutes += found.checked;
    }
    console.info(`sample routes rendered on their own hosts: ${routes} routes of ${samples} samples, ${envoyRoutes} Envoy routes checked; Kong expresses all routes of ${kongExpressed} samples`);
    // Istio's JWT claim routing (headers "@request.auth.claims.*") is dynamic metadata to istiod, not a header.
    expect(refused).toEqual(['istio/networking-more/analyzer-virtualservice_jwtclaimroute.yaml']);
    expect(samples).toBeGreaterThanOrEqual(78);
    expect(routes).toBeGreaterThanOrEqual(192);
    expect(kongExpressed).toBeGreaterThanOrEqual(47);
  });

  it('Envoy bootstraps rendered from every bookinfo VirtualService, the fault abort and the EnvoyFilter validate', async () => {
    const base = await inputFor(path.join(suitesDir, 'bookinfo-reviews.suite.yaml'));
    const bi = path.join(real, 'istio', 'bookinfo-networking');
    const { importAll } = await import('../harness/policy/import.ts');
    const sets = [
      ...readdirSync(bi).filter((f) => /^virtual-service-(reviews|ratings)/.test(f)).map((f) => [path.join(bi, 'destination-rule-all.yaml'), path.join(bi, f)]),
      [path.join(real, 'istio', 'ratelimit', 'local-rate-limit-service.yaml')],
      [path.join(real, 'gateway-api', 'httproute-retry-with-timeouts.yaml')],
    ];
    // The HTTPRoute's backend is mapped onto the suite as a user would (import.backends).
    const backends = { 'infra-backend-v3': { upstream: 'reviews', version: 'v3' } };
    for (const files of sets) {
      const imported = importAll(files, upstreams(base.suite), backends);
      const policies = { contract: {}, ...imported.policies };
      if (policies.canary && !base.suite.upstreams.some((u) => u.name === policies.canary!.upstream)) delete policies.canary;
      const boot = renderEnvoyBootstrap({ ...base, suite: { ...base.suite, policies } });
      expect(validateEnvoyBootstrap(boot), files.join(' ')).toEqual([]);
    }
  });
});
