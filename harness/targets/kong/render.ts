// Kong target (DB-less): a declarative config, `_format_version: "3.0"`,
// rendered from the suite's policies, or the user's own kong.yml (decK
// format) with its upstream hosts mapped onto the mock upstreams.
//
// Rendered: one service per upstream whose host is a Kong upstream of the
// same name (targets = mock replicas, weights = the canary), one route per
// operation (methods + regex path, strip_path false), key-auth / basic-auth /
// jwt on the secured routes with the suite's valid consumers as Kong consumers,
// rate-limiting (policy local, fixed clock-aligned windows) on the scoped routes.
// A suite's routes get a service and a Kong upstream each (the route's
// weighted versions) and one Kong route per match (routes.ts; what Kong's
// router cannot take is notSupported: docs/targets/kong.md §9).
//
// Kong's semantics that the checks see (Kong 3.9.1; sources in docs/targets/kong.md):
//  - key-auth answers 401 for a missing key, "No API key found in request", and for
//    a wrong one, "Unauthorized" (kong/plugins/key-auth/handler.lua L30-31; 3.5 and
//    earlier said "Invalid authentication credentials"), with WWW-Authenticate: Key;
//  - rate-limiting counts in fixed windows aligned to the clock, sends
//    RateLimit-Limit/-Remaining/-Reset and X-RateLimit-Limit-<Window>/
//    X-RateLimit-Remaining-<Window>, and Retry-After only on the 429;
//    windows are second, minute, hour, day, month, year only; policy local
//    over-admits a concurrent burst (kong.conf sets one worker; the rate-limit
//    check sends Kong's burst serially, KONG_SERIAL_BURST_REASON in index.ts);
//  - Kong retries (service.retries) only connection failures and timeouts, never
//    an HTTP 5xx: 'retry.status' is not a Kong feature, the retry check says
//    "not supported" with that reason; read_timeout is per try and a timed-out
//    try is retried only for an idempotent method: nginx does not retry a POST,
//    PATCH or LOCK once it was sent (ngx_http_upstream.c L4404-4414, nginx
//    1.25.3), so such a request gets one try; a timed-out request gets 504;
//  - jwt picks the credential by the token's iss (key_claim_name), so the secret's
//    key is policies.auth.jwt.issuer; a bearer policy without one is not
//    rendered for the auth check (cannotRender in index.ts).

import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { InputError } from '../../model/errors.ts';
import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { readUserConfig } from '../shared/placeholders.ts';
import { makePlan, type OpPlan, type Plan, type RoutePlan } from '../shared/plan.ts';
import type { RateLimitPolicy } from '../../checks/rate-limit/policy.ts';
import type { TransformPolicy } from '../../checks/transform/policy.ts';
import type { RouteMatch } from '../../model/routes.ts';
import { checkKongValues, KONG_WINDOWS, kongMatch, kongRouteProblems, withPriority } from './routes.ts';
import { basicUser, headerName, headerValue, inSuite, places, sanitizedName, schemeNameSource, type Source } from '../shared/values.ts';
import { comment, kongYaml, templateText } from './escape.ts';

const require = createRequire(import.meta.url);

const MAIN_FILE = 'kong.yml';
const CONF_FILE = 'kong.conf';
/** Kong target weights are 0..65535. */
const WEIGHT_CAP = 65_535;

type J = Record<string, unknown>;

let validateFn: ReturnType<Ajv['compile']> | undefined;

/** Problems with a Kong declarative config against kong-declarative.schema.json; [] when it conforms. */
export function validateKongConfig(doc: unknown): Array<{ path: string; message: string }> {
  validateFn ??= new Ajv({ allErrors: true, strict: false }).compile(require('./kong-declarative.schema.json'));
  if (validateFn(doc)) return [];
  return (validateFn.errors ?? [])
    .filter((e: ErrorObject) => e.keyword !== 'if')
    .map((e: ErrorObject) => ({
      path: e.instancePath || '/',
      message: e.keyword === 'additionalProperties' ? `unknown field "${String((e.params as { additionalProperty?: string }).additionalProperty)}"` : (e.message ?? 'invalid'),
    }));
}

