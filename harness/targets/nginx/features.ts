// What a rendered nginx config expresses, and what its directives accept.

import type { Feature } from '../../model/features.ts';

export const NGINX_FEATURES: ReadonlySet<Feature> = new Set<Feature>([
  'auth.apiKey',
  'auth.basic',
  'auth.bearer',
  'rateLimit.consumer',
  'rateLimit.ip',
  'rateLimit.global',
  'retry.status',
  'retry.methods',
  'retry.perTryTimeout',
  'canary.weights',
  'contract',
  'fault.abort',
  'transform.headers',
  'timeout.request',
  // Routes (routes.ts): matches, splits and rewrites, and the route-scoped policies but the rate limit.
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
]);

/** Why a rendered nginx config lacks a feature. */
export const NGINX_UNSUPPORTED: Partial<Record<Feature, string>> = {
  'route.rateLimit': "a route's own rate limit would need a limit_req zone and key per route; rendered configs carry the suite's rate limit only",
};

/** Upstream statuses nginx's proxy_next_upstream can retry on (ngx_http_proxy_module, nginx 1.22). */
export const NGINX_RETRY_STATUSES: ReadonlySet<number> = new Set([403, 404, 429, 500, 502, 503, 504]);
