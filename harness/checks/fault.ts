// fault: the proxy answers matching requests itself (Istio's fault.abort),
// proven at the mock upstreams: a matching request gets the abort status and
// never reaches an upstream; a request without the matching headers is served.
// A percentage below 100 is checked as a share of 200 matching requests
// (Wilson interval at 1e-4, like the canary).

import type { Check, CheckContext } from './check.ts';
import { authSchemeOf, validConsumers } from './credentials.ts';
import { curlOf, exchangeOf, type Sent } from './client.ts';
import { generateRequest } from '../spec/generate-request.ts';
import { hasSuccessResponse, preferUnlimited, upstreamOf } from './select.ts';
import type { Exchange } from '../run/result.ts';
import type { FaultRule } from '../suite/suite.ts';

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

export const faultCheck: Check = {
  name: 'fault',
  description: 'The proxy aborts matching requests itself with the configured status; others are served.',
  policy: 'fault',
  features() {
    return ['fault.abort'];
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
      const label = `abort ${rule.abort.status} (${rule.abort.percent}%) for ${rule.upstream}${rule.headers.length ? ` when ${rule.headers.map((h) => `${h.name}=${h.exact ?? h.prefix ?? h.regex}`).join(', ')}` : ''}`;
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
      const send = async (withHeaders: boolean) => {
        const req = generateRequest(ctx.spec, op, ctx.rng);
        if (withHeaders) req.headers = { ...req.headers, ...headers };
        const id = ctx.client.newId('fault');
        const sent = await ctx.client.send(req, { id, consumer, scheme, timeoutMs: 10_000 });
        return { sent, tries: ctx.fleet.journal.forRequest(id).length };
      };
      const problem = (p: string, s: Sent) => {
        problems.push(`${label}: ${p}`);
        failed ??= s;
      };
      if (rule.abort.percent >= 100 || rule.abort.percent <= 0) {
        const hit = await send(true);
        const expectAbort = rule.abort.percent >= 100;
        const aborted = hit.sent.status === rule.abort.status && hit.tries === 0;
        exchanges.push(exchangeOf(hit.sent, hit.tries, `matching request: ${expectAbort ? 'expect the proxy to answer' : 'expect no abort'}`));
        if (expectAbort && !aborted) problem(`a matching request got ${hit.sent.status || hit.sent.error} and reached the upstream ${hit.tries} time(s); expected ${rule.abort.status} from the proxy, 0 tries upstream`, hit.sent);
        if (!expectAbort && hit.tries === 0) problem(`a matching request was aborted with ${hit.sent.status}; percent is 0`, hit.sent);
        rows.push({ rule: label, operation: op.id, status: hit.sent.status, upstreamTries: hit.tries });
      } else {
        let aborted = 0;
        let last: Sent | undefined;
        for (let i = 0; i < SAMPLE; i++) {
          const hit = await send(true);
          last = hit.sent;
          if (hit.sent.status === rule.abort.status && hit.tries === 0) aborted++;
        }
        const [lo, hi] = wilson(aborted, SAMPLE);
        const want = rule.abort.percent / 100;
        rows.push({ rule: label, operation: op.id, aborted, of: SAMPLE, interval: [lo, hi] });
        if (want < lo || want > hi) problem(`${aborted} of ${SAMPLE} matching requests aborted; ${rule.abort.percent}% lies outside [${(lo * 100).toFixed(1)}%, ${(hi * 100).toFixed(1)}%]`, last!);
      }
      if (rule.headers.length) {
        const miss = await send(false);
        exchanges.push(exchangeOf(miss.sent, miss.tries, 'request without the matching headers: expect it served'));
        if (miss.tries === 0 || miss.sent.status === rule.abort.status && miss.tries === 0) problem(`a request without the matching headers got ${miss.sent.status || miss.sent.error} and never reached the upstream`, miss.sent);
        rows.push({ rule: `${label} (not matching)`, operation: op.id, status: miss.sent.status, upstreamTries: miss.tries });
      }
    }
    const checked = rows.filter((r) => !r.skipped).length;
    if (problems.length) {
      return {
        status: 'failed',
        message: `fault abort not enforced: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`,
        evidence: { exchanges, curl: failed ? curlOf(failed) : undefined, data: { rules: rows, problems } },
      };
    }
    if (!checked) return { status: 'skipped', message: `no fault rule could be exercised: ${rows.map((r) => `${String(r.rule)}: ${String(r.skipped)}`).join('; ')}`, evidence: { data: { rules: rows } } };
    return { status: 'passed', message: `${rules.length} fault rule(s): matching requests answered by the proxy, never reaching the upstream; others served`, evidence: { exchanges, data: { rules: rows } } };
  },
};
