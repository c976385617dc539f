// The HAProxy target: rendered haproxy.cfg or the user's config; a local
// process or the official / Debian-built image.

import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { retryStatusesBeyond, timeoutOverTries } from '../shared/rules.ts';
import { lastLineComplaint, type CheckComplaint, type TargetDriver } from '../target.ts';
import { HAPROXY_FEATURES, HAPROXY_RETRY_STATUSES, HAPROXY_UNSUPPORTED } from './features.ts';
import { routingProblems } from '../shared/route-rules.ts';
import type { Policies } from '../../model/policies.ts';
import type { Route } from '../../model/routes.ts';
import { haproxyFromUserConfig, renderHaproxy } from './render.ts';

/** `haproxy -c` says: [ALERT]    (123) : config : parsing [/w/haproxy.cfg:12] : unknown keyword 'x' ... */
export function parseHaproxyCheck(output: string): CheckComplaint {
  const alerts = output.split('\n').map((l) => l.trim()).filter((l) => /\[ALERT\]/.test(l));
  const hap = alerts.find((l) => /parsing \[/.test(l)) ?? alerts.find((l) => !/Fatal errors found/.test(l)) ?? alerts[0];
  if (!hap) return lastLineComplaint(output);
  const m = /parsing \[(\/[^:\]]+):(\d+)\]\s*:\s*(.*)$/.exec(hap);
  if (m) return { file: m[1], line: Number(m[2]), message: m[3] };
  // config : [/w/haproxy.cfg:12] : ... (alerts raised after parsing name the line this way)
  const later = /\[(\/[^:\]]+):(\d+)\]\s*:\s*(.*)$/.exec(hap);
  if (later) return { file: later[1], line: Number(later[2]), message: later[3] };
  return { message: hap.replace(/^\[ALERT\]\s*\(\d+\)\s*:\s*/, '') };
}

/** A route's own policies HAProxy cannot carry: the same limits as the suite's, and no route rate limit. */
function routePolicyProblem(route: Route): string | undefined {
  const p = route.policies as Policies;
  const why = {
    ...retryStatusesBeyond(p, HAPROXY_RETRY_STATUSES, "HAProxy's retry-on"),
    ...timeoutOverTries(p, 'HAProxy', p.retry?.perTryTimeoutMs, p.retry?.attempts ?? 0),
  };
  const first = Object.entries(why)[0];
  if (first) return `route ${route.name}'s own ${first[0]}: ${first[1]}`;
  if (p.rateLimit) return `route ${route.name}: ${HAPROXY_UNSUPPORTED['route.rateLimit']}`;
  if ((p.fault?.rules ?? []).some((r) => r.headers.length)) return `route ${route.name}: a route's fault is rendered for all of its requests; header conditions on it are not`;
  return undefined;
}

export const haproxyTarget: TargetDriver = {
  name: 'haproxy',
  features: HAPROXY_FEATURES,
  unsupportedBecause: HAPROXY_UNSUPPORTED,
  cannotRender: (policies) => ({
    ...routingProblems(policies, 'HAProxy', routePolicyProblem),
    ...retryStatusesBeyond(policies, HAPROXY_RETRY_STATUSES, "HAProxy's retry-on"),
    // Only with a per-try timeout does HAProxy retry on response-timeout.
    ...timeoutOverTries(policies, 'HAProxy', policies.retry?.perTryTimeoutMs, policies.retry?.attempts ?? 0),
  }),
  render(input: RenderInput): RenderedConfig {
    return renderHaproxy(input, this.process.binary);
  },
  fromUserConfig(input: RenderInput, configFile: string): RenderedConfig {
    return haproxyFromUserConfig(input, configFile, this.process.binary);
  },
  process: { binary: 'haproxy', installHint: 'apt-get install haproxy' },
  container: {
    image: 'haproxy:2.8',
    localImage: 'proxyproof/haproxy:bookworm',
    family: 'haproxy',
    fix: 'bash scripts/build-images.sh (builds proxyproof/haproxy:bookworm from Debian packages), or load haproxy:2.8',
  },
  readiness: { kind: 'port' },
  checkLabel: 'haproxy -c',
  parseCheckOutput: parseHaproxyCheck,
};
