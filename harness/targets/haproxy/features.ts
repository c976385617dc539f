// What a rendered HAProxy config expresses, and what its directives accept.

import type { Feature } from '../../model/features.ts';

export const HAPROXY_FEATURES: ReadonlySet<Feature> = new Set<Feature>([
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
  'fault.delay',
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

/** Why a rendered HAProxy config lacks a feature. */
export const HAPROXY_UNSUPPORTED: Partial<Record<Feature, string>> = {
  'route.rateLimit': "a route's own rate limit would need a stick table and counter per route; rendered configs carry the suite's rate limit only",
};

/** Upstream statuses HAProxy 2.6's retry-on accepts (configuration.txt, "retry-on"). */
export const HAPROXY_RETRY_STATUSES: ReadonlySet<number> = new Set([401, 403, 404, 408, 425, 500, 501, 502, 503, 504]);
