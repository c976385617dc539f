// contract, the effects: a few generated requests per operation through the
// proxy, each with what the mock upstreams journaled for it.

import type { JournalEntry } from '../../model/upstream.ts';
import type { Operation } from '../../model/spec.ts';
import { generateRequest } from '../../spec/generate-request.ts';
import type { CheckContext } from '../check.ts';
import type { Sent } from '../shared/client.ts';
import { asValidConsumer } from '../shared/credentials.ts';

export const REQUESTS_PER_OPERATION = 2;

export interface ContractSample {
  op: Operation;
  sent: Sent;
  /** The tries the mock upstreams journaled, with the spec violations each one saw. */
  entries: JournalEntry[];
}

export async function driveContract(ctx: CheckContext, ops: Operation[]): Promise<ContractSample[]> {
  const as = asValidConsumer(ctx.suite, ctx.spec);
  const out: ContractSample[] = [];
  for (const op of ops) {
    for (let i = 0; i < REQUESTS_PER_OPERATION; i++) {
      const sent = await ctx.client.send(generateRequest(ctx.spec, op, ctx.rng), as);
      out.push({ op, sent, entries: ctx.fleet.journal.forRequest(sent.id) });
    }
  }
  return out;
}
