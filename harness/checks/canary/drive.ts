// canary, the effects: batches of requests on one operation, each counted at
// the upstream that served it (the journal), until the sequential test's look
// decides or a request cannot be counted.

import type { Operation } from '../../model/spec.ts';
import { generateRequest } from '../../spec/generate-request.ts';
import { judgeLook, shareTest, type ShareLook, type ShareTest } from '../../stats/sequential.ts';
import type { CheckContext } from '../check.ts';
import type { Sent } from '../shared/client.ts';
import { asValidConsumer } from '../shared/credentials.ts';
import type { CanaryPolicy } from './policy.ts';

const CONCURRENCY = 8;

export interface CanaryRun {
  op: Operation;
  test: ShareTest;
  /** Requests counted per version. */
  counts: Record<string, number>;
  /** Each look taken: requests so far and the decision. */
  trail: Array<{ n: number; decision: string }>;
  look?: ShareLook;
  /** A request that could not be counted (no success, or served by another upstream), with its tries. */
  bad?: { sent: Sent; tries: number; after: number };
}

export async function driveCanary(ctx: CheckContext, op: Operation, policy: CanaryPolicy): Promise<CanaryRun> {
  const as = asValidConsumer(ctx.suite, ctx.spec);
  const run: CanaryRun = { op, test: shareTest(policy.weights, policy.tolerance, policy.alpha, policy.maxRequests), counts: {}, trail: [] };
  let sent = 0;
  for (let i = 0; i < run.test.looks.length; i++) {
    while (sent < run.test.looks[i]) {
      const batch = Math.min(CONCURRENCY, run.test.looks[i] - sent);
      const results = await Promise.all(Array.from({ length: batch }, () => ctx.client.send(generateRequest(ctx.spec, op, ctx.rng), as)));
      for (const r of results) {
        const entries = ctx.fleet.journal.forRequest(r.id);
        const last = entries[entries.length - 1];
        if (r.status < 200 || r.status >= 300 || !last || last.upstream !== policy.upstream) {
          run.bad = { sent: r, tries: entries.length, after: sent };
          return run;
        }
        run.counts[last.version] = (run.counts[last.version] ?? 0) + 1;
      }
      sent += batch;
    }
    run.look = judgeLook(run.test, run.counts, i === run.test.looks.length - 1);
    run.trail.push({ n: run.look.n, decision: run.look.decision });
    if (run.look.decision !== 'continue') break;
  }
  return run;
}
