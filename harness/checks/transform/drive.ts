// transform, the effects: one request that carries every header to be set
// (with a value of the client's own) and every header to be removed, and
// what the mock upstream received for it.

import type { JournalEntry } from '../../model/upstream.ts';
import type { Operation } from '../../model/spec.ts';
import { generateRequest } from '../../spec/generate-request.ts';
import type { CheckContext } from '../check.ts';
import type { Sent } from '../shared/client.ts';
import { asValidConsumer } from '../shared/credentials.ts';
import type { TransformPolicy } from './policy.ts';

/** What the client sends for each header, so a proxy that leaves it alone shows. */
export const CLIENT_VALUE = 'set-by-the-client';

export interface TransformSample {
  op: Operation;
  sent: Sent;
  /** Headers the client sent (each set or removed one, as CLIENT_VALUE). */
  sentHeaders: Record<string, string>;
  /** The tries the upstream journaled; the last one is what the upstream saw. */
  seen: JournalEntry[];
  /**
   * How each set header's value reads in the journal: the mocks keep
   * credential headers (authorization, API keys) only as keyed tags.
   */
  tags: Record<string, string>;
}

export async function driveTransform(ctx: CheckContext, op: Operation, t: TransformPolicy): Promise<TransformSample> {
  const req = generateRequest(ctx.spec, op, ctx.rng);
  const sentHeaders: Record<string, string> = {};
  for (const name of [...Object.keys(t.setHeaders), ...t.removeHeaders]) sentHeaders[name] = CLIENT_VALUE;
  req.headers = { ...req.headers, ...sentHeaders };
  const id = ctx.client.newId('transform');
  const sent = await ctx.client.send(req, { id, ...asValidConsumer(ctx.suite, ctx.spec), timeoutMs: 10_000 });
  const tags = Object.fromEntries(Object.entries(t.setHeaders).map(([name, value]) => [name, ctx.fleet.credentialTag(value)]));
  return { op, sent, sentHeaders, seen: ctx.fleet.journal.forRequest(id), tags };
}
