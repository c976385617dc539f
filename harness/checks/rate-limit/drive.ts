// rateLimit, the effects: the four properties, each measured, none inferred
// (plan.ts says which fit the budget and how the phases are laid out).
//  safety:    a burst of 2*limit+2 requests on counter A, all at once (a
//             bounded number in flight), measured again (up to 3 times) when
//             it straddled a clock window boundary and admitted more than the
//             limit;
//  isolation: counter B (another consumer, or another source address for
//             by: ip) right after the burst, while A is limited;
//  liveness:  B at 80% of the limit, evenly paced over two windows, starting
//             with that isolation request;
//  recovery:  A again after a quiet period of 2W+100 ms from the burst.
// Window straddle: a fixed-window limiter aligned to the clock (Kong's) may
// admit up to 2*limit when a burst crosses a window boundary, so a straddled
// over-admission is measured again, on a fresh counter where there is one
// (by: ip), else on A after its quiet period, starting on a boundary.
// Counters another check touched earlier on this target (ctx.touchedAt) are
// left quiet for 2W+100 ms first; untouched ones are used at once.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from '../../model/suite.ts';
import type { Operation } from '../../model/spec.ts';
import { generateRequest } from '../../spec/generate-request.ts';
import type { CheckContext } from '../check.ts';
import type { ProxyClient, Sent } from '../shared/client.ts';
import { authSchemeOf, validConsumers } from '../shared/credentials.ts';
import { rateLimitCounter } from '../shared/uses.ts';
import type { RatePlan } from './plan.ts';
import type { RateLimitPolicy } from './policy.ts';

const MAX_STRADDLE_RETRIES = 3;
/** Connections of a rate-limit client of its own, and burst requests in flight at once: none waits in the client's queue. */
const CONNECTIONS = 32;
const BURST_IN_FLIGHT = CONNECTIONS;
/** A request of a burst of thousands may wait behind the others at the proxy and the mocks on a busy machine. */
const REQUEST_TIMEOUT_MS = 60_000;

export interface Burst {
  sent: Sent[];
  admitted: number;
  straddled: boolean;
  attempt: number;
  /** Who the burst was sent as (a consumer's name, or a source address). */
  who: string;
}

/** One rate-limit counter: who the requests come from, and how to send one. */
export interface Counter {
  who: string;
  key: string;
  send: () => Promise<Sent>;
}

export interface RateLimitRun {
  op: Operation;
  policy: RateLimitPolicy;
  plan: RatePlan;
  quietMs: number;
  liveness?: { sent: Sent[]; intervalMs: number; who: string };
  /** The burst that was judged (the last one measured). */
  burst: Burst;
  straddleRemeasures: number;
  /** B's request right after the burst (also liveness's first): sent this long after the burst's last answer. */
  isolation?: { sent: Sent; who: string; afterBurstMs: number };
  recovery?: Sent;
  /** Request id -> tries the mock upstreams journaled, for every request sent. */
  tries: Record<string, number>;
  /** Why the burst was sent serially, when it was. */
  serialBurst?: string;
  /** How long the check waited for counters other checks had touched to go quiet. */
  waitedMs: number;
}

/** The window is aligned to the clock: a limiter's counters restart on a multiple of it. */
export function straddles(burst: Sent[], windowMs: number): boolean {
  const first = Math.min(...burst.map((s) => s.sentAt));
  const last = Math.max(...burst.map((s) => s.doneAt));
  return Math.floor(first / windowMs) !== Math.floor(last / windowMs);
}

export const isSuccess = (s: Sent): boolean => s.status >= 200 && s.status < 300;

const lastAnswer = (sent: Sent[]): number => Math.max(...sent.map((s) => s.doneAt));

/** `n` requests at `intervalMs` apart, the first at once. */
async function paced(send: () => Promise<Sent>, n: number, intervalMs: number): Promise<Sent[]> {
  const start = Date.now();
  const pending: Promise<Sent>[] = [];
  for (let i = 0; i < n; i++) {
    const due = start + i * intervalMs - Date.now();
    if (due > 0) await sleep(due);
    pending.push(send());
  }
  return Promise.all(pending);
}

