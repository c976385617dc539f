// routing, the effects: for each route, requests that satisfy its matches
// (on each operation it governs), the near misses of each match, and requests
// that satisfy two routes at once (first match wins); each request's landing
// is read from the mocks' journal. A split route's shares go through the
// sequential test (checks/shared/shares.ts). The model (routes/table.ts)
// says where each request must go; the judge compares.

import type { Route } from '../../model/routes.ts';
import { routeTakes, routeVersions } from '../../model/routes.ts';
import type { HttpRequestSpec, Operation } from '../../model/spec.ts';
import { factsOf, nearMisses, satisfying } from '../../routes/requests.ts';
import { expectedFor, operationFor, routeTable, type Expected, type RouteEntry } from '../../routes/table.ts';
import { generateRequest } from '../../spec/generate-request.ts';
import { shareTest } from '../../stats/sequential.ts';
import type { CheckContext } from '../check.ts';
import type { Sent } from '../shared/client.ts';
import { asValidConsumer } from '../shared/credentials.ts';
import { inRateLimitScope } from '../shared/select.ts';
import { driveShares, type ShareRun } from '../shared/shares.ts';
import type { RoutingPolicy } from './policy.ts';

/** Where a request must land: one of these versions of the upstream, or nowhere (404). */
export type Expect = { kind: 'versions'; route?: string; upstream: string; versions: string[]; orNotFound?: boolean } | { kind: 'none' };

export interface Landing {
  sent: Sent;
  /** Tries the journal saw for the request. */
  tries: number;
  upstream?: string;
  version?: string;
  /** Answered by a fault or the rate limit on purpose (status, no try): not a routing observation. */
  excused?: string;
}

export interface RoutingCase {
  route: string;
  kind: 'takes' | 'nearMiss' | 'order';
  /** What the requests are: `end-user exact jason on getReviews`, `header end-user with another case`. */
  what: string;
  expect: Expect;
  landings: Landing[];
  /**
   * A near miss whose route splits over versions the missed route also sends
   * to (jason to v2; others 80/20 over v1 and v2): one landing on v2 shows
   * nothing, so n requests are sent, and all n on the missed route's versions
   * fails; a correct config does that with probability share^n <= alpha.
   */
  overlap?: { versions: string[]; share: number; alpha: number };
}

export interface SplitRun extends ShareRun {
  route: string;
  op: string;
  upstream: string;
}

export interface RoutingRun {
  cases: RoutingCase[];
  splits: SplitRun[];
  /** Cases not sent, with why (a destination hidden by a 100% abort, a request for no operation of the spec). */
  skipped: string[];
}

/** Operations a route is driven on, at most `max`: GET first, out of the rate limit's scope first. */
function driven(ctx: CheckContext, e: RouteEntry, max: number): RouteEntry['ops'] {
  const score = (op: Operation) => (inRateLimitScope(ctx.policies, op) ? 2 : 0) + (op.method === 'GET' ? 0 : 1);
  return e.ops.filter((o) => !o.shadowed).sort((a, b) => score(a.op) - score(b.op)).slice(0, max);
}

/** The abort statuses a request to this route may get from a fault on purpose (route-scoped or the suite's for its upstream). */
function abortStatuses(ctx: CheckContext, route: Route | undefined, upstream: string): Set<number> {
  const rules = [...(route?.policies.fault?.rules ?? []), ...(ctx.suite.policies.fault?.rules ?? []).filter((r) => r.upstream === upstream)];
  return new Set(rules.flatMap((r) => (r.abort && r.abort.percent > 0 ? [r.abort.status] : [])));
}

/** A route whose every request is aborted by its own fault: where it sends cannot be seen. */
function hidden(route: Route): boolean {
  return (route.policies.fault?.rules ?? []).some((r) => r.headers.length === 0 && r.abort !== undefined && r.abort.percent >= 100);
}

function expectOf(e: Expected): Expect | undefined {
  if (e.kind === 'none') return { kind: 'none' };
  if (e.kind === 'route') return { kind: 'versions', route: e.route.name, upstream: e.route.to.upstream, versions: routeVersions(e.route) };
  return undefined;
}

/** The longest fault delay a request of this route may meet, so the client waits past it. */
function delayOf(route: Route | undefined): number {
  return Math.max(0, ...(route?.policies.fault?.rules ?? []).map((r) => r.delay?.fixedDelayMs ?? 0));
}

class Driver {
  readonly run: RoutingRun = { cases: [], splits: [], skipped: [] };
  readonly table: RouteEntry[];
  readonly #as: ReturnType<typeof asValidConsumer>;

