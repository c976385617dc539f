// The Envoy target: an Istio-style sidecar bootstrap rendered from the
// policies (or the user's own); Envoy runs only as a container here.

import type { Feature } from '../../model/features.ts';
import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { lastLineComplaint, type TargetDriver } from '../target.ts';
import { envoyFromUserConfig, renderEnvoy } from './render.ts';

export const ENVOY_IMAGE = 'envoyproxy/envoy:v1.34.1';

export const ENVOY_FEATURES: ReadonlySet<Feature> = new Set<Feature>([
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
]);

export const envoyTarget: TargetDriver = {
  name: 'envoy',
  features: ENVOY_FEATURES,
  unsupportedBecause: {
    'auth.apiKey': 'an Istio sidecar authenticates JWTs only (RequestAuthentication)',
    'auth.basic': 'an Istio sidecar authenticates JWTs only (RequestAuthentication)',
    'rateLimit.consumer': "Envoy's local rate limit keeps one bucket per route; per-consumer buckets need descriptors",
    'rateLimit.ip': "Envoy's local rate limit keeps one bucket per route; per-IP buckets need descriptors",
  },
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
  readiness: { kind: 'port' },
  parseCheckOutput: lastLineComplaint,
};