/**
 * Kong's default status_listen port (kong/templates/kong_defaults.lua L31, 3.9.1): written only by a dry
 * render (validate, render), which is given no status port and is never started.
 */
export const KONG_PLACEHOLDER_STATUS_PORT = 8007;

/** Where kong.conf puts Kong's prefix: inside the workdir (see conf()). */
export function kongPrefix(workdir: string): string {
  return path.join(workdir, 'kong-prefix');
}

/**
 * kong.conf, proxyproof's in both cases (rendered or the user's kong.yml). Every line's reason is in the
 * file as a comment; the sources are Kong 3.9.1 (github.com/Kong/kong, docker-kong), see docs/targets/kong.md.
 */
function conf(input: RenderInput, mainFile: string): string {
  const w = input.workdir;
  const statusPort = input.statusPort ?? KONG_PLACEHOLDER_STATUS_PORT;
  return [
    '# Kong in DB-less mode, in the foreground, for proxyproof.',
    'database = off',
    `declarative_config = ${path.join(w, mainFile)}`,
    '# The image\'s USER is kong (docker-kong 3.9.1 ubuntu/Dockerfile L57; a plain useradd in kong\'s',
    '# build/package/postinstall.sh, uid 1001 in kong:3.9 by inference). proxyproof runs the container as the',
    '# owner of this private (0700) workdir instead, which kong could not enter; `kong start` creates the',
    '# prefix and logs/, pids/, sockets/ and .kong_env in it (kong/cmd/utils/prefix_handler.lua',
    '# prepare_prefix, 3.9.1), so the prefix is in the workdir, where that user can write. nginx runs with',
    '# -p <prefix> (kong/cmd/utils/nginx_signals.lua L169) and Kong\'s build sets no absolute temp path',
    '# (build/openresty/BUILD.openresty.bazel), so nginx\'s temp paths (client_body_temp, proxy_temp, ...),',
    '# its pid file and dbless.lmdb are under the prefix too; the logs go to /dev/stdout and /dev/stderr.',
    `prefix = ${kongPrefix(w)}`,
    '# Run as root (proxyproof run by root), nginx would hand its workers to the default "kong kong"',
    '# (nginx_main_user, kong_defaults.lua L84), who cannot enter the workdir; as root they stay root. Run as',
    '# any other user, nginx ignores "user" with a warning (nginx 1.25.3 src/core/nginx.c ngx_set_user).',
    'nginx_main_user = root root',
    `proxy_listen = ${input.listen.host}:${input.listen.port}`,
    'admin_listen = off',
    '# Readiness is GET /status/ready here: 200 once every worker has loaded the config and built its router',
    '# (kong/status/ready.lua L28-51). Kong\'s default 127.0.0.1:8007 would be shared by parallel runs.',
    input.statusPort === undefined ? `# Dry render: no status port was given; ${KONG_PLACEHOLDER_STATUS_PORT} (Kong's default) is a placeholder, never started.` : undefined,
    `status_listen = 127.0.0.1:${statusPort}`,
    'nginx_daemon = off',
    '# One worker (default auto: one per CPU). rate-limiting policy local reads its counter in access and',
    '# increments it later in a timer (kong/plugins/rate-limiting/handler.lua L143, L212; policies/init.lua',
    '# L308, L322; Kong/kong#5790), so concurrent requests over-admit, more so across workers.',
    'nginx_worker_processes = 1',
    'proxy_access_log = /dev/stdout',
    'proxy_error_log = /dev/stderr',
    'status_error_log = /dev/stderr',
    'anonymous_reports = off',
    '',
  ].filter((l) => l !== undefined).join('\n');
}

