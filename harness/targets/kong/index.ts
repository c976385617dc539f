// The Kong target: a DB-less declarative kong.yml, rendered or the user's
// (its hosts mapped to the mocks); Kong runs only as a container here.

import type { Feature } from '../../model/features.ts';
import type { Policies, PolicyName } from '../../model/policies.ts';
import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { ALL_METHODS } from '../../model/spec.ts';
import { timeoutOverTries } from '../shared/rules.ts';
import { lastLineComplaint, type TargetDriver } from '../target.ts';
import { kongFromUserConfig, renderKong } from './render.ts';

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
]);

/** Why a retry on 5xx is not supported on Kong. */
const KONG_NO_5XX_RETRY = 'Kong retries only connection failures and timeouts, never an HTTP 5xx answer';

/** Kong has one read_timeout per service, for every method: a per-try timeout shorter than the request timeout cuts the single try of methods that are not retried. */
function kongOneReadTimeout(policies: Policies): Partial<Record<PolicyName, string>> {
  const t = policies.timeout;
  const r = policies.retry;
  if (!t || !r || r.perTryTimeoutMs === undefined || r.perTryTimeoutMs >= t.requestMs || ALL_METHODS.every((m) => r.methods.includes(m))) return {};
  return { timeout: `Kong has one read_timeout per service for every method: the ${r.perTryTimeoutMs} ms per try of retried ${r.methods.join(', ')} would cut the single try of other methods before the ${t.requestMs} ms request timeout` };
}

export const kongTarget: TargetDriver = {
  name: 'kong',
  features: KONG_FEATURES,
  cannotRender: (policies) => ({ ...timeoutOverTries(policies, 'Kong', policies.retry?.perTryTimeoutMs ?? policies.timeout?.requestMs, policies.retry?.attempts ?? 0), ...kongOneReadTimeout(policies) }),
  unsupportedBecause: {
    'retry.status': KONG_NO_5XX_RETRY,
    'retry.methods': KONG_NO_5XX_RETRY,
    'retry.perTryTimeout': KONG_NO_5XX_RETRY,
    'fault.abort': "Kong has no header-matched abort (request-termination triggers on a header's presence only)",
    'fault.delay': 'Kong has no delay injection',
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
  // Kong opens its proxy port once the declarative config is loaded; a 404 "no Route matched" is an answer.
  readiness: { kind: 'http', path: '/__proxyproof_ready' },
  parseCheckOutput: lastLineComplaint,
};
