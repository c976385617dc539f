// The nginx target: rendered nginx.conf (njs for JWT) or the user's config;
// a local process or the official / Debian-built image.

import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { retryStatusesBeyond } from '../shared/rules.ts';
import { lastLineComplaint, type CheckComplaint, type TargetDriver } from '../target.ts';
import { NGINX_FEATURES, NGINX_RETRY_STATUSES } from './features.ts';
import { nginxFromUserConfig, renderNginx } from './render.ts';

/** `nginx -t` says: nginx: [emerg] unknown directive "x" in /w/nginx.conf:12 */
export function parseNginxCheck(output: string): CheckComplaint {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const ngx = lines.find((l) => /\[(emerg|alert|crit|error)\]/.test(l) && !/test failed/.test(l));
  if (!ngx) return lastLineComplaint(output);
  const m = /^(?:nginx: )?\[\w+\] (.*?)(?: in (\/\S+?):(\d+))?$/.exec(ngx);
  if (m) return { message: m[1], file: m[2], line: m[3] ? Number(m[3]) : undefined };
  return { message: ngx };
}

export const nginxTarget: TargetDriver = {
  name: 'nginx',
  features: NGINX_FEATURES,
  // proxy_set_header values are expanded, but a literal '$' is written as ${pp_dollar} (escape.ts): no reason here.
  cannotRender: (policies) => retryStatusesBeyond(policies, NGINX_RETRY_STATUSES, "nginx's proxy_next_upstream"),
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
