// contract: every response that came from the upstream through the proxy
// validates against the spec for its status, and every request the proxy
// forwarded still satisfies the spec at the upstream (a proxy that mangles
// paths, headers or bodies is caught there). Responses the proxy made itself
// (401, 429, 502-504) are not the upstream's: when the spec does not document
// their status they are listed as a warning, not a failure.

import type { Check, CheckContext } from './check.ts';
import { authSchemeOf, validConsumers } from './credentials.ts';
import { curlOf, exchangeOf, type Sent } from './client.ts';
import { generateRequest } from '../spec/generate-request.ts';
import { hasSuccessResponse } from './select.ts';
import type { Exchange } from '../model/result.ts';

const REQUESTS_PER_OPERATION = 2;

export const contractCheck: Check = {
  name: 'contract',
  description: 'Responses through the proxy satisfy the spec, and requests reach the upstream intact.',
  policy: 'contract',
  features: () => ['contract'],
  async run(ctx: CheckContext) {
    const wanted = ctx.policies.contract?.operations;
    const ops = ctx.operations.filter((op) => (wanted ? wanted.includes(op.id) : true) && hasSuccessResponse(op));
    if (!ops.length) return { status: 'skipped', message: 'no operation with a documented success response to exercise', evidence: {} };
    const scheme = authSchemeOf(ctx.suite, ctx.spec)?.scheme;
    const consumer = validConsumers(ctx.suite)[0];
    const problems: string[] = [];
    const warnings = new Set<string>();
    const exchanges: Exchange[] = [];
    let failed: Sent | undefined;
    let validated = 0;
    for (const op of ops) {
      for (let i = 0; i < REQUESTS_PER_OPERATION; i++) {
        const sent = await ctx.client.send(generateRequest(ctx.spec, op, ctx.rng), { consumer, scheme });
        const entries = ctx.fleet.journal.forRequest(sent.id);
        const fromUpstream = entries.length > 0 && entries[entries.length - 1].status === sent.status;
        const found: string[] = [];
        for (const e of entries) for (const v of e.violations) found.push(`the upstream received a request that breaks the spec: ${v}`);
        if (sent.status === 0) {
          found.push(`no response: ${sent.error}`);
        } else if (fromUpstream) {
          const res = ctx.validator.validateResponse(op, sent.status, sent.responseHeaders, sent.responseBody);
          validated++;
          if (!res.documented) found.push(`status ${sent.status} is not documented for ${op.id}`);
          for (const e of res.errors) found.push(`response ${sent.status}: ${e}`);
        } else {
          const v = ctx.validator.validateResponse(op, sent.status, sent.responseHeaders, sent.responseBody);
          if (!v.documented) warnings.add(`${op.id}: the proxy answered ${sent.status} itself, a status the spec does not document`);
        }
        const problem = found.length ? `${op.method} ${op.path} (${op.id}): ${found[0]}` : undefined;
        if (problem) {
          problems.push(problem);
          failed ??= sent;
        }
        if (problem || exchanges.length < 10) exchanges.push(exchangeOf(sent, entries.length, problem));
      }
    }
    const data = { operations: ops.map((o) => o.id), validated, problems };
    if (!problems.length && validated === 0) {
      problems.push('no response came from the upstream, so nothing could be validated');
    }
    if (problems.length) {
      return {
        status: 'failed',
        message: `contract broken through the proxy: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`,
        evidence: { exchanges, curl: failed ? curlOf(failed) : undefined, data },
        warnings: [...warnings],
      };
    }
    return {
      status: 'passed',
      message: `${validated} upstream responses over ${ops.length} operations match the spec; every forwarded request satisfied it`,
      evidence: { exchanges, data },
      warnings: [...warnings],
    };
  },
};
