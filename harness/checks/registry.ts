// The checks, in the order their results are reported. The runner schedules
// them side by side where their declared uses (checks/shared/uses.ts) allow,
// longest first, and keeps timed and heavy checks apart.
// Adding a check: its folder, and one line here.

import type { Check } from './check.ts';
import { authCheck } from './auth/index.ts';
import { contractCheck } from './contract/index.ts';
import { transformCheck } from './transform/index.ts';
import { retryCheck } from './retry/index.ts';
import { timeoutCheck } from './timeout/index.ts';
import { canaryCheck } from './canary/index.ts';
import { routingCheck } from './routing/index.ts';
import { faultCheck } from './fault/index.ts';
import { rateLimitCheck } from './rate-limit/index.ts';

export const checks: readonly Check[] = [authCheck, contractCheck, transformCheck, retryCheck, timeoutCheck, canaryCheck, routingCheck, faultCheck, rateLimitCheck] as readonly Check[];

export const checkNames: readonly string[] = checks.map((c) => c.name);

export function checkNamed(name: string): Check | undefined {
  return checks.find((c) => c.name === name);
}
