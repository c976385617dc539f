// The HAProxy target: rendered haproxy.cfg or the user's config; a local
// process or the official / Debian-built image.

import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { retryStatusesBeyond, timeoutOverTries } from '../shared/rules.ts';
import { lastLineComplaint, type CheckComplaint, type TargetDriver } from '../target.ts';
import { HAPROXY_FEATURES, HAPROXY_RETRY_STATUSES, HAPROXY_UNSUPPORTED } from './features.ts';
import { routingProblems } from '../shared/route-rules.ts';
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

export const haproxyTarget: TargetDriver = {
  name: 'haproxy',
  features: HAPROXY_FEATURES,
  unsupportedBecause: HAPROXY_UNSUPPORTED,
  cannotRender: (policies) => ({
    // A route's own policies are judged where they are checked (routes/scope.ts: the route's policies in the suite's place).
    ...routingProblems(policies, 'HAProxy'),
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
