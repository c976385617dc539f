// transform: the proxy rewrites request headers before the upstream, proven
// where it lands: the mock's journal of that request id. The client sends
// every header to be set with a value of its own (a proxy that appends
// instead of replacing is caught) and every header to be removed (a proxy
// that forwards it is caught).

import type { Check, CheckContext } from './check.ts';
import { authSchemeOf, validConsumers } from './credentials.ts';
import { curlOf, exchangeOf } from './client.ts';
import { generateRequest } from '../spec/generate-request.ts';
import { hasSuccessResponse, preferUnlimited } from './select.ts';

/** What the client sends for each header, so a proxy that leaves it alone shows. */
const CLIENT_VALUE = 'set-by-the-client';

export const transformCheck: Check = {
  name: 'transform',
  description: 'The proxy sets and removes request headers as configured; the upstream sees the result.',
  policy: 'transform',
  features() {
    return ['transform.headers'];
  },
  async run(ctx: CheckContext) {
    const t = ctx.policies.transform!;
    const op = preferUnlimited(ctx.policies, ctx.operations).find(hasSuccessResponse);
    if (!op) return { status: 'skipped', message: 'no operation with a success response to send through the proxy', evidence: {} };
    const req = generateRequest(ctx.spec, op, ctx.rng);
    const sentHeaders: Record<string, string> = {};
    for (const name of [...Object.keys(t.setHeaders), ...t.removeHeaders]) sentHeaders[name] = CLIENT_VALUE;
    req.headers = { ...req.headers, ...sentHeaders };
    const id = ctx.client.newId('transform');
    const sent = await ctx.client.send(req, { id, consumer: validConsumers(ctx.suite)[0], scheme: authSchemeOf(ctx.suite, ctx.spec)?.scheme, timeoutMs: 10_000 });
    const seen = ctx.fleet.journal.forRequest(id);
    const exchanges = [exchangeOf(sent, seen.length, `headers ${Object.keys(sentHeaders).join(', ')} sent as '${CLIENT_VALUE}'`)];
    const upstream = seen[seen.length - 1];
    const problems: string[] = [];
    if (!upstream) problems.push(`the request never reached an upstream (got ${sent.status || sent.error})`);
    else {
      const got = (name: string) => upstream.headers[name.toLowerCase()];
      for (const [name, want] of Object.entries(t.setHeaders)) {
        const v = got(name);
        if (v !== want) problems.push(v === undefined ? `${name} missing at the upstream (want '${want}')` : `${name} reached the upstream as '${v}' (want '${want}')`);
      }
      for (const name of t.removeHeaders) if (got(name) !== undefined) problems.push(`${name} reached the upstream ('${got(name)}'); it must be removed`);
    }
    const data = { operation: op.id, setHeaders: t.setHeaders, removeHeaders: t.removeHeaders, upstreamHeaders: upstream ? Object.fromEntries([...Object.keys(t.setHeaders), ...t.removeHeaders].map((n) => [n, upstream.headers[n.toLowerCase()] ?? null])) : null };
    if (problems.length) return { status: 'failed', message: `request transformation not applied: ${problems.join('; ')}`, evidence: { exchanges, curl: curlOf(sent), data } };
    return { status: 'passed', message: `${op.id}: the upstream saw ${Object.keys(t.setHeaders).length} header(s) set and ${t.removeHeaders.length} removed`, evidence: { exchanges, data } };
  },
};