function commands(bin: string, workdir: string, mainFile: string) {
  return {
    command: { bin, args: ['start', '-c', path.join(workdir, CONF_FILE)] },
    checkCommand: { bin, args: ['config', 'parse', path.join(workdir, mainFile), '-c', path.join(workdir, CONF_FILE)] },
  };
}

/** What the declarative config is rendered from, and the notes on what Kong cannot express. */
interface KongContext {
  input: RenderInput;
  plan: Plan;
  notes: string[];
}

/** The plugins a route carries when it is in the policy's scope. */
interface RoutePlugins {
  auth: J | undefined;
  rateLimit: J | undefined;
}

/** key-auth, basic-auth or jwt for the secured routes. */
function authPlugin({ input, plan, notes }: KongContext): J | undefined {
  const a = plan.auth;
  if (!a) return undefined;
  if (a.kind === 'apiKey') {
    if (a.in === 'cookie') {
      notes.push(`auth: Kong key-auth reads headers, query and body, not cookies (${a.name}); not rendered`);
      return undefined;
    }
    // key_names are header names to Kong, for a query parameter too.
    const keyName = headerName(a.name, schemeNameSource(input, a.schemeName));
    return { name: 'key-auth', config: { key_names: [keyName], key_in_header: a.in === 'header', key_in_query: a.in === 'query', key_in_body: false, hide_credentials: false } };
  }
  if (a.kind === 'basic') return { name: 'basic-auth', config: { hide_credentials: false } };
  return { name: 'jwt', config: { header_names: ['authorization'], claims_to_verify: ['exp'], key_claim_name: 'iss' } };
}

/** rate-limiting for the scoped routes, when the window is one of Kong's. */
function rateLimitPlugin({ plan, notes }: KongContext): J | undefined {
  const rl = plan.rateLimit;
  if (!rl) return undefined;
  const plugin = rateLimitingOf(rl);
  if (!plugin) notes.push(`rateLimit: Kong's windows are a second, minute, hour or day; ${rl.windowMs} ms is none of them; not rendered`);
  if (plan.ops.filter((o) => o.rateLimited).length > 1) notes.push('rateLimit: one rate-limiting plugin per route: Kong counts each scoped route separately');
  return plugin;
}

/** A rate-limiting plugin for a limit (the suite's or a route's); undefined when its window is none of Kong's. */
function rateLimitingOf(rl: RateLimitPolicy): J | undefined {
  const window = KONG_WINDOWS[rl.windowMs];
  if (!window) return undefined;
  // With a Redis named, counters are shared across Kong nodes (policy redis); else each node counts alone.
  const redis = rl.redis;
  const store = redis ? { policy: 'redis', redis: { host: redis.host, port: redis.port, ...(redis.database !== undefined ? { database: redis.database } : {}) } } : { policy: 'local' };
  return { name: 'rate-limiting', config: { [window]: rl.limit, ...store, limit_by: rl.by === 'global' ? 'service' : rl.by, fault_tolerant: true } };
}

/** Retry and fault policies are not rendered: say why. */
function unrenderedNotes({ input, plan, notes }: KongContext): void {
  if (plan.retry) notes.push(`retry: Kong retries only connection failures and timeouts (service.retries ${plan.retry.attempts}; a sent POST, PATCH or LOCK not even those), never an HTTP 5xx`);
  if (input.suite.policies.fault) notes.push('fault: Kong has no header-matched abort; not rendered');
}

/**
 * Request transformation on every service: Kong's request-transformer runs
 * remove, rename, replace, add, append in that order, so replace + add of the
 * same header sets it whether or not the client sent one.
 */
function transformerPlugin(input: RenderInput): J | undefined {
  const transform = input.suite.policies.transform;
  return transform ? transformerOf(transform, (place) => inSuite(input, place)) : undefined;
}

