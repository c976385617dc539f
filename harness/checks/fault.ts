// fault: the faults the proxy injects itself, as Istio's fault.abort and
// fault.delay, proven at the mock upstreams and timed at the client:
//  - abort: a matching request gets the abort status and never reaches an
//    upstream; a percentage below 100 is checked as a share of 200 matching
//    requests (Wilson interval at 1e-4, like the canary);
//  - delay: a matching request reaches the upstream and is answered no sooner
//    than the fixed delay (and not much later); a percentage strictly between
//    0 and 100 is listed as not driven (a share of delayed requests would take
//    a couple of hundred delays);
//  - a request without the matching headers is served, undelayed.

import type { Check, CheckContext } from './check.ts';
import { authSchemeOf, validConsumers } from './credentials.ts';
import { curlOf, exchangeOf, type Sent } from './client.ts';
import { generateRequest } from '../spec/generate-request.ts';
import { hasSuccessResponse, preferUnlimited, upstreamOf } from './select.ts';
import type { Exchange } from '../model/result.ts';
import type { FaultRule } from '../model/suite.ts';
import type { Feature } from '../model/features.ts';

const SAMPLE = 200;
const Z = 3.89; // two-sided 1e-4

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

function wilson(k: number, n: number): [number, number] {
  const p = k / n;
  const d = 1 + (Z * Z) / n;
  const c = (p + (Z * Z) / (2 * n)) / d;
  const h = (Z * Math.sqrt((p * (1 - p)) / n + (Z * Z) / (4 * n * n))) / d;
  return [c - h, c + h];
}

/** How early a delayed answer may come (timer granularity) and how late (scheduling, one more event loop turn). */
export const DELAY_EARLY_MS = 20;
export function delayLateMs(fixedDelayMs: number): number {
  return Math.max(1_000, Math.round(fixedDelayMs / 2));
}

function ruleLabel(rule: FaultRule): string {
  const parts = [
    rule.abort ? `abort ${rule.abort.status} (${rule.abort.percent}%)` : '',
    rule.delay ? `delay ${rule.delay.fixedDelayMs} ms (${rule.delay.percent}%)` : '',
  ].filter(Boolean);
  return `${parts.join(' + ')} for ${rule.upstream}${rule.headers.length ? ` when ${rule.headers.map((h) => `${h.name}=${h.exact ?? h.prefix ?? h.regex}`).join(', ')}` : ''}`;
}

