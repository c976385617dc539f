// The nginx target: rendered nginx.conf (njs for JWT) or the user's config;
// a local process or the official / Debian-built image.

import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { retryStatusesBeyond } from '../shared/rules.ts';
import { lastLineComplaint, type CheckComplaint, type TargetDriver } from '../target.ts';
import { NGINX_FEATURES, NGINX_RETRY_STATUSES, NGINX_UNSUPPORTED } from './features.ts';
import { routingProblems } from '../shared/route-rules.ts';
import type { Route } from '../../model/routes.ts';
import { FIRST_JUMP, LAST_JUMP } from './routes.ts';
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

/**
 * What nginx cannot carry of a route's matches. A route's own policies are
 * judged where they are checked: each runs with the route's policies in the
 * suite's place (routes/scope.ts), so the checks above and the features decide.
 */
function routeProblem(route: Route): string | undefined {
  return headerProblem(route);
}

/** Header conditions nginx reads through $http_<name>, where an absent header and an empty one are both "". */
function headerProblem(route: Route): string | undefined {
  for (const m of route.matches) {
    for (const h of m.headers) {
      if (!/^[A-Za-z0-9_-]+$/.test(h.name)) return `route ${route.name}: nginx reads a header through $http_<name>, which takes letters, digits, - and _ only; ${JSON.stringify(h.name)} has others`;
      if ((h.kind === 'exact' || h.kind === 'prefix') && h.value === '') return `route ${route.name}: header ${h.name} ${h.kind} "": nginx reads an absent header as "" too, so it cannot tell them apart`;
    }
  }
  return undefined;
}

/** Routes with their own retry or timeout jump to their own location with a status code 560-599: at most 40 such locations. */
function jumpProblem(policies: Policies): Partial<Record<PolicyName, string>> {
  const n = (policies.routing?.routes ?? []).reduce((k, r) => k + (r.policies.retry || r.policies.timeout ? 2 : 0), 0);
  return n > LAST_JUMP - FIRST_JUMP + 1 ? { routing: `rendered nginx configs give each route with its own retry or timeout up to two locations, reached by status codes ${FIRST_JUMP}-${LAST_JUMP}; ${n} are needed` } : {};
}

export const nginxTarget: TargetDriver = {
  name: 'nginx',
  features: NGINX_FEATURES,
  unsupportedBecause: NGINX_UNSUPPORTED,
  // proxy_set_header values are expanded, but a literal '$' is written as ${pp_dollar} (escape.ts): no reason here.
  cannotRender: (policies) => ({
    ...retryStatusesBeyond(policies, NGINX_RETRY_STATUSES, "nginx's proxy_next_upstream"),
    ...rateProblem(policies),
    ...faultShareProblem(policies),
    ...routingProblems(policies, 'nginx', routeProblem),
    ...jumpProblem(policies),
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
