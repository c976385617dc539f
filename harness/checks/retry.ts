// retry: upstream 5xx is retried exactly as configured, counted where it
// happens — at the mock upstreams, by request id — not inferred from the client.
//  1. the first `attempts` tries fail (each configured status): the client gets
//     a success and the upstream saw exactly attempts+1 tries;
//  2. attempts+1 tries fail: the client gets the error, the upstream saw
//     exactly attempts+1 (not more);
//  3. a method outside `methods` is tried once;
//  4. with perTryTimeout, a try slower than it is abandoned and retried.

import type { Check, CheckContext } from './check.ts';
import { authSchemeOf, validConsumers } from './credentials.ts';
import { curlOf, exchangeOf, type Sent } from './client.ts';
import { generateRequest } from '../spec/generate-request.ts';
import { hasSuccessResponse, inRateLimitScope, preferUnlimited } from './select.ts';
import type { Exchange } from '../model/result.ts';
import type { FaultProgram } from '../model/upstream.ts';
import type { Operation } from '../model/spec.ts';
import type { Feature } from '../model/features.ts';

interface Scenario {
  name: string;
  op: Operation;
  fault: FaultProgram;
  expectTries: number;
  expectClient: 'success' | 'error';
}

export const retryCheck: Check = {
  name: 'retry',
  description: 'Upstream failures are retried exactly as configured, counted at the upstream.',
  policy: 'retry',
  features(policies) {
    const f: Feature[] = ['retry.status', 'retry.methods'];
    if (policies.retry?.perTryTimeoutMs) f.push('retry.perTryTimeout');
    return f;
  },
  async run(ctx: CheckContext) {
    const policy = ctx.policies.retry!;
    const scheme = authSchemeOf(ctx.suite, ctx.spec)?.scheme;
    const consumer = validConsumers(ctx.suite)[0];
    const candidates = preferUnlimited(ctx.policies, ctx.operations).filter(hasSuccessResponse);
    const retried = candidates.find((op) => policy.methods.includes(op.method) && !inRateLimitScope(ctx.policies, op))
      ?? candidates.find((op) => policy.methods.includes(op.method));
    if (!retried) {
      return { status: 'skipped', message: `no operation uses a retried method (${policy.methods.join(', ')})`, evidence: {} };
    }
    const once = candidates.find((op) => !policy.methods.includes(op.method) && !inRateLimitScope(ctx.policies, op))
      ?? candidates.find((op) => !policy.methods.includes(op.method));
    const failWith = policy.on[0];
    const scenarios: Scenario[] = [
      ...policy.on.map((status) => ({
        name: `first ${policy.attempts} tries fail with ${status}`,
        op: retried,
        fault: { failFirst: policy.attempts, status },
        expectTries: policy.attempts + 1,
        expectClient: 'success' as const,
      })),
      {
        name: `all ${policy.attempts + 1} allowed tries fail with ${failWith}`,
        op: retried,
        fault: { failFirst: policy.attempts + 1, status: failWith },
        expectTries: policy.attempts + 1,
        expectClient: 'error',
      },
    ];
    if (once) {
      scenarios.push({
        name: `${once.method} (not in methods) fails once with ${failWith}`,
        op: once,
        fault: { failFirst: 1, status: failWith },
        expectTries: 1,
        expectClient: 'error',
      });
    }
    if (policy.perTryTimeoutMs) {
      scenarios.push({
        name: `first try slower than perTryTimeout ${policy.perTryTimeoutMs} ms`,
        op: retried,
        fault: { delayMs: Math.min(policy.perTryTimeoutMs * 3, policy.perTryTimeoutMs + 2_000), delayFirst: 1 },
        expectTries: 2,
        expectClient: 'success',
      });
    }

    const exchanges: Exchange[] = [];
    const rows: { scenario: string; operation: string; expectedTries: number; seenTries: number; clientStatus: number }[] = [];
    const problems: string[] = [];
    let failed: Sent | undefined;
    for (const sc of scenarios) {
      const req = generateRequest(ctx.spec, sc.op, ctx.rng);
      const id = ctx.client.newId('retry');
      ctx.fleet.faults.set(id, sc.fault);
      const sent = await ctx.client.send(req, { id, consumer, scheme, timeoutMs: 15_000 });
      // A delayed try may still be in flight at the mock; the journal records arrivals, so it is counted.
      const seen = ctx.fleet.journal.forRequest(id).length;
      rows.push({ scenario: sc.name, operation: sc.op.id, expectedTries: sc.expectTries, seenTries: seen, clientStatus: sent.status });
      const clientOk = sc.expectClient === 'success' ? sent.status >= 200 && sent.status < 300 : sent.status >= 500 || sent.status === 0;
      let problem: string | undefined;
      if (seen !== sc.expectTries) {
        problem = `${sc.name}: the upstream saw ${seen} tries, expected exactly ${sc.expectTries} (retry.attempts=${policy.attempts})`;
      } else if (!clientOk) {
        problem = `${sc.name}: the client got ${sent.status || sent.error}, expected ${sc.expectClient === 'success' ? 'a success after the retries' : 'the error'}`;
      }
      if (problem) {
        problems.push(problem);
        failed ??= sent;
      }
      exchanges.push(exchangeOf(sent, seen, problem ?? sc.name));
    }

    const warnings: string[] = [];
    const logs = ctx.proxy.logs();
    if (/no live upstreams/.test(logs)) {
      warnings.push('the proxy log says "no live upstreams": nginx marked servers down after induced failures; set max_fails=0 on the upstream servers so one check\'s failures do not break the next');
    }
    const data = { attempts: policy.attempts, on: policy.on, methods: policy.methods, perTryTimeoutMs: policy.perTryTimeoutMs, scenarios: rows };
    if (problems.length) {
      return {
        status: 'failed',
        message: `retry policy (attempts=${policy.attempts} on ${policy.on.join('/')}) not enforced: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`,
        evidence: { exchanges, curl: failed ? curlOf(failed) : undefined, data: { ...data, problems } },
        warnings,
      };
    }
    return {
      status: 'passed',
      message: `${scenarios.length} scenarios: the upstream saw exactly the configured tries (${rows.map((r) => r.seenTries).join(', ')})`,
      evidence: { exchanges, data },
      warnings,
    };
  },
};
