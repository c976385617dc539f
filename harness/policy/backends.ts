// Which upstream and version a destination reaches: a VirtualService's
// destination host and subset, or a Gateway API backendRef's name. Service
// names are matched by their first label (reviews, reviews.prod,
// reviews.prod.svc.cluster.local all name upstream reviews).

import { IMPORTED_CANARY_TOLERANCE } from './istio-shared.ts';
import { shortHost, type ImportContext } from './types.ts';
import type { RouteDestination } from '../model/routes.ts';

/** An upstream and the shares of its versions a destination reaches (shares sum to 1). */
export interface Reached {
  upstream: string;
  shares: Record<string, number>;
}

/**
 * A backend (Service) name -> what it reaches: the suite's import.backends entry;
 * else the upstream that has a version of that name; else the upstream of that
 * name, every version alike (a Service reaches every pod behind it, and the
 * suite runs the same replicas of each version); else undefined.
 */
export function reachedBy(ctx: ImportContext, name: string): Reached | undefined {
  const short = shortHost(name);
  const mapped = ctx.backends?.[name] ?? ctx.backends?.[short];
  if (mapped) return { upstream: mapped.upstream, shares: { [mapped.version]: 1 } };
  const ups = ctx.upstreams ?? [];
  const byVersion = ups.find((u) => u.versions.includes(short));
  if (byVersion) return { upstream: byVersion.name, shares: { [short]: 1 } };
  const byName = ups.find((u) => u.name === short || u.name === name);
  if (byName) return { upstream: byName.name, shares: Object.fromEntries(byName.versions.map((v) => [v, 1 / byName.versions.length])) };
  return undefined;
}

/** How the suite's upstreams read, for errors: `reviews [v1, v2], ratings [v1]`. */
export function upstreamList(ctx: ImportContext): string {
  return (ctx.upstreams ?? []).map((u) => `${u.name} [${u.versions.join(', ')}]`).join(', ') || 'none';
}

/**
 * Weighted parts -> one destination with percentages summing to 100, or why not:
 * a route's destination is one upstream (a split across upstreams is not a
 * version split).
 */
export function destinationOf(parts: Array<{ reached: Reached; weight: number }>): RouteDestination | string {
  const upstreams = [...new Set(parts.map((p) => p.reached.upstream))];
  if (upstreams.length !== 1) return `the destinations reach ${upstreams.length ? upstreams.join(', ') : 'nothing'}: a route sends to the versions of one upstream, so a split across upstreams is not checked`;
  const total = parts.reduce((a, p) => a + p.weight, 0);
  if (total <= 0) return 'every destination has weight 0';
  const weights: Record<string, number> = {};
  for (const p of parts) {
    for (const [v, s] of Object.entries(p.reached.shares)) weights[v] = (weights[v] ?? 0) + (p.weight / total) * 100 * s;
  }
  // Whole percentages stay whole; thirds and the like keep a few decimals.
  for (const v of Object.keys(weights)) weights[v] = Math.round(weights[v] * 1e6) / 1e6;
  return { upstream: upstreams[0], weights, tolerance: IMPORTED_CANARY_TOLERANCE, alpha: 1e-4 };
}