/** request-transformer for a transform whose settings live where `at` says, and a whole-path rewrite (replace.uri). */
function transformerOf(transform: TransformPolicy | undefined, at: (place: string) => Source, uri?: string): J | undefined {
  if (!transform && uri === undefined) return undefined;
  const remove = (transform?.removeHeaders ?? []).map((n, i) => headerName(n, at(places.removeHeader(i))));
  // name:value, split by Kong at the first ':' (a token name has none).
  const set = Object.entries(transform?.setHeaders ?? {}).map(([n, v]) => {
    const src: Source = at(places.setHeader(n));
    return `${headerName(n, src)}:${templateText(headerValue(v, src))}`;
  });
  const replace: J = { ...(set.length ? { headers: set } : {}), ...(uri !== undefined ? { uri: templateText(uri) } : {}) };
  return {
    name: 'request-transformer',
    config: {
      ...(remove.length ? { remove: { headers: remove } } : {}),
      ...(Object.keys(replace).length ? { replace } : {}),
      ...(set.length ? { add: { headers: [...set] } } : {}),
    },
  };
}

/** One route per operation: its method and regex path, and the plugins of the policies in scope. */
function renderRoute(o: OpPlan, plugins: RoutePlugins): J {
  const route: J = {
    // The operationId is free text: only its name-safe characters reach the route name.
    name: `${o.key}-${sanitizedName(o.op.id)}`,
    methods: [o.op.method],
    paths: [`~${o.op.pathRegex.replace(/^\^/, '')}`],
    strip_path: false,
    preserve_host: false,
  };
  const onRoute: J[] = [];
  if (plugins.auth && o.secured) onRoute.push(plugins.auth);
  if (plugins.rateLimit && o.rateLimited) onRoute.push(plugins.rateLimit);
  if (onRoute.length) route.plugins = onRoute;
  return route;
}

/** One service per upstream, its host the Kong upstream of the same name, with the routes of its operations no route governs. */
function renderServices({ input, plan }: KongContext, plugins: RoutePlugins, transformer: J | undefined): J[] {
  const governed = new Set(plan.routes.flatMap((r) => r.ops));
  return plan.upstreams.map((u) => {
    const service: J = {
      name: u.name,
      host: u.name,
      port: 80,
      protocol: 'http',
      retries: plan.retry?.attempts ?? 0,
      connect_timeout: 2000,
      // read_timeout is per try (Kong retries a timed-out try of an idempotent method): a per-try timeout wins, else the request timeout.
      read_timeout: plan.retry?.perTryTimeoutMs ?? input.suite.policies.timeout?.requestMs ?? 30_000,
      write_timeout: 30_000,
      routes: plan.ops.filter((o) => o.upstream === u.name && !governed.has(o.key)).map((o) => renderRoute(o, plugins)),
    };
    if (transformer) service.plugins = [transformer];
    return service;
  });
}

/** The Kong upstream and service of a route: its destination's replicas, weighted by the route's weights. */
function routeUpstreamName(rp: RoutePlan): string {
  return `${rp.upstream.name}-${rp.key}`;
}

/**
 * A route's plugins on each of its Kong routes: the suite's auth where an
 * operation of its domain is secured (Kong scopes a plugin to a route, not to
 * an operation: a note names unsecured operations that share it), its own
 * rate limit or the suite's, and its transform (or the suite's) with a
 * whole-path rewrite (request-transformer replace.uri).
 */
function routePlugins(ctx: KongContext, plugins: RoutePlugins, rp: RoutePlan): J[] {
  const domain = ctx.plan.ops.filter((o) => rp.ops.includes(o.key));
  const out: J[] = [];
  if (plugins.auth && domain.some((o) => o.secured)) {
    const open = domain.filter((o) => !o.secured).map((o) => o.op.id);
    if (open.length) ctx.notes.push(`auth: route ${rp.route.name} carries the auth plugin; its unsecured operations (${open.join(', ')}) need a credential there too`);
    out.push(plugins.auth);
  }
  const rl = rp.policies.rateLimit ? rateLimitingOf(rp.policies.rateLimit) : domain.some((o) => o.rateLimited) ? plugins.rateLimit : undefined;
  // The counter's key holds the Kong route's id (rate-limiting policies/init.lua get_local_key): one count per match.
  if (rp.policies.rateLimit && rp.route.matches.length > 1) ctx.notes.push(`rateLimit: route ${rp.route.name} has ${rp.route.matches.length} matches, each a Kong route: Kong counts each separately`);
  if (rl) out.push(rl);
  const at = (place: string): Source => ({ file: rp.route.origin.file, place: `${rp.route.origin.place}.transform.${place.replace(/^policies\.transform\.request\./, '')}` });
  const own = rp.policies.transform;
  const transformer = own ? transformerOf(own, at, rp.route.rewrite?.full) : transformerOf(ctx.input.suite.policies.transform, (p) => inSuite(ctx.input, p), rp.route.rewrite?.full);
  if (transformer) out.push(transformer);
  return out;
}

