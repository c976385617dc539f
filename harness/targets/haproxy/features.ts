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
]);

/** Upstream statuses HAProxy 2.6's retry-on accepts (configuration.txt, "retry-on"). */
export const HAPROXY_RETRY_STATUSES: ReadonlySet<number> = new Set([401, 403, 404, 408, 425, 500, 501, 502, 503, 504]);
