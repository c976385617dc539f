// Retry and timeout directives of a rendered nginx.conf, for the server (the
// suite's policies) and for a route's own location (its own policies).

import type { RetryPolicy } from '../../checks/retry/policy.ts';
import type { TimeoutPolicy } from '../../checks/timeout/policy.ts';
import { ALL_METHODS } from '../../model/spec.ts';
import { NGINX_RETRY_STATUSES } from './features.ts';

export function ms(n: number): string {
  return `${Math.max(1, Math.round(n))}ms`;
}

/** Tries per request: the first one and the retries. */
export function triesOf(retry: RetryPolicy | undefined): number {
  return retry ? retry.attempts + 1 : 1;
}

export function retryDirectives(retry: RetryPolicy | undefined): string[] {
  if (!retry) return ['proxy_next_upstream off;'];
  const conds = ['error'];
  if (retry.perTryTimeoutMs !== undefined) conds.push('timeout');
  for (const s of retry.on) if (NGINX_RETRY_STATUSES.has(s)) conds.push(`http_${s}`);
  if (retry.methods.some((m) => m === 'POST' || m === 'PATCH')) conds.push('non_idempotent');
  const out = [`proxy_next_upstream ${conds.join(' ')};`, `proxy_next_upstream_tries ${triesOf(retry)};`];
  if (retry.perTryTimeoutMs !== undefined) {
    out.push(`proxy_connect_timeout ${ms(retry.perTryTimeoutMs)};`);
    out.push(`proxy_read_timeout ${ms(retry.perTryTimeoutMs)};`);
    out.push(`proxy_send_timeout ${ms(retry.perTryTimeoutMs)};`);
  }
  return out;
}

// Request timeout. proxy_read_timeout is per try (and between reads), so with
// retries proxy_next_upstream_timeout bounds the whole request; a per-try
// timeout, when set, stays the read timeout of each retried try.
export function timeoutDirectives(timeout: TimeoutPolicy | undefined, retry: RetryPolicy | undefined): string[] {
  if (!timeout) return [];
  const out: string[] = [];
  if (retry?.perTryTimeoutMs === undefined) {
    out.push(`proxy_read_timeout ${ms(timeout.requestMs)};`);
    out.push(`proxy_send_timeout ${ms(timeout.requestMs)};`);
  }
  if (retry) out.push(`proxy_next_upstream_timeout ${ms(timeout.requestMs)};`);
  return out;
}

/** The retried methods when they are not all of them; requests with other methods are tried once. */
export function retriedMethodSubset(retry: RetryPolicy | undefined): string[] | undefined {
  if (!retry || ALL_METHODS.every((m) => retry.methods.includes(m))) return undefined;
  return retry.methods;
}

/**
 * A route location's retry and timeouts, every one written (the server's
 * values, from the suite's policies, must not leak in): nginx's defaults
 * (60s, no bound on the tries together) where the route's policies set none.
 */
export function routeLocationDirectives(retry: RetryPolicy | undefined, timeout: TimeoutPolicy | undefined, once: boolean): string[] {
  const out = once ? ['proxy_next_upstream off;', ...timeoutDirectives(timeout, undefined)] : [...retryDirectives(retry), ...timeoutDirectives(timeout, retry)];
  for (const d of ['proxy_connect_timeout', 'proxy_read_timeout', 'proxy_send_timeout']) if (!out.some((x) => x.startsWith(`${d} `))) out.push(`${d} 60s;`);
  if (!once && retry && !timeout) out.push('proxy_next_upstream_timeout 0;');
  return out;
}