export const faultCheck: Check = {
  name: 'fault',
  description: 'The proxy aborts matching requests itself with the configured status, or holds them for the configured delay; others are served.',
  policy: 'fault',
  features(policies) {
    const rules = policies.fault?.rules ?? [];
    const f: Feature[] = [];
    if (rules.some((r) => r.abort)) f.push('fault.abort');
    if (rules.some((r) => r.delay)) f.push('fault.delay');
    return f;
  },
  async run(ctx: CheckContext) {
    const rules = ctx.policies.fault!.rules;
    const scheme = authSchemeOf(ctx.suite, ctx.spec)?.scheme;
    const consumer = validConsumers(ctx.suite)[0];
    const exchanges: Exchange[] = [];
    const problems: string[] = [];
    const rows: Array<Record<string, unknown>> = [];
    let failed: Sent | undefined;
    for (const rule of rules) {
      const label = ruleLabel(rule);
      const op = preferUnlimited(ctx.policies, ctx.operations).filter(hasSuccessResponse).find((o) => upstreamOf(ctx.suite, o) === rule.upstream);
      if (!op) {
        rows.push({ rule: label, skipped: 'no operation of this upstream' });
        continue;
      }
      const headers = matchingHeaders(rule);
      if (!headers) {
        rows.push({ rule: label, skipped: 'a header regex proxyproof cannot satisfy' });
        continue;
      }
      const delayMs = rule.delay?.fixedDelayMs ?? 0;
      const send = async (withHeaders: boolean) => {
        const req = generateRequest(ctx.spec, op, ctx.rng);
        if (withHeaders) req.headers = { ...req.headers, ...headers };
        const id = ctx.client.newId('fault');
        const sent = await ctx.client.send(req, { id, consumer, scheme, timeoutMs: 10_000 + delayMs * 2 });
        return { sent, tries: ctx.fleet.journal.forRequest(id).length, elapsed: Math.round(sent.doneAt - sent.sentAt) };
      };
      const problem = (p: string, s: Sent) => {
        problems.push(`${label}: ${p}`);
        failed ??= s;
      };
      const abort = rule.abort;
      const abortAll = abort !== undefined && abort.percent >= 100;
      if (abort && (abort.percent >= 100 || abort.percent <= 0)) {
        const hit = await send(true);
        const aborted = hit.sent.status === abort.status && hit.tries === 0;
        exchanges.push(exchangeOf(hit.sent, hit.tries, `matching request: ${abortAll ? 'expect the proxy to answer' : 'expect no abort'}`));
        if (abortAll && !aborted) problem(`a matching request got ${hit.sent.status || hit.sent.error} and reached the upstream ${hit.tries} time(s); expected ${abort.status} from the proxy, 0 tries upstream`, hit.sent);
        if (!abortAll && hit.tries === 0) problem(`a matching request was aborted with ${hit.sent.status}; percent is 0`, hit.sent);
        rows.push({ rule: label, fault: 'abort', operation: op.id, status: hit.sent.status, upstreamTries: hit.tries, elapsedMs: hit.elapsed });
      } else if (abort) {
        let aborted = 0;
        let last: Sent | undefined;
        for (let i = 0; i < SAMPLE; i++) {
          const hit = await send(true);
          last = hit.sent;
          if (hit.sent.status === abort.status && hit.tries === 0) aborted++;
        }
        const [lo, hi] = wilson(aborted, SAMPLE);
        const want = abort.percent / 100;
        rows.push({ rule: label, fault: 'abort', operation: op.id, aborted, of: SAMPLE, interval: [lo, hi] });
        if (want < lo || want > hi) problem(`${aborted} of ${SAMPLE} matching requests aborted; ${abort.percent}% lies outside [${(lo * 100).toFixed(1)}%, ${(hi * 100).toFixed(1)}%]`, last!);
      }
      const delay = rule.delay;
      if (delay && delay.percent > 0 && delay.percent < 100) {
        rows.push({ rule: label, fault: 'delay', skipped: `a delay on ${delay.percent}% of requests is not driven: its share would take about ${SAMPLE} delays of ${delay.fixedDelayMs} ms` });
      } else if (delay) {
        const hit = await send(true);
        const late = delayLateMs(delay.fixedDelayMs);
        const all = delay.percent >= 100;
        // With an abort on every request too, the proxy holds the request and then answers it itself.
        const servedOk = abortAll ? hit.sent.status === abort!.status && hit.tries === 0 : hit.sent.status >= 200 && hit.sent.status < 300 && hit.tries >= 1;
        exchanges.push(exchangeOf(hit.sent, hit.tries, `matching request: expect ${all ? `the answer after ${delay.fixedDelayMs} ms` : 'no delay'} (${hit.elapsed} ms)`));
        if (all && hit.elapsed < delay.fixedDelayMs - DELAY_EARLY_MS) problem(`a matching request was answered after ${hit.elapsed} ms, before the ${delay.fixedDelayMs} ms delay`, hit.sent);
        else if (all && hit.elapsed > delay.fixedDelayMs + late) problem(`a matching request was answered only after ${hit.elapsed} ms, over the ${delay.fixedDelayMs} ms delay + ${late} ms`, hit.sent);
        else if (!all && hit.elapsed >= delay.fixedDelayMs - DELAY_EARLY_MS) problem(`a matching request took ${hit.elapsed} ms; percent is 0, so it must not be held ${delay.fixedDelayMs} ms`, hit.sent);
        else if (!servedOk) problem(`a delayed request got ${hit.sent.status || hit.sent.error} and reached the upstream ${hit.tries} time(s); expected ${abortAll ? `${abort!.status} from the proxy` : 'the upstream\'s success'}`, hit.sent);
        rows.push({ rule: label, fault: 'delay', operation: op.id, status: hit.sent.status, upstreamTries: hit.tries, elapsedMs: hit.elapsed, fixedDelayMs: delay.fixedDelayMs });
      }
      if (rule.headers.length) {
        const miss = await send(false);
        exchanges.push(exchangeOf(miss.sent, miss.tries, `request without the matching headers: expect it served${delay ? ' without the delay' : ''} (${miss.elapsed} ms)`));
        if (miss.tries === 0) problem(`a request without the matching headers got ${miss.sent.status || miss.sent.error} and never reached the upstream`, miss.sent);
        else if (delay && delay.percent > 0 && miss.elapsed >= delay.fixedDelayMs / 2) problem(`a request without the matching headers took ${miss.elapsed} ms: it was held like a matching one (delay ${delay.fixedDelayMs} ms)`, miss.sent);
        rows.push({ rule: `${label} (not matching)`, operation: op.id, status: miss.sent.status, upstreamTries: miss.tries, elapsedMs: miss.elapsed });
      }
    }
    const checked = rows.filter((r) => !r.skipped).length;
    if (problems.length) {
      return {
        status: 'failed',
        message: `fault injection not enforced: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`,
        evidence: { exchanges, curl: failed ? curlOf(failed) : undefined, data: { rules: rows, problems } },
      };
    }
    if (!checked) return { status: 'skipped', message: `no fault rule could be exercised: ${rows.map((r) => `${String(r.rule)}: ${String(r.skipped)}`).join('; ')}`, evidence: { data: { rules: rows } } };
    const notDriven = rows.filter((r) => r.skipped).map((r) => `${String(r.rule)}: ${String(r.skipped)}`);
    return {
      status: 'passed',
      message: `${rules.length} fault rule(s): ${rules.some((r) => r.abort) ? 'aborted requests answered by the proxy, never reaching the upstream; ' : ''}${rules.some((r) => r.delay) ? 'delayed requests held for their delay; ' : ''}others served${notDriven.length ? ` (not driven: ${notDriven.join('; ')})` : ''}`,
      evidence: { exchanges, data: { rules: rows } },
    };
  },
};
