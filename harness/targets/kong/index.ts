// The Kong target: a DB-less declarative kong.yml, rendered or the user's
// (its hosts mapped to the mocks); Kong runs only as a container here.

import type { Feature } from '../../model/features.ts';
import type { Policies, PolicyName } from '../../model/policies.ts';
import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { ALL_METHODS } from '../../model/spec.ts';
import { timeoutOverTries } from '../shared/rules.ts';
import { lastLineComplaint, type TargetDriver } from '../target.ts';
import { kongFromUserConfig, renderKong } from './render.ts';
import { kongRouteProblems, rateLimitProblem } from './routes.ts';

export const KONG_IMAGE = 'kong:3.9';

export const KONG_FEATURES: ReadonlySet<Feature> = new Set<Feature>([
  'auth.apiKey',
  'auth.basic',
  'auth.bearer',
  'rateLimit.consumer',
  'rateLimit.ip',
  'rateLimit.global',
  'canary.weights',
  'contract',
  'transform.headers',
  'timeout.request',
  // Routes (render.ts, routes.ts; docs/targets/kong.md "Routes"): what a route states that Kong's router
  // cannot take (a query, a negative or case-sensitive header, an order Kong's priority breaks) is
  // cannotRender with the reason (kongRouteProblems).
  'routing.path',
  'routing.pathIgnoreCase',
  'routing.method',
  'routing.header',
  'routing.split',
  'routing.rewrite',
  'route.timeout',
  'route.transform',
  'route.rateLimit',
]);

/**
 * Why a retry on 5xx is not supported on Kong: Kong 3.9.1 sets no proxy_next_upstream (nothing in
 * kong/templates/), so nginx's default "error timeout" decides, and nginx's non-idempotent rule keeps a
 * sent POST, PATCH or LOCK from being retried at all (nginx 1.25.3 ngx_http_upstream.c L4404-4414).
 */
const KONG_NO_5XX_RETRY = 'Kong retries only connection failures and timeouts (and not those of a POST, PATCH or LOCK once sent), never an HTTP 5xx answer';

/**
 * Why the rate-limit check sends its burst to Kong one request after another: rate-limiting with
 * policy local reads the counter in the access phase and increments it only later, in a zero-delay timer
 * (kong/plugins/rate-limiting/handler.lua L143 get_usage, L212 timer_at(0, increment); policies/init.lua
 * L322 shm:get, L308 shm:incr; Kong 3.9.1), with nothing in between; so every request of a concurrent
 * burst that reads before the earlier ones' timers ran is admitted past the limit (Kong/kong#5790), even
 * with the one worker kong.conf sets. Sent serially, each request's increment has run (while it waited
 * on the upstream) before the next one reads.
 */
export const KONG_SERIAL_BURST_REASON =
  "Kong's rate-limiting (policy local) reads its counter before admitting and increments it afterwards in a timer " +
  '(kong/plugins/rate-limiting/handler.lua, policies/init.lua, Kong 3.9; Kong/kong#5790): a concurrent burst is over-admitted by design, ' +
  'so the burst is sent one request after another';

/**
 * Kong's jwt plugin looks the credential up by the token's iss (key_claim_name, default iss): a token
 * whose iss is no jwt_secrets key gets 401 "No credentials found for given 'iss'" (kong/plugins/jwt/
 * handler.lua L182-198, schema.lua L24, Kong 3.9.1); it has no "any issuer" setting. The render keys the
 * secret by policies.auth.jwt.issuer; without one the auth check cannot be rendered. (Policies alone are
 * seen here: jwt settings are taken to mean the bearer scheme, the only one that reads them.)
 */
function kongJwtIssuer(policies: Policies): Partial<Record<PolicyName, string>> {
  const jwt = policies.auth?.jwt;
  if (!jwt || jwt.issuer) return {};
  return { auth: "Kong's jwt plugin picks the credential by the token's iss claim and has no setting for any issuer: set policies.auth.jwt.issuer to the iss your tokens carry" };
}

