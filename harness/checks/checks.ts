// The list of checks, in the order they run against a target. The rate limit
// runs last so its bursts cannot starve the others; it waits for quiet itself.

import type { Check } from './check.ts';
import { authCheck } from './auth.ts';
import { contractCheck } from './contract.ts';
import { retryCheck } from './retry.ts';
import { canaryCheck } from './canary.ts';
import { rateLimitCheck } from './rate-limit.ts';
import { faultCheck } from './fault.ts';
import { transformCheck } from './transform.ts';
import { timeoutCheck } from './timeout.ts';

export const checks: readonly Check[] = [authCheck, contractCheck, transformCheck, retryCheck, timeoutCheck, canaryCheck, faultCheck, rateLimitCheck];

export function checkNamed(name: string): Check | undefined {
  return checks.find((c) => c.name === name);
}
