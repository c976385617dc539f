// What each target expresses when proxyproof renders its config.

import type { Policies } from '../model/policies.ts';
import type { Feature } from '../model/features.ts';

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
]);

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

/** Upstream statuses nginx's proxy_next_upstream can retry on. */
export const NGINX_RETRY_STATUSES: ReadonlySet<number> = new Set([403, 404, 429, 500, 502, 503, 504]);
/** Upstream statuses HAProxy 2.6's retry-on accepts. */
export const HAPROXY_RETRY_STATUSES: ReadonlySet<number> = new Set([401, 403, 404, 408, 425, 500, 501, 502, 503, 504]);

/**
 * A proxy whose read timeout is per try and that retries a timed-out try
 * (HAProxy with response-timeout in retry-on, Kong always) has no bound on the
 * tries together: they must fit in the request timeout, or the timeout check
 * is notSupported with this reason. `perTry` is what each try gets there.
 */
export function timeoutOverTries(policies: Policies, proxy: string, perTryMs: number | undefined, retries: number): Partial<Record<keyof Policies, string>> {
  const t = policies.timeout;
  if (!t || perTryMs === undefined || retries === 0) return {};
  const total = (retries + 1) * perTryMs;
  if (total <= t.requestMs) return {};
  return { timeout: `${proxy}'s read timeout applies per try and it retries a timed-out try; nothing bounds the tries together: ${retries + 1} tries x ${perTryMs} ms = ${total} ms, over the ${t.requestMs} ms request timeout` };
}

/** A retry policy naming statuses the proxy's retry directive does not take: why the retry check is notSupported. */
export function retryStatusesBeyond(policies: Policies, allowed: ReadonlySet<number>, directive: string): Partial<Record<keyof Policies, string>> {
  const beyond = (policies.retry?.on ?? []).filter((s) => !allowed.has(s));
  if (!beyond.length) return {};
  return { retry: `${directive} cannot retry on ${beyond.join(', ')} (it takes ${[...allowed].join(', ')})` };
}
