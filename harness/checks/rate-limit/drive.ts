// rateLimit, the effects: the four phases, each measured, none inferred.
//  liveness:  a client at 80% of the limit, evenly paced over two windows;
//  safety:    a burst of 2*limit+2 requests sent at once, at the start of a
//             clock-aligned window, measured again (up to 3 times) when it
//             straddled a window boundary and admitted more than the limit;
//  isolation: with by: consumer, another consumer while the first is limited;
//  recovery:  the first consumer again after a quiet period of two windows.
// Window straddle: a fixed-window limiter (aligned to the clock, as Kong's is)
// may admit up to 2*limit when a burst crosses a window boundary, so a
// straddled over-admission is measured again instead of widening the bound.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from '../../model/suite.ts';
import type { Operation } from '../../model/spec.ts';
import { generateRequest } from '../../spec/generate-request.ts';
import type { CheckContext } from '../check.ts';
import type { Sent } from '../shared/client.ts';
import { authSchemeOf, validConsumers } from '../shared/credentials.ts';
import type { RateLimitPolicy } from './policy.ts';

const MAX_STRADDLE_RETRIES = 3;
/** Longest the check may wait in one quiet period; longer windows skip liveness and recovery. */
export const MAX_QUIET_MS = 30_000;

export interface Burst {
  sent: Sent[];
  admitted: number;
  straddled: boolean;
  attempt: number;
}

export interface RateLimitRun {
  op: Operation;
  policy: RateLimitPolicy;
  quietMs: number;
  /** Liveness and recovery fit in the time the check allows itself. */
  measureSlow: boolean;
  consumers: { a?: Consumer; b?: Consumer };
  liveness?: { sent: Sent[]; intervalMs: number };
  /** The burst that was judged (the last one measured). */
  burst: Burst;
  straddleRemeasures: number;
  isolation?: Sent;
  recovery?: Sent;
  /** Request id -> tries the mock upstreams journaled, for every request sent. */
  tries: Record<string, number>;
  /** Why the burst was sent serially, when it was. */
  serialBurst?: string;
}

/** The window is aligned to the clock: a limiter's counters restart on a multiple of it. */
export function straddles(burst: Sent[], windowMs: number): boolean {
  const first = Math.min(...burst.map((s) => s.sentAt));
  const last = Math.max(...burst.map((s) => s.doneAt));
  return Math.floor(first / windowMs) !== Math.floor(last / windowMs);
}

export const isSuccess = (s: Sent): boolean => s.status >= 200 && s.status < 300;

async function liveness(send: () => Promise<Sent>, policy: RateLimitPolicy): Promise<{ sent: Sent[]; intervalMs: number }> {
  const n = Math.max(2, Math.ceil(0.8 * policy.limit * 2));
  const interval = policy.windowMs / (0.8 * policy.limit);
  const start = Date.now();
  const pending: Promise<Sent>[] = [];
  for (let i = 0; i < n; i++) {
    const due = start + i * interval - Date.now();
    if (due > 0) await sleep(due);
    pending.push(send());
  }
  return { sent: await Promise.all(pending), intervalMs: interval };
}

/** The burst's requests: all at once, or (for a limiter that counts after admitting) one after another. */
async function sendBurst(send: () => Promise<Sent>, size: number, serial: boolean): Promise<Sent[]> {
  if (!serial) return Promise.all(Array.from({ length: size }, send));
  const out: Sent[] = [];
  for (let i = 0; i < size; i++) out.push(await send());
  return out;
}

async function burst(send: () => Promise<Sent>, policy: RateLimitPolicy, quietMs: number | undefined, serial: boolean): Promise<{ burst: Burst; remeasures: number }> {
  const W = policy.windowMs;
  const size = 2 * policy.limit + 2;
  let remeasures = 0;
  for (let attempt = 1; ; attempt++) {
    if (quietMs !== undefined) await sleep(quietMs);
    await sleep(W - (Date.now() % W) + 2);
    const sent = await sendBurst(send, size, serial);
    const b: Burst = { sent, admitted: sent.filter(isSuccess).length, straddled: straddles(sent, W), attempt };
    if (!(b.straddled && b.admitted > policy.limit)) return { burst: b, remeasures };
    remeasures++;
    if (attempt > MAX_STRADDLE_RETRIES) return { burst: b, remeasures };
  }
}

export async function driveRateLimit(ctx: CheckContext, op: Operation, policy: RateLimitPolicy): Promise<RateLimitRun> {
  const scheme = authSchemeOf(ctx.policies, ctx.spec)?.scheme;
  const [a, b] = validConsumers(ctx.suite);
  const sendAs = (consumer: Consumer | undefined) => () => ctx.client.send(generateRequest(ctx.spec, op, ctx.rng), { consumer, scheme });
  const quietMs = 2 * policy.windowMs + 100;
  const measureSlow = quietMs <= MAX_QUIET_MS;
  let live: RateLimitRun['liveness'];
  if (measureSlow) {
    await sleep(quietMs);
    live = await liveness(sendAs(a), policy);
  }
  const measured = await burst(sendAs(a), policy, measureSlow ? quietMs : undefined, ctx.serialBurst !== undefined);
  const run: RateLimitRun = { op, policy, quietMs, measureSlow, consumers: { a, b }, liveness: live, burst: measured.burst, straddleRemeasures: measured.remeasures, tries: {}, serialBurst: ctx.serialBurst };
  if (policy.by === 'consumer' && b) run.isolation = await sendAs(b)();
  if (measureSlow) {
    await sleep(quietMs);
    run.recovery = await sendAs(a)();
  }
  for (const x of [...(live?.sent ?? []), ...run.burst.sent, run.isolation, run.recovery]) if (x) run.tries[x.id] = ctx.fleet.journal.forRequest(x.id).length;
  return run;
}
