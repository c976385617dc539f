// Counting versions for a share test (stats/sequential.ts): batches of
// requests, each counted at the version that served it (the journal), with a
// look of the sequential test at each of its look points (every 100 requests
// early, then every 50 or so from its first decisive look), until a look
// decides or a request cannot be counted. The canary check and the routing
// check's split routes both use it.

import { judgeLook, type ShareLook, type ShareTest } from '../../stats/sequential.ts';
import type { MockFleet } from '../../upstream/mock-upstream.ts';
import type { Sent } from './client.ts';

const CONCURRENCY = 8;

export interface ShareRun {
  test: ShareTest;
  /** Requests counted per version. */
  counts: Record<string, number>;
  /** Each look taken: requests so far and the decision. */
  trail: Array<{ n: number; decision: string }>;
  look?: ShareLook;
  /** A request that could not be counted (no success, or served by another upstream), with its tries. */
  bad?: { sent: Sent; tries: number; after: number };
}

/**
 * Drive `send` until the test decides. A request counts when it succeeded
 * (2xx) and its last try was at `upstream`; anything else ends the run as `bad`.
 */
export async function driveShares(test: ShareTest, upstream: string, fleet: MockFleet, send: () => Promise<Sent>): Promise<ShareRun> {
  const run: ShareRun = { test, counts: {}, trail: [] };
  let sent = 0;
  for (let i = 0; i < test.looks.length; i++) {
    while (sent < test.looks[i]) {
      const batch = Math.min(CONCURRENCY, test.looks[i] - sent);
      const results = await Promise.all(Array.from({ length: batch }, send));
      for (const r of results) {
        const entries = fleet.journal.forRequest(r.id);
        const last = entries[entries.length - 1];
        if (r.status < 200 || r.status >= 300 || !last || last.upstream !== upstream) {
          run.bad = { sent: r, tries: entries.length, after: sent };
          return run;
        }
        run.counts[last.version] = (run.counts[last.version] ?? 0) + 1;
      }
      sent += batch;
    }
    run.look = judgeLook(test, run.counts, i === test.looks.length - 1);
    run.trail.push({ n: run.look.n, decision: run.look.decision });
    if (run.look.decision !== 'continue') break;
  }
  return run;
}
