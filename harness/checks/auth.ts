// auth: secured operations reject requests with no credential and with each
// invalid consumer's credential (a status in the accepted set), and the
// journal proves those requests never reached an upstream; a valid consumer
// gets through; unsecured operations pass without credentials.

import type { Check, CheckContext } from './check.ts';
import { authSchemeOf, invalidConsumers, isSecured, validConsumers } from './credentials.ts';
import { curlOf, exchangeOf, type Sent } from './client.ts';
import { generateRequest } from '../spec/generate-request.ts';
import type { Feature } from '../model/features.ts';
import type { Exchange } from '../model/result.ts';

export const authCheck: Check = {
  name: 'auth',
  description: 'Requests without or with bad credentials are rejected and never reach the upstream; valid ones pass.',
  policy: 'auth',
  features(policies, spec) {
    const scheme = authSchemeOf({ policies } as never, spec);
    const f: Record<string, Feature> = { apiKey: 'auth.apiKey', basic: 'auth.basic', bearer: 'auth.bearer' };
    const feature = scheme ? f[scheme.scheme.kind] : undefined;
    return feature ? [feature] : [];
  },
  async run(ctx: CheckContext) {
    const scheme = authSchemeOf(ctx.suite, ctx.spec);
    if (!scheme) {
      return { status: 'skipped', message: 'the spec secures no operation and the suite names no scheme', evidence: {} };
    }
    if (scheme.scheme.kind === 'other') {
      return {
        status: 'notSupported',
        message: `security scheme ${scheme.name} (${scheme.scheme.type}) has no credential proxyproof can present`,
        evidence: {},
      };
    }
    const reject = ctx.policies.auth?.reject ?? [401, 403];
    const valid = validConsumers(ctx.suite)[0];
    const bad = invalidConsumers(ctx.suite);
    const problems: string[] = [];
    const exchanges: Exchange[] = [];
    let firstFailure: Sent | undefined;
    const counts = { secured: 0, unsecured: 0, rejected: 0, admitted: 0 };

    const note = (sent: Sent, problem?: string) => {
      const tries = ctx.fleet.journal.forRequest(sent.id).length;
      if (problem) {
        problems.push(problem);
        firstFailure ??= sent;
      }
      if (problem || exchanges.length < 12) exchanges.push(exchangeOf(sent, tries, problem));
      return tries;
    };

    for (const op of ctx.operations) {
      const req = generateRequest(ctx.spec, op, ctx.rng);
      if (!isSecured(op)) {
        counts.unsecured++;
        const sent = await ctx.client.send(req);
        const tries = ctx.fleet.journal.forRequest(sent.id).length;
        const ok = sent.status !== 0 && !reject.includes(sent.status) && tries >= 1;
        note(sent, ok ? undefined : `${op.id} is unsecured in the spec but a request without credentials got ${describe(sent)} and reached the upstream ${tries} time(s)`);
        continue;
      }
      counts.secured++;
      const attempts: { who: string; consumer?: (typeof bad)[number] }[] = [
        { who: 'no credential' },
        ...bad.map((c) => ({ who: `invalid consumer ${c.name}`, consumer: c })),
      ];
      // API keys are case-sensitive; nginx's plain map keys, for one, are not.
      const caseFlipped = valid?.credential.kind === 'apiKey' ? flipCase(valid.credential.key) : undefined;
      if (valid && caseFlipped && caseFlipped !== (valid.credential as { key: string }).key) {
        attempts.push({ who: `${valid.name}'s key in another case`, consumer: { name: `${valid.name}-case`, valid: false, credential: { kind: 'apiKey', key: caseFlipped } } });
      }
      for (const a of attempts) {
        const sent = await ctx.client.send(req, { consumer: a.consumer, scheme: scheme.scheme });
        const tries = ctx.fleet.journal.forRequest(sent.id).length;
        const rejected = reject.includes(sent.status);
        if (rejected && tries === 0) {
          counts.rejected++;
          note(sent);
        } else {
          const why = !rejected
            ? `got ${describe(sent)}, expected one of ${reject.join('/')}`
            : `was rejected with ${sent.status} but still reached the upstream ${tries} time(s)`;
          note(sent, `${op.method} ${op.path} (${op.id}) with ${a.who}: ${why}`);
        }
      }
      if (valid) {
        const sent = await ctx.client.send(req, { consumer: valid, scheme: scheme.scheme });
        const tries = ctx.fleet.journal.forRequest(sent.id).length;
        if (sent.status !== 0 && !reject.includes(sent.status) && tries >= 1) {
          counts.admitted++;
          note(sent);
        } else {
          note(sent, `${op.method} ${op.path} (${op.id}) with valid consumer ${valid.name}: got ${describe(sent)}, upstream tries ${tries}; a valid credential must get through`);
        }
      }
    }

    const data = { scheme: scheme.name, reject, ...counts };
    if (problems.length) {
      return {
        status: 'failed',
        message: `auth policy (${scheme.name}) not enforced: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`,
        evidence: { exchanges, curl: firstFailure ? curlOf(firstFailure) : undefined, data: { ...data, problems } },
      };
    }
    return {
      status: 'passed',
      message: `${counts.secured} secured operation(s) rejected ${counts.rejected} bad requests before the upstream and admitted the valid consumer; ${counts.unsecured} unsecured operation(s) open`,
      evidence: { exchanges, data },
    };
  },
};

function flipCase(key: string): string {
  return [...key].map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join('');
}

function describe(s: Sent): string {
  return s.status ? `HTTP ${s.status}` : `no response (${s.error})`;
}