async function liveness(c: Counter, policy: RateLimitPolicy): Promise<NonNullable<RateLimitRun['liveness']>> {
  const n = Math.max(2, Math.ceil(0.8 * policy.limit * 2));
  const interval = policy.windowMs / (0.8 * policy.limit);
  return { sent: await paced(c.send, n, interval), intervalMs: interval, who: c.who };
}

/** The burst's requests: all at once (at most BURST_IN_FLIGHT in flight), or (for a limiter that counts after admitting) one after another. */
async function sendBurst(send: () => Promise<Sent>, size: number, serial: boolean): Promise<Sent[]> {
  const out = new Array<Sent>(size);
  let next = 0;
  const lane = async () => {
    while (next < size) {
      const i = next++;
      out[i] = await send();
    }
  };
  await Promise.all(Array.from({ length: serial ? 1 : Math.min(size, BURST_IN_FLIGHT) }, lane));
  return out;
}

/** Until the next clock boundary of the window (plus 2 ms). */
const toBoundary = (windowMs: number): number => windowMs - (Date.now() % windowMs) + 2;

interface BurstDeps {
  policy: RateLimitPolicy;
  quietMs: number;
  serial: boolean;
  /** A counter no request has touched yet, for a re-measure without waiting (by: ip), or undefined. */
  fresh: (attempt: number) => Counter | undefined;
  budgetLeft: () => number;
}

async function burst(first: Counter, d: BurstDeps): Promise<{ burst: Burst; remeasures: number; counter: Counter }> {
  const W = d.policy.windowMs;
  let counter = first;
  for (let attempt = 1; ; attempt++) {
    const sent = await sendBurst(counter.send, 2 * d.policy.limit + 2, d.serial);
    const b: Burst = { sent, admitted: sent.filter(isSuccess).length, straddled: straddles(sent, W), attempt, who: counter.who };
    if (!(b.straddled && b.admitted > d.policy.limit) || attempt > MAX_STRADDLE_RETRIES) return { burst: b, remeasures: attempt - 1, counter };
    const fresh = d.fresh(attempt);
    // A fresh counter can go at once (just past a boundary); the same one must go quiet, then start on a boundary.
    const wait = fresh ? 0 : d.quietMs + toBoundary(W);
    if (wait > d.budgetLeft()) return { burst: b, remeasures: attempt - 1, counter };
    await sleep(wait);
    counter = fresh ?? counter;
  }
}

interface Counters {
  a: Counter;
  b?: Counter;
  fresh: (attempt: number) => Counter | undefined;
  clients: ProxyClient[];
}

/** The counters the check uses: consumers a and b, or (by: ip) source addresses 127.0.0.2 and 127.0.0.3 (127.0.0.4, ... for re-measures). */
function countersOf(ctx: CheckContext, op: Operation, policy: RateLimitPolicy): Counters {
  const scheme = authSchemeOf(ctx.policies, ctx.spec)?.scheme;
  const [a, b] = validConsumers(ctx.suite);
  const clients: ProxyClient[] = [];
  const counter = (client: ProxyClient, consumer: Consumer | undefined, who: string): Counter => ({
    who,
    key: rateLimitCounter(policy.by, consumer?.name, client.localAddress),
    send: () => client.send(generateRequest(ctx.spec, op, ctx.rng), { consumer, scheme, timeoutMs: REQUEST_TIMEOUT_MS }),
  });
  const own = (address: string) => {
    const c = ctx.client.fromAddress(address, CONNECTIONS);
    clients.push(c);
    return c;
  };
  if (policy.by === 'ip') {
    const at = (i: number) => counter(own(rateLimitSource(i)), a, rateLimitSource(i));
    return { a: at(0), b: at(1), fresh: (attempt) => at(1 + attempt), clients };
  }
  const main = own(rateLimitSource(0));
  const as = (c: Consumer | undefined) => counter(main, c, c?.name ?? 'the client');
  return { a: as(a), b: policy.by === 'consumer' && b ? as(b) : undefined, fresh: () => undefined, clients };
}