/** One Kong route per match of the route (Kong has no first-match order: regex_priority ranks earlier routes higher). */
function routeKongRoutes(ctx: KongContext, plugins: RoutePlugins, rp: RoutePlan, rank: number): J[] {
  checkKongValues(rp.route);
  const matches: Array<RouteMatch | undefined> = rp.route.matches.length ? rp.route.matches : [undefined];
  const onRoute = routePlugins(ctx, plugins, rp);
  return matches.map((m, k) => ({
    name: `${rp.key}.${k}-${sanitizedName(rp.route.name)}`,
    ...withPriority(kongMatch(m), rank),
    // A prefix rewrite: strip the matched path, the rest joined to the service's path.
    strip_path: rp.route.rewrite?.prefix !== undefined,
    preserve_host: false,
    ...(onRoute.length ? { plugins: onRoute } : {}),
  }));
}

/** A service per route, its host the route's own Kong upstream, with the route's own retry and timeout (else the suite's). */
function routeService(ctx: KongContext, plugins: RoutePlugins, rp: RoutePlan, rank: number): J {
  const retry = rp.policies.retry ?? ctx.plan.retry;
  const timeout = rp.policies.timeout ?? ctx.input.suite.policies.timeout;
  const name = routeUpstreamName(rp);
  const service: J = { name, host: name, port: 80, protocol: 'http', retries: retry?.attempts ?? 0, connect_timeout: 2000, read_timeout: retry?.perTryTimeoutMs ?? timeout?.requestMs ?? 30_000, write_timeout: 30_000 };
  const prefix = rp.route.rewrite?.prefix;
  // An empty rewrite leaves the service without a path: Kong joins the rest to "/" (get_upstream_uri_v0), the prefix removed.
  if (prefix) {
    if (!prefix.startsWith('/')) throw new InputError(rp.route.origin.file, `${rp.route.origin.place}.rewrite`, `Kong takes a service path that starts with /, not ${JSON.stringify(prefix)}`);
    service.path = prefix;
  }
  service.routes = routeKongRoutes(ctx, plugins, rp, rank);
  return service;
}

/** The routes' services and Kong upstreams; what Kong cannot express goes in the notes. */
function renderRouteServices(ctx: KongContext, plugins: RoutePlugins): { services: J[]; upstreams: J[] } {
  const n = ctx.plan.routes.length;
  for (const p of kongRouteProblems(ctx.plan.routes.map((r) => r.route))) ctx.notes.push(`routing: ${p}; not rendered that way`);
  return {
    services: ctx.plan.routes.map((rp, i) => routeService(ctx, plugins, rp, n - i)),
    upstreams: renderUpstreams({ ...ctx.plan, upstreams: ctx.plan.routes.map((rp) => ({ name: routeUpstreamName(rp), servers: rp.upstream.servers })) }),
  };
}

/** Kong upstreams: targets = the mock replicas, weights = the canary. */
function renderUpstreams(plan: Plan): J[] {
  return plan.upstreams.map((u) => ({
    name: u.name,
    algorithm: 'round-robin',
    targets: u.servers.map((s) => ({ target: `${s.endpoint.host}:${s.endpoint.port}`, weight: s.weight, tags: [`version-${s.version}`] })),
  }));
}

