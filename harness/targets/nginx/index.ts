// The nginx target: rendered nginx.conf (njs for JWT) or the user's config;
// a local process or the official / Debian-built image.

import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { retryStatusesBeyond } from '../shared/rules.ts';
import { lastLineComplaint, type CheckComplaint, type TargetDriver } from '../target.ts';
import { NGINX_FEATURES, NGINX_RETRY_STATUSES } from './features.ts';
import { nginxFromUserConfig, nginxRateProblem, renderNginx } from './render.ts';
import type { Policies, PolicyName } from '../../model/policies.ts';

/** `nginx -t` says: nginx: [emerg] unknown directive "x" in /w/nginx.conf:12 */
export function parseNginxCheck(output: string): CheckComplaint {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const ngx = lines.find((l) => /\[(emerg|alert|crit|error)\]/.test(l) && !/test failed/.test(l));
  if (!ngx) return lastLineComplaint(output);
  const m = /^(?:nginx: )?\[\w+\] (.*?)(?: in (\/\S+?):(\d+))?$/.exec(ngx);
  if (m) return { message: m[1], file: m[2], line: m[3] ? Number(m[3]) : undefined };
  return { message: ngx };
}

function rateProblem(policies: Policies): Partial<Record<PolicyName, string>> {
  const rl = policies.rateLimit;
  const why = rl && nginxRateProblem(rl.limit, rl.windowMs);
  return why ? { rateLimit: why } : {};
}

/** split_clients takes percentages with two decimals: a share under 0.005% would be written as 0%, which nginx refuses. */
function faultShareProblem(policies: Policies): Partial<Record<PolicyName, string>> {
  const tiny = (policies.fault?.rules ?? []).find((r) => r.abort && r.abort.percent > 0 && r.abort.percent < 0.005);
  return tiny ? { fault: `nginx's split_clients writes shares with two decimals; an abort on ${tiny.abort!.percent}% of requests would be 0%` } : {};
}

export const nginxTarget: TargetDriver = {
  name: 'nginx',
  features: NGINX_FEATURES,
  // proxy_set_header values are expanded, but a literal '$' is written as ${pp_dollar} (escape.ts): no reason here.
  cannotRender: (policies) => ({
    ...retryStatusesBeyond(policies, NGINX_RETRY_STATUSES, "nginx's proxy_next_upstream"),
    ...rateProblem(policies),
    ...faultShareProblem(policies),
  }),
  render(input: RenderInput): RenderedConfig {
    return renderNginx(input, this.process.binary);
  },
  fromUserConfig(input: RenderInput, configFile: string): RenderedConfig {
    return nginxFromUserConfig(input, configFile, this.process.binary);
  },
  process: { binary: 'nginx', installHint: 'apt-get install nginx-light libnginx-mod-http-js' },
  container: {
    image: 'nginx:1.27',
    localImage: 'proxyproof/nginx:bookworm',
    family: 'nginx',
    fix: 'bash scripts/build-images.sh (builds proxyproof/nginx:bookworm from Debian packages), or load nginx:1.27',
  },
  readiness: { kind: 'port' },
  checkLabel: 'nginx -t',
  parseCheckOutput: parseNginxCheck,
};
