// One check against one started target: skipped when the suite sets no such
// policy, notSupported when a rendered config cannot express it (a missing
// feature, or a setting the target's directives do not take), and an
// exception inside a check is that check's failure, not the run's. The checks
// of one target run side by side where their declared uses (Check.uses) do not
// conflict, in an order that the serial run shares (runScheduled).

import { clash, conflicts, failedOutcome, TIME_CLAIM, type Check, type Claim, type CheckContext, type Uses } from '../checks/check.ts';
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
  if (opts.unobservable) return { status: 'skipped', message: opts.unobservable, evidence: {} };
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
  /** Why a route's policy cannot be seen on its requests (routes/scope.ts): reported, not run. */
  unobservable?: string;
}

export async function runCheck(check: Check, ctx: CheckContext, driver: TargetDriver, opts: RunCheckOptions): Promise<CheckResult> {
  const started = Date.now();
  const outcome = await outcomeOf(check, ctx, driver, opts);
  return { suite: ctx.suite.name, target: ctx.target, runtime: opts.runtime, check: check.name, ...(opts.route !== undefined ? { route: opts.route } : {}), durationMs: Date.now() - started, ...outcome };
}

/** What a check will touch on the target; a check that will not run (skipped, notSupported) touches nothing, one without a declaration runs alone. */
export function usesOf(check: Check, ctx: CheckContext, driver: TargetDriver, opts: RunCheckOptions): Uses {
  if (!ctx.policies[check.name]) return { claims: [] };
  if (opts.route !== undefined && (!ctx.operations.length || opts.unobservable)) return { claims: [] };
  if (opts.rendered && notSupportedBecause(check, ctx, driver, opts.features)) return { claims: [] };
  try {
    if (check.uses) return check.uses(ctx);
  } catch {
    // A declaration that cannot be made (a policy the check will refuse): run alone, and let run() say why.
  }
  return { claims: [{ key: TIME_CLAIM, mode: 'exclusive' }] };
}

export interface ScheduledJob<T> {
  uses: Uses;
  /** Runs the job; touchedAt as in CheckContext. */
  run(touchedAt: Record<string, number>): Promise<T>;
}

/**
 * The order jobs claim things in: longest expected first, else as given. Both
 * the serial and the concurrent run follow it, so two checks that conflict
 * run in the same order either way and see the same target.
 */
export function precedence(jobs: readonly { uses: Uses }[]): number[] {
  return jobs.map((_, i) => i).sort((a, b) => (jobs[b].uses.expectMs ?? 0) - (jobs[a].uses.expectMs ?? 0) || a - b);
}

/** For each key two jobs conflict on, when the earlier one (already finished) ended. */
function touchedBy(mine: Uses, earlier: readonly { uses: Uses; endedAt: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of earlier) {
    for (const c of mine.claims) {
      const other = e.uses.claims.find((x) => x.key === c.key);
      if (other && clash(other.mode, c.mode)) out[c.key] = Math.max(out[c.key] ?? 0, e.endedAt);
    }
  }
  return out;
}

/**
 * Runs the jobs of one target: each starts as soon as every job before it in
 * precedence() that conflicts with it has ended (serial: as soon as every job
 * before it has ended). Results come back in the jobs' own order, whatever the
 * order they end in.
 */
export async function runScheduled<T>(jobs: readonly ScheduledJob<T>[], serial = false): Promise<T[]> {
  const order = precedence(jobs);
  const results: T[] = [];
  const endedAt: Array<number | undefined> = jobs.map(() => undefined);
  const started = new Set<number>();
  const ready = (pos: number) =>
    order.slice(0, pos).every((i) => endedAt[i] !== undefined || (!serial && !conflicts(jobs[i].uses, jobs[order[pos]].uses)));
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      if (endedAt.every((e) => e !== undefined)) return resolve();
      order.forEach((j, pos) => {
        if (started.has(j) || !ready(pos)) return;
        started.add(j);
        const before = order.slice(0, pos).filter((i) => endedAt[i] !== undefined).map((i) => ({ uses: jobs[i].uses, endedAt: endedAt[i]! }));
        jobs[j].run(touchedBy(jobs[j].uses, before)).then((r) => {
          results[j] = r;
          endedAt[j] = Date.now();
          pump();
        }, reject);
      });
    };
    pump();
  });
  return results;
}

/**
 * One machine-wide key (TIMING_CLAIM) held across the targets of a run, which
 * run side by side: a claim waits until it is compatible with every holder
 * and every earlier waiter (first come, first served, so neither kind starves).
 */
export class ClaimGate {
  #holders: Claim['mode'][] = [];
  #waiting: Array<{ mode: Claim['mode']; go: () => void }> = [];

  async hold<T>(mode: Claim['mode'] | undefined, body: () => Promise<T>): Promise<T> {
    if (!mode) return body();
    await new Promise<void>((go) => {
      this.#waiting.push({ mode, go });
      this.#admit();
    });
    try {
      return await body();
    } finally {
      this.#holders.splice(this.#holders.indexOf(mode), 1);
      this.#admit();
    }
  }

  #admit(): void {
    while (this.#waiting.length && this.#holders.every((h) => !clash(h, this.#waiting[0].mode))) {
      const next = this.#waiting.shift()!;
      this.#holders.push(next.mode);
      next.go();
    }
  }
}