/** The iss claim of a bearer token, read without verifying it (as Kong reads it to find the secret); undefined when it has none. */
export function tokenIssuer(token: string): string | undefined {
  try {
    const claims: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    const iss = (claims as { iss?: unknown } | null)?.iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The jwt secrets' keys. Kong's jwt plugin finds the secret by the token's iss (key_claim_name default
 * iss; kong/plugins/jwt/handler.lua L182-198, schema.lua L24, Kong 3.9.1), so the key is the suite's
 * issuer. Without one the auth check is notSupported (index.ts cannotRender); the secrets are then keyed
 * by the iss of the valid consumers' tokens, so the other checks' requests still get through.
 */
function jwtKeys({ input, notes }: KongContext, issuer: string | undefined): string[] {
  const tokens = input.suite.consumers.filter((c) => c.valid && c.credential.kind === 'bearer');
  const issOf = (c: (typeof tokens)[number]) => tokenIssuer(c.credential.kind === 'bearer' ? c.credential.token : '');
  if (issuer) {
    for (const c of tokens) if (issOf(c) !== issuer) notes.push(`auth: consumer ${c.name}'s token has iss ${issOf(c) ?? '(none)'}, not ${issuer}: Kong answers it 401`);
    return [issuer];
  }
  const seen = [...new Set(tokens.map(issOf).filter((i): i is string => i !== undefined))];
  notes.push(`auth: no policies.auth.jwt.issuer: Kong's jwt finds the secret by the token's iss; keyed by the valid tokens' iss (${seen.join(', ') || 'none'}); the auth check is not run`);
  return seen.length ? seen : ['proxyproof'];
}

/** The suite's valid consumers with the credential the auth plugin reads; for jwt, one consumer holding a secret per issuer. */
function renderConsumers(ctx: KongContext): J[] {
  const { input, plan, notes } = ctx;
  const consumers: J[] = [];
  const valid = input.suite.consumers.filter((c) => c.valid);
  if (plan.auth?.kind === 'apiKey') {
    for (const c of valid) if (c.credential.kind === 'apiKey') consumers.push({ username: c.name, keyauth_credentials: [{ key: c.credential.key }] });
  } else if (plan.auth?.kind === 'basic') {
    for (const c of valid) {
      if (c.credential.kind !== 'basic') continue;
      const user = basicUser(c.credential.user, inSuite(input, places.basicUser(c.name)));
      consumers.push({ username: c.name, basicauth_credentials: [{ username: user, password: c.credential.password }] });
    }
  } else if (plan.auth?.kind === 'bearer') {
    const jwt = plan.auth.jwt;
    const secret = (key: string): J => (jwt.alg === 'HS256' ? { key, algorithm: 'HS256', secret: jwt.secret } : { key, algorithm: 'RS256', rsa_public_key: jwt.keys[0].pem });
    if (jwt.keys.length > 1) notes.push('auth: Kong holds one RS256 key per issuer; the first key of the JWKS is used');
    consumers.push({ username: 'proxyproof-jwt', jwt_secrets: jwtKeys(ctx, jwt.issuer).map(secret) });
  }
  return consumers;
}

export function renderKongDoc(input: RenderInput): { doc: J; notes: string[] } {
  const ctx: KongContext = { input, plan: makePlan(input, WEIGHT_CAP, 'kong'), notes: [] };
  const plugins: RoutePlugins = { auth: authPlugin(ctx), rateLimit: rateLimitPlugin(ctx) };
  unrenderedNotes(ctx);
  const routed = renderRouteServices(ctx, plugins);
  const services = [...renderServices(ctx, plugins, transformerPlugin(input)), ...routed.services];
  const upstreams = [...renderUpstreams(ctx.plan), ...routed.upstreams];
  const consumers = renderConsumers(ctx);
  const doc: J = { _format_version: '3.0', services, upstreams };
  if (consumers.length) doc.consumers = consumers;
  return { doc, notes: ctx.notes };
}

export function renderKong(input: RenderInput, bin: string): RenderedConfig {
  const { doc, notes } = renderKongDoc(input);
  const problems = validateKongConfig(doc);
  if (problems.length) throw new Error(`internal: rendered Kong config breaks the declarative schema: ${problems[0].path}: ${problems[0].message}`);
  const header = [
    comment(`Rendered by proxyproof from suite "${input.suite.name}" (${input.suite.file}).`),
    '# Kong DB-less declarative config. Edit the suite, not this file.',
    ...notes.map(comment),
  ].join('\n');
  return {
    target: 'kong',
    mainFile: MAIN_FILE,
    files: { [MAIN_FILE]: `${header}\n${kongYaml(doc)}`, [CONF_FILE]: conf(input, MAIN_FILE) },
    ...commands(bin, input.workdir, MAIN_FILE),
  };
}

/**
 * The user's kong.yml: placeholders replaced, then every service whose host
 * (or url host) names a suite upstream, and every Kong upstream of that name,
 * is pointed at the mock replicas. A Kong upstream's targets map onto the
 * suite upstream's versions in order, keeping their weights.
 */
export function kongFromUserConfig(input: RenderInput, configFile: string, bin: string): RenderedConfig & { sourceFile: string } {
  // Kong listens where kong.conf (written by proxyproof) says: kong.yml has no listen address.
  const text = readUserConfig(input, configFile, 'Kong declarative', false).content;
  let doc: J;
  try {
    doc = (parse(text) ?? {}) as J;
  } catch (err) {
    throw new InputError(configFile, undefined, `YAML syntax: ${(err as Error).message.split('\n')[0]}`);
  }
  const problems = validateKongConfig(doc);
  if (problems.length) throw new InputError(configFile, problems[0].path, `not a Kong declarative config: ${problems[0].message}`);
  const upstreams = (doc.upstreams as J[] | undefined) ?? [];
  const byName = new Map(upstreams.map((u) => [String(u.name), u]));
  const suiteUps = input.suite.upstreams;
  for (const s of (doc.services as J[] | undefined) ?? []) {
    let host = typeof s.host === 'string' ? s.host : undefined;
    if (typeof s.url === 'string') {
      const url = new URL(s.url);
      host = url.hostname;
      delete s.url;
      s.protocol = 'http';
      if (url.pathname && url.pathname !== '/') s.path = url.pathname;
    }
    const target = suiteUps.find((u) => u.name === host) ?? suiteUps.find((u) => u.name === s.name);
    if (!target) continue;
    s.host = target.name;
    s.port = 80;
    s.protocol = 'http';
    if (!byName.has(target.name)) {
      const u: J = { name: target.name, algorithm: 'round-robin', targets: [] };
      upstreams.push(u);
      byName.set(target.name, u);
    }
  }
  for (const [name, u] of byName) {
    const su = suiteUps.find((x) => x.name === name);
    if (!su) continue;
    const old = (u.targets as J[] | undefined) ?? [];
    const targets: J[] = [];
    su.versions.forEach((v, i) => {
      const weight = old.length ? Number(old[i]?.weight ?? (i < old.length ? 100 : 0)) : 100;
      const replicas = input.upstreams[name]?.[v] ?? [];
      for (const ep of replicas) targets.push({ target: `${ep.host}:${ep.port}`, weight: Math.max(0, Math.round(weight / Math.max(1, replicas.length))), tags: [`version-${v}`] });
    });
    u.targets = targets;
  }
  if (upstreams.length) doc.upstreams = upstreams;
  const out = `${comment(`${path.basename(configFile)} with its upstream hosts mapped to the proxyproof mocks`)}\n${kongYaml(doc)}`;
  return {
    target: 'kong',
    mainFile: MAIN_FILE,
    files: { [MAIN_FILE]: out, [CONF_FILE]: conf(input, MAIN_FILE) },
    ...commands(bin, input.workdir, MAIN_FILE),
    sourceFile: configFile,
  };
}
