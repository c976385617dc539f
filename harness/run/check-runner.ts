// One check against one started target: skipped when the suite sets no such
// policy, notSupported when a rendered config cannot express it (a missing
// feature, or a setting the target's directives do not take), and an
// exception inside a check is that check's failure, not the run's.

import { failedOutcome, type Check, type CheckContext } from '../checks/check.ts';
import type { Feature } from '../model/features.ts';
import type { CheckOutcome, CheckResult } from '../model/result.ts';
import type { TargetDriver } from '../targets/target.ts';

/** Why a rendered config of this target cannot carry what the check needs, or undefined. */
export function notSupportedBecause(check: Check, ctx: CheckContext, driver: TargetDriver, extra: readonly Feature[] = []): string | undefined {
  const missing = [...check.features(ctx.policies, ctx.spec), ...extra].filter((f) => !driver.features.has(f));
  if (missing.length) {
    const why = [...new Set(missing.map((f) => driver.unsupportedBecause?.[f]).filter(Boolean))];
    return `${driver.name} cannot express ${missing.join(', ')}${why.length ? `: ${why.join('; ')}` : ''}`;
  }
  const cannot = driver.cannotRender?.(ctx.policies)[check.name];
  return cannot ? `${driver.name}: ${cannot}` : undefined;
}

async function outcomeOf(check: Check, ctx: CheckContext, driver: TargetDriver, opts: RunCheckOptions): Promise<CheckOutcome> {
  if (!ctx.policies[check.name]) return { status: 'skipped', message: `the suite sets no ${check.name} policy`, evidence: {} };
  // A route every request of which an earlier route takes: its policy can never apply, which its owner should hear.
  if (opts.route !== undefined && !ctx.operations.length) return failedOutcome(`route ${opts.route} is never reached`, [{ code: 'route.unreachable', message: `earlier routes take every request of its operations, so its ${check.name} policy never applies` }], {});
  const why = opts.rendered ? notSupportedBecause(check, ctx, driver, opts.features) : undefined;
  if (why) return { status: 'notSupported', message: why, evidence: {} };
  try {
    return await check.run(ctx);
  } catch (err) {
    return { status: 'failed', message: `${check.name} could not complete: ${(err as Error).message}`, evidence: {} };
  }
}

export interface RunCheckOptions {
  rendered: boolean;
  runtime: CheckResult['runtime'];
  /** A route-scoped run: the route, and the feature its policy needs at route scope (route.retry, ...). */
  route?: string;
  features?: readonly Feature[];
}

export async function runCheck(check: Check, ctx: CheckContext, driver: TargetDriver, opts: RunCheckOptions): Promise<CheckResult> {
  const started = Date.now();
  const outcome = await outcomeOf(check, ctx, driver, opts);
  return { suite: ctx.suite.name, target: ctx.target, runtime: opts.runtime, check: check.name, ...(opts.route !== undefined ? { route: opts.route } : {}), durationMs: Date.now() - started, ...outcome };
}
