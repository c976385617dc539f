// Policies under load, each on the proxied path with the open-model engine:
//  rateLimit  at a rate far above the limit and many connections, the proxy
//             admits no more than `limit` per window: every window (clock of
//             the run, windowMs long) admits at most 2*limit (a fixed window
//             straddled at most once), and the whole run at most
//             limit * (windows + 1) (one burst allowance). The admitted
//             count per window is kept for the chart.
//  retry      the mocks fail the first `attempts` tries of a share of requests
//             with a retryable status; no such status may reach the client.
//  canary     the versions' shares (from x-proxyproof-served-by) hold within
//             the tolerance at a sustained rate: one look of the canary
//             check's Wilson test, false-alarm rate at most alpha.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Spec } from '../model/spec.ts';
import type { Suite } from '../model/suite.ts';
import type { Endpoint } from '../model/upstream.ts';
import { SERVED_BY_HEADER } from '../model/upstream.ts';
import { validConsumers } from '../checks/shared/credentials.ts';
import { hasSuccessResponse, inRateLimitScope, upstreamOf } from '../checks/shared/select.ts';
import { runEngine } from './engine.ts';
import { templatesFor } from './scenario.ts';
import type { MockProcess } from './mock-process.ts';
import type { PolicyUnderLoad } from '../model/load-report.ts';
import { judgeLook, sharesOf } from '../stats/sequential.ts';

export interface PolicyContext {
  suite: Suite;
  spec: Spec;
  target: string;
  proxy: Endpoint;
  mocks: Pick<MockProcess, 'setShare' | 'setRecording' | 'clear'>;
  seed: number;
  log: (line: string) => void;
}


export async function rateLimitUnderLoad(ctx: PolicyContext): Promise<PolicyUnderLoad> {
  const base = { suite: ctx.suite.name, target: ctx.target, policy: 'rateLimit' as const };
  const p = ctx.suite.policies.rateLimit!;
  const inScope = ctx.spec.operations.filter((o) => inRateLimitScope(ctx.suite.policies, o) && hasSuccessResponse(o));
  const op = inScope.find((o) => o.method === 'GET') ?? inScope[0];
  if (!op) return { ...base, status: 'skipped', message: 'no operation in the rate limit scope has a success response', data: {} };
  const consumer = validConsumers(ctx.suite)[0];
  const W = p.windowMs;
  const perSecLimit = (p.limit * 1000) / W;
  // Far above the limit (20x, at least 200/s), many connections, a bounded run.
  const rate = Math.min(2000, Math.max(200, 20 * perSecLimit));
  const windows = Math.max(3, Math.min(10, Math.ceil(3000 / W)));
  const durationMs = windows * W;
  if (durationMs > 30_000) return { ...base, status: 'skipped', message: `window ${W} ms is too long to measure under load here`, data: {} };
  await sleep(2 * W + 50); // a quiet period: the limiter starts fresh
  const templates = templatesFor(ctx.suite, ctx.spec, { name: 'rateLimit', operations: { [op.id]: 1 }, consumers: consumer ? [consumer.name] : undefined }, ctx.seed);
  const run = await runEngine({
    endpoints: [ctx.proxy],
    templates: templates.slice(0, 1),
    model: { kind: 'constant-arrival-rate', rate, durationMs, connections: 64 },
    warmupMs: 0,
    timeoutMs: 5000,
  });
  const rec = run.recorder;
  // Per-second series are by intended time; windows are aggregated from them when W is whole seconds.
  const perSecond = rec.series();
  let perWindow: number[];
  if (W % 1000 === 0) {
    const k = W / 1000;
    perWindow = [];
    for (let i = 0; i < perSecond.length; i += k) perWindow.push(perSecond.slice(i, i + k).reduce((a, s) => a + s.ok, 0));
  } else perWindow = [];
  const admitted = rec.outcomes['2xx'] + rec.outcomes['3xx'];
  const limited = rec.statusCodes.get(429) ?? 0;
  const bound = p.limit * (windows + 1);
  const maxWindow = perWindow.length ? Math.max(...perWindow) : undefined;
  const data = { operation: op.id, consumer: consumer?.name, limit: p.limit, windowMs: W, rate, durationMs, windows, admitted, limited, bound, perWindow, admittedPerSecond: perSecond.map((s) => s.ok), outcomes: rec.outcomes };
  const problems: string[] = [];
  if (admitted > bound) problems.push(`admitted ${admitted} in ${windows} windows, more than ${bound} (limit ${p.limit} per window plus one burst)`);
  if (maxWindow !== undefined && maxWindow > 2 * p.limit) problems.push(`one window admitted ${maxWindow}, more than twice the limit (${2 * p.limit})`);
  if (limited === 0) problems.push('no request was rejected with 429');
  if (problems.length) return { ...base, status: 'failed', message: `rate limit (${p.limit} per ${W} ms by ${p.by}) not enforced under load at ${rate}/s: ${problems.join('; ')}`, data };
  return { ...base, status: 'passed', message: `at ${rate}/s on ${op.id} for ${windows} windows: ${admitted} admitted (bound ${bound}), at most ${maxWindow ?? '?'} per window, ${limited} got 429`, data };
}

