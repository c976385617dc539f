// fault, the effects: per rule, requests that match it (its headers set) and,
// when the rule has headers, one that does not; each timed at the client and
// counted at the mock upstreams. A share below 100% of aborts is sampled.

import type { Operation } from '../../model/spec.ts';
import { generateRequest } from '../../spec/generate-request.ts';
import type { CheckContext } from '../check.ts';
import type { Sent } from '../shared/client.ts';
import { asValidConsumer } from '../shared/credentials.ts';
import { hasSuccessResponse, preferUnlimited, upstreamOf } from '../shared/select.ts';
import type { FaultRule } from './policy.ts';

/** Matching requests sent to measure an abort share strictly between 0 and 100%. */
export const ABORT_SAMPLE = 200;

export interface FaultHit {
  sent: Sent;
  tries: number;
  elapsedMs: number;
}

export interface RuleRun {
  rule: FaultRule;
  op?: Operation;
  /** Why the rule was not driven. */
  skipped?: string;
  /** A matching request for an all-or-nothing abort. */
  abortHit?: FaultHit;
  /** Matching requests for a share of aborts. */
  abortSample?: FaultHit[];
  /** A matching request for a delay of 0 or 100%. */
  delayHit?: FaultHit;
  /** A request without the rule's headers. */
  miss?: FaultHit;
}

/** Header values that satisfy the rule's matchers; undefined when a regex cannot be satisfied simply. */
export function matchingHeaders(rule: FaultRule): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const h of rule.headers) {
    if (h.exact !== undefined) out[h.name] = h.exact;
    else if (h.prefix !== undefined) out[h.name] = `${h.prefix}proxyproof`;
    else if (h.regex !== undefined && /^[\w-]+$/.test(h.regex)) out[h.name] = h.regex;
    else return undefined;
  }
  return out;
}

/** All or nothing: one request shows it; a share in between takes a sample. */
export const allOrNothing = (percent: number): boolean => percent >= 100 || percent <= 0;

async function driveRule(ctx: CheckContext, rule: FaultRule): Promise<RuleRun> {
  const op = preferUnlimited(ctx.policies, ctx.operations).filter(hasSuccessResponse).find((o) => upstreamOf(ctx.suite, o) === rule.upstream);
  if (!op) return { rule, skipped: 'no operation of this upstream' };
  const headers = matchingHeaders(rule);
  if (!headers) return { rule, op, skipped: 'a header regex proxyproof cannot satisfy' };
  const as = asValidConsumer(ctx.suite, ctx.spec);
  const delayMs = rule.delay?.fixedDelayMs ?? 0;
  const send = async (withHeaders: boolean): Promise<FaultHit> => {
    const req = generateRequest(ctx.spec, op, ctx.rng);
    if (withHeaders) req.headers = { ...req.headers, ...headers };
    const id = ctx.client.newId('fault');
    const sent = await ctx.client.send(req, { id, ...as, timeoutMs: 10_000 + delayMs * 2 });
    return { sent, tries: ctx.fleet.journal.forRequest(id).length, elapsedMs: Math.round(sent.doneAt - sent.sentAt) };
  };
  const run: RuleRun = { rule, op };
  if (rule.abort && allOrNothing(rule.abort.percent)) run.abortHit = await send(true);
  else if (rule.abort) {
    run.abortSample = [];
    for (let i = 0; i < ABORT_SAMPLE; i++) run.abortSample.push(await send(true));
  }
  if (rule.delay && allOrNothing(rule.delay.percent)) run.delayHit = await send(true);
  if (rule.headers.length) run.miss = await send(false);
  return run;
}

export async function driveFault(ctx: CheckContext, rules: FaultRule[]): Promise<RuleRun[]> {
  const out: RuleRun[] = [];
  for (const rule of rules) out.push(await driveRule(ctx, rule));
  return out;
}
