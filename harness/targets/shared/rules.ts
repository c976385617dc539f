// Rules more than one target applies when deciding what a rendered config can carry.

import type { Policies, PolicyName } from '../../model/policies.ts';


/**
 * A proxy whose read timeout is per try and that retries a timed-out try
 * (HAProxy with response-timeout in retry-on; Kong for every method but the
 * non-idempotent POST, PATCH and LOCK, see docs/targets/kong.md) has no bound on the
 * tries together: they must fit in the request timeout, or the timeout check
 * is notSupported with this reason. `perTry` is what each try gets there.
 */
export function timeoutOverTries(policies: Policies, proxy: string, perTryMs: number | undefined, retries: number): Partial<Record<PolicyName, string>> {
  const t = policies.timeout;
  if (!t || perTryMs === undefined || retries === 0) return {};
  const total = (retries + 1) * perTryMs;
  if (total <= t.requestMs) return {};
  return { timeout: `${proxy}'s read timeout applies per try and it retries a timed-out try; nothing bounds the tries together: ${retries + 1} tries x ${perTryMs} ms = ${total} ms, over the ${t.requestMs} ms request timeout` };
}

/** A retry policy naming statuses the proxy's retry directive does not take: why the retry check is notSupported. */
export function retryStatusesBeyond(policies: Policies, allowed: ReadonlySet<number>, directive: string): Partial<Record<PolicyName, string>> {
  const beyond = (policies.retry?.on ?? []).filter((s) => !allowed.has(s));
  if (!beyond.length) return {};
  return { retry: `${directive} cannot retry on ${beyond.join(', ')} (it takes ${[...allowed].join(', ')})` };
}
