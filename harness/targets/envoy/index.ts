// The Envoy target: an Istio-style sidecar bootstrap rendered from the
// policies (or the user's own); Envoy runs only as a container here.

import type { Feature } from '../../model/features.ts';
import type { Policies, PolicyName } from '../../model/policies.ts';
import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { lastLineComplaint, type TargetDriver } from '../target.ts';
import type { Route } from '../../model/routes.ts';
import { ADMIN_ADDRESS_FILE, envoyFromUserConfig, MIN_ABORT_STATUS, MIN_FILL_INTERVAL_MS, renderEnvoy } from './render.ts';
import { invertedMatchesEmpty } from './matches.ts';

export const ENVOY_IMAGE = 'envoyproxy/envoy:v1.34.1';

export const ENVOY_FEATURES: ReadonlySet<Feature> = new Set<Feature>([
  'auth.apiKey',
  'auth.basic',
  'auth.bearer',
  'rateLimit.global',
  'retry.status',
  'retry.methods',
  'retry.perTryTimeout',
  'canary.weights',
  'contract',
  'fault.abort',
  'fault.delay',
  'transform.headers',
  'timeout.request',
  // Routes (render.ts, routes.ts, matches.ts; docs/targets/envoy.md "Routes").
  'routing.path',
  'routing.pathIgnoreCase',
  'routing.method',
  'routing.header',
  'routing.query',
  'routing.split',
  'routing.rewrite',
  'route.retry',
  'route.timeout',
  'route.fault',
  'route.transform',
  'route.rateLimit',
]);

/** Settings Envoy refuses in its config, so the render leaves them out and the check is notSupported. */
export function envoyCannotRender(policies: Policies): Partial<Record<PolicyName, string>> {
  const out: Partial<Record<PolicyName, string>> = {};
  const rl = policies.rateLimit;
  if (rl && rl.by === 'global' && rl.windowMs < MIN_FILL_INTERVAL_MS) {
    out.rateLimit = `Envoy's local rate limit refuses a fill_interval under ${MIN_FILL_INTERVAL_MS} ms (local_ratelimit_impl.cc); the window is ${rl.windowMs} ms`;
  }
  const low = (policies.fault?.rules ?? []).filter((r) => r.abort && r.abort.status < MIN_ABORT_STATUS).map((r) => r.abort!.status);
  if (low.length) out.fault = `Envoy's fault filter aborts with a status of ${MIN_ABORT_STATUS}..599 only (FaultAbort.http_status), not ${low.join(', ')}`;
  const routing = envoyRouteProblems(policies.routing?.routes ?? []);
  if (routing.length) out.routing = routing.join('; ');
  return out;
}

/**
 * Route matches Envoy cannot carry as the model means them, each with the
 * reason. (A route's own fault and rate limit are judged by their checks in the
 * route's scope, whose policies envoyCannotRender reads like the suite's.)
 */
export function envoyRouteProblems(routes: readonly Route[]): string[] {
  const out: string[] = [];
  for (const r of routes) {
    for (const h of r.matches.flatMap((m) => m.headers).filter(invertedMatchesEmpty)) {
      out.push(`route ${r.name}: without header ${h.name} matching ${h.kind} ${JSON.stringify(h.value ?? '')}: Envoy reads a missing header as empty for an inverted match (treat_missing_header_as_empty), and the empty value matches, so a request without the header would not hold`);
    }
  }
  return out;
}

export const envoyTarget: TargetDriver = {
  name: 'envoy',
  features: ENVOY_FEATURES,
  unsupportedBecause: {
    'rateLimit.consumer': "Envoy's local rate limit keeps one bucket per route; per-consumer buckets need descriptors",
    'rateLimit.ip': "Envoy's local rate limit keeps one bucket per route; per-IP buckets need descriptors",
  },
  cannotRender: envoyCannotRender,
  render(input: RenderInput): RenderedConfig {
    return renderEnvoy(input, this.process.binary);
  },
  fromUserConfig(input: RenderInput, configFile: string): RenderedConfig {
    return envoyFromUserConfig(input, configFile, this.process.binary);
  },
  process: { binary: 'envoy', installHint: `Envoy runs here only as a container: --runtime container with image ${ENVOY_IMAGE} (or your own via --image / targets.envoy.image)` },
  container: {
    image: ENVOY_IMAGE,
    family: 'envoyproxy/envoy:v1.3x',
    fix: `load ${ENVOY_IMAGE} where a registry is reachable (docker pull ${ENVOY_IMAGE}; docker save | podman load here), or name yours with --image / targets.envoy.image`,
  },
  // render.ts passes --admin-address-path <workdir>/admin.addr; /ready answers 200 LIVE once initialised.
  readiness: { kind: 'admin-file', file: ADMIN_ADDRESS_FILE, path: '/ready', status: 200 },
  checkLabel: 'envoy --mode validate',
  schemaCheck: "Envoy's xDS protos and their validate rules",
  parseCheckOutput: lastLineComplaint,
};