  constructor(
    readonly ctx: CheckContext,
    readonly policy: RoutingPolicy,
  ) {
    this.#as = asValidConsumer(ctx.suite, ctx.spec);
    this.table = routeTable({ upstreams: ctx.suite.upstreams, routes: policy.routes }, ctx.spec, (op, rng) => generateRequest(ctx.spec, op, rng), ctx.rng);
  }

  async land(req: HttpRequestSpec, expect: Expect, route: Route | undefined): Promise<Landing> {
    const sent = await this.ctx.client.send(req, { ...this.#as, timeoutMs: 10_000 + delayOf(route) });
    const entries = this.ctx.fleet.journal.forRequest(sent.id);
    const last = entries[entries.length - 1];
    const landing: Landing = { sent, tries: entries.length, ...(last ? { upstream: last.upstream, version: last.version } : {}) };
    const upstream = expect.kind === 'versions' ? expect.upstream : undefined;
    if (!last && upstream && abortStatuses(this.ctx, route, upstream).has(sent.status)) landing.excused = `aborted with ${sent.status} by a fault`;
    const op = operationFor(this.ctx.spec, factsOf(req));
    if (!last && sent.status === 429 && op && inRateLimitScope(this.ctx.policies, op)) landing.excused = 'answered 429 by the rate limit';
    return landing;
  }

  async send(c: Omit<RoutingCase, 'landings'>, req: HttpRequestSpec, route: Route | undefined, n: number): Promise<void> {
    const landings = await Promise.all(Array.from({ length: n }, () => this.land(req, c.expect, route)));
    this.run.cases.push({ ...c, landings });
  }

  byName(name: string | undefined): Route | undefined {
    return this.policy.routes.find((r) => r.name === name);
  }

  /** Requests that satisfy the route, on each operation it governs (up to 4); a split route's shares on the first. */
  async takes(e: RouteEntry): Promise<void> {
    const { route } = e;
    if (hidden(route)) return void this.run.skipped.push(`${route.name}: every request is aborted by its fault, so where it sends cannot be seen (the fault check checks the abort)`);
    const ops = driven(this.ctx, e, 4);
    for (const o of e.ops.filter((x) => x.shadowed)) this.run.skipped.push(`${route.name}: on ${o.op.id}, every request tried was taken by an earlier route`);
    if (!ops.length) this.run.skipped.push(`${route.name}: no request of the spec reaches it (earlier routes take them all)`);
    const versions = routeVersions(route);
    const expect: Expect = { kind: 'versions', route: route.name, upstream: route.to.upstream, versions };
    if (versions.length > 1 && ops[0]) await this.split(route, ops[0]);
    for (const o of ops) await this.send({ route: route.name, kind: 'takes', what: `match ${o.match + 1} on ${o.op.id}`, expect }, o.request, route, this.policy.requestsPerCase * 2);
  }

  async split(route: Route, o: RouteEntry['ops'][number]): Promise<void> {
    // Every version of the upstream may serve, weighted or not: the test's union bound counts them all.
    const versions = this.ctx.suite.upstreams.find((u) => u.name === route.to.upstream)?.versions;
    const test = shareTest(route.to.weights, route.to.tolerance, route.to.alpha, this.policy.maxRequests, versions);
    const run = await driveShares(test, route.to.upstream, this.ctx.fleet, () => this.ctx.client.send(o.request, this.#as));
    this.run.splits.push({ ...run, route: route.name, op: o.op.id, upstream: route.to.upstream });
  }

  /** Each match's near misses, on the first operation that satisfies it, each expected where the model sends it. */
  async misses(e: RouteEntry): Promise<void> {
    for (const [i, m] of e.route.matches.entries()) {
      const o = driven(this.ctx, { ...e, ops: e.ops.filter((x) => x.match === i) }, 1)[0] ?? this.firstSatisfying(e.route, i);
      if (!o) continue;
      const methods = this.ctx.spec.operations.filter((x) => x.path === o.op.path).map((x) => x.method);
      for (const miss of nearMisses(this.policy.routes, m, o.request, methods)) {
        const where = expectedFor(this.table, this.ctx.suite, this.ctx.spec, miss.request);
        const expect = expectOf(where);
        const what = `${miss.what} (match ${i + 1} on ${o.op.id})`;
        if (!expect) {
          this.run.skipped.push(`${e.route.name}: ${what}: ${where.kind === 'default' && !where.upstream ? 'a request for no operation of the spec; rendered configs answer 404 there' : 'governed by no route'}`);
          continue;
        }
        // A request for no operation of the spec (a path in another case, a
        // method the path lacks) may be refused with 404 by a config that
        // serves only the spec's operations; if it reaches an upstream, it
        // must be where the routes send it.
        if (expect.kind === 'versions' && !operationFor(this.ctx.spec, factsOf(miss.request))) expect.orNotFound = true;
        const target = this.byName(where.kind === 'route' ? where.route.name : undefined);
        if (target && hidden(target)) continue;
        const overlap = target && overlapOf(e.route, target);
        if (overlap === 'same') {
          this.run.skipped.push(`${e.route.name}: ${what}: route ${target!.name}, which takes it, sends to the same versions, so where it lands cannot show the match`);
          continue;
        }
        const n = overlap ? Math.ceil(Math.log(overlap.alpha) / Math.log(overlap.share)) : this.policy.requestsPerCase;
        if (n > OVERLAP_MAX) {
          this.run.skipped.push(`${e.route.name}: ${what}: route ${target!.name} sends ${pct(overlap!.share)}% to ${overlap!.versions.join(', ')} as well; telling them apart at alpha ${overlap!.alpha} would take ${n} requests (most ${OVERLAP_MAX})`);
          continue;
        }
        await this.send({ route: e.route.name, kind: 'nearMiss', what, expect, ...(overlap ? { overlap } : {}) }, miss.request, target, Math.max(n, this.policy.requestsPerCase));
      }
    }
  }

  firstSatisfying(route: Route, i: number): RouteEntry['ops'][number] | undefined {
    for (const op of this.ctx.spec.operations) {
      const request = satisfying(route, route.matches[i], op, generateRequest(this.ctx.spec, op, this.ctx.rng), this.ctx.rng);
      if (request) return { op, match: i, request };
    }
    return undefined;
  }

  /** A request that satisfies route j and an earlier route i whose destination differs must go to i. */
  async order(): Promise<void> {
    for (const [j, later] of this.table.entries()) {
      for (const earlier of this.table.slice(0, j)) {
        if (sameDestination(earlier.route, later.route) || hidden(earlier.route)) continue;
        const both = this.bothSatisfied(earlier, later);
        if (!both) continue;
        const where = expectedFor(this.table, this.ctx.suite, this.ctx.spec, both.request);
        if (where.kind !== 'route' || where.route.name !== earlier.route.name) continue;
        await this.send({ route: earlier.route.name, kind: 'order', what: `also satisfies ${later.route.name}, which comes after it (on ${both.op})`, expect: expectOf(where)! }, both.request, earlier.route, this.policy.requestsPerCase);
      }
    }
  }

  bothSatisfied(earlier: RouteEntry, later: RouteEntry): { request: HttpRequestSpec; op: string } | undefined {
    for (const o of later.ops) {
      for (const m of earlier.route.matches.length ? earlier.route.matches : [{ headers: [], query: [] }]) {
        const request = satisfying(earlier.route, m, o.op, o.request, this.ctx.rng);
        // Only a request the later route still takes shows the order.
        if (request && routeTakes(later.route, factsOf(request))) return { request, op: o.op.id };
      }
    }
    return undefined;
  }
}

/** Most requests one overlapping near miss may take. */
const OVERLAP_MAX = 64;
const pct = (x: number) => (x * 100).toFixed(1);

/**
 * How the versions of a missed route overlap the destination of the route
 * that takes the near miss: none (undefined), all of them ('same'), or some,
 * with the share the taking route gives them.
 */
function overlapOf(missed: Route, taker: Route): 'same' | { versions: string[]; share: number; alpha: number } | undefined {
  if (missed.to.upstream !== taker.to.upstream) return undefined;
  const own = new Set(routeVersions(missed));
  const versions = routeVersions(taker).filter((v) => own.has(v));
  if (!versions.length) return undefined;
  const total = Object.values(taker.to.weights).reduce((a, w) => a + w, 0);
  const share = versions.reduce((a, v) => a + taker.to.weights[v], 0) / total;
  return share >= 1 ? 'same' : { versions, share, alpha: taker.to.alpha };
}

function sameDestination(a: Route, b: Route): boolean {
  const va = routeVersions(a).sort().join(',');
  return a.to.upstream === b.to.upstream && va === routeVersions(b).sort().join(',');
}

export async function driveRouting(ctx: CheckContext, policy: RoutingPolicy): Promise<RoutingRun> {
  const d = new Driver(ctx, policy);
  for (const e of d.table) {
    await d.takes(e);
    if (policy.nearMisses) await d.misses(e);
  }
  await d.order();
  return d.run;
}
