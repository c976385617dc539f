// canary: each version's share of the traffic is within `tolerance` of its
// weight, decided by the group-sequential Wilson test in stats/sequential.ts
// (false-alarm rate <= alpha, default 1e-4). Versions are counted at the
// upstream (the journal), not from what the proxy says.

import type { Check, CheckContext } from './check.ts';
import { authSchemeOf, validConsumers } from './credentials.ts';
import { curlOf, exchangeOf, type Sent } from './client.ts';
import { generateRequest } from '../spec/generate-request.ts';
import { hasSuccessResponse, inRateLimitScope, upstreamOf } from './select.ts';
import { judgeLook, shareTest, type ShareLook } from '../stats/sequential.ts';

const CONCURRENCY = 8;

export const canaryCheck: Check = {
  name: 'canary',
  description: 'Traffic splits across versions by the configured weights, within a statistical tolerance.',
  policy: 'canary',
  features: () => ['canary.weights'],
  async run(ctx: CheckContext) {
    const policy = ctx.policies.canary!;
    const scheme = authSchemeOf(ctx.suite, ctx.spec)?.scheme;
    const consumer = validConsumers(ctx.suite)[0];
    const served = ctx.operations.filter((op) => upstreamOf(ctx.suite, op) === policy.upstream && hasSuccessResponse(op));
    const op = served.find((o) => o.method === 'GET' && !inRateLimitScope(ctx.policies, o)) ?? served.find((o) => !inRateLimitScope(ctx.policies, o));
    if (!op) {
      return {
        status: 'skipped',
        message: served.length
          ? `every operation of upstream ${policy.upstream} is inside the rate limit's scope; the canary needs thousands of requests`
          : `no operation is served by upstream ${policy.upstream}`,
        evidence: {},
      };
    }
    const test = shareTest(policy.weights, policy.tolerance, policy.alpha, policy.maxRequests);
    const counts: Record<string, number> = {};
    let sent = 0;
    let look: ShareLook | undefined;
    let bad: Sent | undefined;
    const trail: { n: number; decision: string }[] = [];
    for (let i = 0; i < test.looks.length && look?.decision !== 'pass' && look?.decision !== 'fail'; i++) {
      const target = test.looks[i];
      while (sent < target) {
        const batch = Math.min(CONCURRENCY, target - sent);
        const results = await Promise.all(
          Array.from({ length: batch }, () => ctx.client.send(generateRequest(ctx.spec, op, ctx.rng), { consumer, scheme })),
        );
        for (const r of results) {
          const entries = ctx.fleet.journal.forRequest(r.id);
          const last = entries[entries.length - 1];
          if (r.status < 200 || r.status >= 300 || !last || last.upstream !== policy.upstream) {
            bad = r;
            break;
          }
          counts[last.version] = (counts[last.version] ?? 0) + 1;
        }
        if (bad) break;
        sent += batch;
      }
      if (bad) break;
      look = judgeLook(test, counts, i === test.looks.length - 1);
      trail.push({ n: look.n, decision: look.decision });
    }
    const method = `group-sequential Wilson intervals, alpha=${policy.alpha} split over ${test.looks.length} looks and the versions (Bonferroni)`;
    if (bad) {
      return {
        status: 'failed',
        message: `canary (${policy.upstream}) could not be measured: ${op.id} answered ${bad.status || bad.error} after ${sent} requests`,
        evidence: { exchanges: [exchangeOf(bad, ctx.fleet.journal.forRequest(bad.id).length)], curl: curlOf(bad), data: { counts } },
      };
    }
    const l = look!;
    const bands = l.bands.map((b) => ({
      version: b.version,
      expected: round(b.expected),
      observed: round(b.observed),
      count: b.count,
      interval: [round(b.low), round(b.high)],
    }));
    const data = { operation: op.id, requests: l.n, looks: trail, method, tolerance: policy.tolerance, z: round(l.z), bands };
    const shares = bands.map((b) => `${b.version} ${(b.observed * 100).toFixed(1)}% (expected ${(b.expected * 100).toFixed(1)}%)`).join(', ');
    if (l.decision === 'fail') {
      const off = l.bands.find((b) => b.high < b.expected - policy.tolerance || b.low > b.expected + policy.tolerance)!;
      return {
        status: 'failed',
        message: `canary weights for ${policy.upstream} not honoured: ${off.version} got ${(off.observed * 100).toFixed(1)}% (interval ${(off.low * 100).toFixed(1)}–${(off.high * 100).toFixed(1)}%), expected ${(off.expected * 100).toFixed(1)}% ± ${policy.tolerance * 100}% after ${l.n} requests`,
        evidence: { data },
      };
    }
    const allInside = l.bands.every((b) => b.low >= b.expected - policy.tolerance && b.high <= b.expected + policy.tolerance);
    return {
      status: 'passed',
      message: `${shares} after ${l.n} requests`,
      evidence: { data },
      warnings: allInside ? [] : [`inconclusive at ${l.n} requests: no significant deviation, but the interval does not yet fit the tolerance band`],
    };
  },
};

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