/** The i-th source address the check sends from: 127.0.0.2, 127.0.0.3, ... (all of 127.0.0.0/8 is loopback). */
export function rateLimitSource(i: number): string {
  return `127.0.0.${2 + i}`;
}

/** Waits until every counter another check touched has been quiet for quietMs. */
async function quietFor(ctx: CheckContext, counters: Counter[], quietMs: number): Promise<number> {
  const until = Math.max(0, ...counters.map((c) => (ctx.touchedAt?.[c.key] ?? -Infinity) + quietMs));
  const wait = Math.max(0, until - Date.now());
  if (wait) await sleep(wait);
  return wait;
}

export async function driveRateLimit(ctx: CheckContext, op: Operation, policy: RateLimitPolicy, plan: RatePlan, budgetMs: number): Promise<RateLimitRun> {
  const started = Date.now();
  const cs = countersOf(ctx, op, policy);
  try {
    const waitedMs = await quietFor(ctx, [cs.a, ...(cs.b ? [cs.b] : [])], plan.quietMs);
    const deps: BurstDeps = { policy, quietMs: plan.quietMs, serial: ctx.serialBurst !== undefined, fresh: cs.fresh, budgetLeft: () => started + budgetMs - Date.now() };
    const run = plan.split && cs.b ? await splitPhases(cs.a, cs.b, plan, deps) : await onePhaseAtATime(cs.a, plan, deps);
    Object.assign(run, { op, policy, plan, quietMs: plan.quietMs, serialBurst: ctx.serialBurst, waitedMs });
    for (const x of [...(run.liveness?.sent ?? []), ...run.burst.sent, run.isolation?.sent, run.recovery]) if (x) run.tries[x.id] = ctx.fleet.journal.forRequest(x.id).length;
    return run as RateLimitRun;
  } finally {
    await Promise.all(cs.clients.map((c) => c.close()));
  }
}

type Phases = Pick<RateLimitRun, 'liveness' | 'burst' | 'straddleRemeasures' | 'isolation' | 'recovery' | 'tries'>;

/** Two counters: the burst on A; then B's isolation request and liveness run beside A's quiet period and recovery. */
async function splitPhases(a: Counter, b: Counter, plan: RatePlan, d: BurstDeps): Promise<Phases> {
  const measured = await burst(a, d);
  const end = lastAnswer(measured.burst.sent);
  const recovery = async () => {
    await sleep(Math.max(0, end + plan.quietMs - Date.now()));
    return measured.counter.send();
  };
  const [live, rec] = await Promise.all([plan.slow ? liveness(b, d.policy) : b.send().then((s) => ({ sent: [s], intervalMs: 0, who: b.who })), plan.slow ? recovery() : undefined]);
  const probe = live.sent[0];
  return {
    burst: measured.burst,
    straddleRemeasures: measured.remeasures,
    liveness: plan.slow ? live : undefined,
    isolation: { sent: probe, who: b.who, afterBurstMs: probe.sentAt - end },
    recovery: rec,
    tries: {},
  };
}

/** One counter: quiet, liveness, quiet, the burst (on a boundary), quiet, recovery. */
async function onePhaseAtATime(a: Counter, plan: RatePlan, d: BurstDeps): Promise<Phases> {
  const live = plan.slow ? await liveness(a, d.policy) : undefined;
  if (live) await sleep(plan.quietMs + toBoundary(d.policy.windowMs));
  const measured = await burst(a, d);
  let recovery: Sent | undefined;
  if (plan.slow) {
    await sleep(plan.quietMs);
    recovery = await measured.counter.send();
  }
  return { burst: measured.burst, straddleRemeasures: measured.remeasures, liveness: live, recovery, tries: {} };
}