/** Kong has one read_timeout per service, for every method: a per-try timeout shorter than the request timeout cuts the single try of methods that are not retried. */
function kongOneReadTimeout(policies: Policies): Partial<Record<PolicyName, string>> {
  const t = policies.timeout;
  const r = policies.retry;
  if (!t || !r || r.perTryTimeoutMs === undefined || r.perTryTimeoutMs >= t.requestMs || ALL_METHODS.every((m) => r.methods.includes(m))) return {};
  return { timeout: `Kong has one read_timeout per service for every method: the ${r.perTryTimeoutMs} ms per try of retried ${r.methods.join(', ')} would cut the single try of other methods before the ${t.requestMs} ms request timeout` };
}

/** A rate limit whose window Kong's rate-limiting has no field for: the render leaves it out. */
function kongRateLimitWindow(policies: Policies): Partial<Record<PolicyName, string>> {
  const why = rateLimitProblem(policies.rateLimit);
  return why ? { rateLimit: why } : {};
}

/** Routes Kong's router cannot take as stated (kong/routes.ts kongRouteProblems says why). */
function kongRouting(policies: Policies): Partial<Record<PolicyName, string>> {
  const problems = kongRouteProblems(policies.routing?.routes ?? []);
  return problems.length ? { routing: problems.join('; ') } : {};
}

export const kongTarget: TargetDriver = {
  name: 'kong',
  features: KONG_FEATURES,
  // timeoutOverTries counts every try: right for GET, PUT, DELETE; a sent POST/PATCH/LOCK gets one try (nginx's
  // non-idempotent rule), so the bound is the cautious one for those.
  cannotRender: (policies) => ({
    ...timeoutOverTries(policies, 'Kong', policies.retry?.perTryTimeoutMs ?? policies.timeout?.requestMs, policies.retry?.attempts ?? 0),
    ...kongOneReadTimeout(policies),
    ...kongJwtIssuer(policies),
    ...kongRouting(policies),
    ...kongRateLimitWindow(policies),
  }),
  unsupportedBecause: {
    'retry.status': KONG_NO_5XX_RETRY,
    'retry.methods': KONG_NO_5XX_RETRY,
    'retry.perTryTimeout': KONG_NO_5XX_RETRY,
    'fault.abort': "Kong has no header-matched abort (request-termination triggers on a header's presence only)",
    'fault.delay': 'Kong has no delay injection',
    'routing.query': "Kong's default router (router_flavor traditional_compatible, Kong 3.9) matches no query parameter: kong/router/transform.lua get_expression reads methods, hosts, paths, headers, snis, sources and destinations only",
    'route.retry': KONG_NO_5XX_RETRY,
    'route.fault': "Kong has no header-matched abort (request-termination triggers on a header's presence only) and no delay injection",
  },
  render(input: RenderInput): RenderedConfig {
    return renderKong(input, this.process.binary);
  },
  fromUserConfig(input: RenderInput, configFile: string): RenderedConfig {
    return kongFromUserConfig(input, configFile, this.process.binary);
  },
  process: { binary: 'kong', installHint: `Kong runs here only as a container: --runtime container with image ${KONG_IMAGE} (or your own via --image / targets.kong.image)` },
  container: {
    image: KONG_IMAGE,
    family: 'kong:3.x',
    fix: `load ${KONG_IMAGE} where a registry is reachable (docker pull ${KONG_IMAGE}; docker save | podman load here), or name yours with --image / targets.kong.image`,
  },
  // Not "any answer on the proxy port": the master binds it before any config is loaded (nginx 1.25.3
  // ngx_cycle.c L618), each worker loads the declarative config in init_worker (kong/init.lua L931, 3.9.1),
  // and a worker whose init failed still serves, logging "this node must be restarted" (init.lua L161-190).
  // /status/ready on status_listen (kong.conf: the status port the runner gives) answers 200 only once every
  // worker has built its router and plugins iterator from a non-empty config (kong/status/ready.lua L28-51,
  // L103-124), else 503.
  readiness: { kind: 'http', path: '/status/ready', port: 'status', status: 200 },
  traits: { serialBurst: KONG_SERIAL_BURST_REASON },
  checkLabel: 'kong config parse',
  schemaCheck: "Kong 3.9's declarative-config schema (kong-declarative.schema.json)",
  parseCheckOutput: lastLineComplaint,
};