export async function retryUnderLoad(ctx: PolicyContext): Promise<PolicyUnderLoad> {
  const base = { suite: ctx.suite.name, target: ctx.target, policy: 'retry' as const };
  const p = ctx.suite.policies.retry!;
  const op = ctx.spec.operations.find((o) => p.methods.includes(o.method) && hasSuccessResponse(o) && !inRateLimitScope(ctx.suite.policies, o));
  if (!op) return { ...base, status: 'skipped', message: 'no retried operation outside the rate limit has a success response', data: {} };
  const share = 0.2;
  const status = p.on[0];
  await ctx.mocks.clear();
  await ctx.mocks.setRecording(true);
  await ctx.mocks.setShare(share, { failFirst: p.attempts, status });
  try {
    const templates = templatesFor(ctx.suite, ctx.spec, { name: 'retry', operations: { [op.id]: 1 } }, ctx.seed);
    const run = await runEngine({
      endpoints: [ctx.proxy],
      templates,
      model: { kind: 'constant-arrival-rate', rate: 500, durationMs: 2000, connections: 16 },
      warmupMs: 0,
      timeoutMs: 5000,
      requestIdPrefix: `pp-load-${ctx.target}-${ctx.seed.toString(36)}`,
    });
    const rec = run.recorder;
    const leaked = [...rec.statusCodes].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
    const errors = rec.outcomes.timeout + rec.outcomes.connectionError;
    const data = { operation: op.id, share, failFirst: p.attempts, status, requests: rec.outcomes.scheduled, expectedFailing: Math.round(share * rec.outcomes.scheduled), leaked5xx: leaked, statusCodes: Object.fromEntries(rec.statusCodes), errors, outcomes: rec.outcomes };
    if (leaked > 0 || errors > 0) return { ...base, status: 'failed', message: `retry policy (attempts=${p.attempts} on ${p.on.join('/')}) not enforced under load: ${leaked} 5xx and ${errors} errors reached the client out of ${rec.outcomes.scheduled}, with ${share * 100}% of requests failing their first ${p.attempts} tries`, data };
    return { ...base, status: 'passed', message: `500/s for 2 s with ${share * 100}% of requests failing their first ${p.attempts} tries (${status}): no 5xx reached the client (${rec.outcomes.scheduled} requests)`, data };
  } finally {
    await ctx.mocks.setShare(0, {});
    await ctx.mocks.clear();
    await ctx.mocks.setRecording(false);
  }
}

export async function canaryUnderLoad(ctx: PolicyContext): Promise<PolicyUnderLoad> {
  const base = { suite: ctx.suite.name, target: ctx.target, policy: 'canary' as const };
  const c = ctx.suite.policies.canary!;
  // The same routing the mocks and the functional checks use (checks/select.ts).
  const op = ctx.spec.operations.find((o) => o.method === 'GET' && hasSuccessResponse(o) && upstreamOf(ctx.suite, o) === c.upstream && !inRateLimitScope(ctx.suite.policies, o));
  if (!op) return { ...base, status: 'skipped', message: `no GET operation of ${c.upstream} outside the rate limit`, data: {} };
  const templates = templatesFor(ctx.suite, ctx.spec, { name: 'canary', operations: { [op.id]: 1 } }, ctx.seed);
  const run = await runEngine({
    endpoints: [ctx.proxy],
    templates,
    model: { kind: 'constant-arrival-rate', rate: 1000, durationMs: 2000, connections: 16 },
    warmupMs: 0,
    captureHeader: SERVED_BY_HEADER,
  });
  const rec = run.recorder;
  const byVersion: Record<string, number> = {};
  for (const [v, n] of rec.captured) {
    const version = v.split('/')[1] ?? v;
    byVersion[version] = (byVersion[version] ?? 0) + n;
  }
  const total = Object.values(byVersion).reduce((a, b) => a + b, 0);
  const shares = Object.fromEntries(Object.keys(c.weights).map((v) => [v, total ? (byVersion[v] ?? 0) / total : 0]));
  // One look of the canary check's test: a version fails only when its Wilson
  // interval at level alpha / versions lies wholly outside weight ± tolerance,
  // so a correct config fails with probability at most alpha.
  const look = judgeLook({ expected: sharesOf(c.weights), tolerance: c.tolerance, alpha: c.alpha, looks: [total] }, byVersion, true);
  const off = look.bands.filter((b) => b.high < b.expected - c.tolerance || b.low > b.expected + c.tolerance);
  const data = { operation: op.id, requests: total, byVersion, shares, weights: c.weights, tolerance: c.tolerance, alpha: c.alpha, bands: look.bands, perSecond: rec.series().map((s) => s.captured ?? {}), outcomes: rec.outcomes };
  if (!total) return { ...base, status: 'failed', message: 'canary under load: no response named the version that served it', data };
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  if (off.length) return { ...base, status: 'failed', message: `canary weights for ${c.upstream} not honoured under load: ${off.map((b) => `${b.version} got ${pct(b.observed)} (interval ${pct(b.low)}–${pct(b.high)}, weight ${pct(b.expected)} ± ${pct(c.tolerance)})`).join(', ')} of ${total}, alpha ${c.alpha}`, data };
  return { ...base, status: 'passed', message: `1000/s for 2 s: ${look.bands.map((b) => `${b.version} ${pct(b.observed)}`).join(', ')} of ${total} (tolerance ${c.tolerance}, alpha ${c.alpha})`, data };
}

export async function policiesUnderLoad(ctx: PolicyContext, which?: Array<'rateLimit' | 'retry' | 'canary'>): Promise<PolicyUnderLoad[]> {
  const p = ctx.suite.policies;
  const wanted = which ?? (['rateLimit', 'retry', 'canary'] as const).filter((k) => p[k]);
  const out: PolicyUnderLoad[] = [];
  for (const k of wanted) {
    const r = k === 'rateLimit' ? await rateLimitUnderLoad(ctx) : k === 'retry' ? await retryUnderLoad(ctx) : await canaryUnderLoad(ctx);
    ctx.log(`${ctx.suite.name}/${ctx.target}/${k} under load: ${r.status} — ${r.message}`);
    out.push(r);
  }
  return out;
}
