// contract, the verdict (pure): every response that came from the upstream
// validates against the spec for its status, and every request the upstream
// received still satisfies the spec. A status the proxy made itself (401,
// 429, 502-504) is not the upstream's: undocumented, it is a warning.
//
// Failure codes:
//   contract.requestBroken     the upstream received a request that breaks the spec
//   contract.noResponse        no response came
//   contract.undocumentedStatus the upstream's status is not documented for the operation
//   contract.responseInvalid   the upstream's response breaks the spec for its status
//   contract.nothingValidated  no response came from the upstream at all

import type { CheckOutcome, Exchange, Failure } from '../../model/result.ts';
import type { SpecValidator } from '../../spec/validate.ts';
import { failedOutcome } from '../check.ts';
import { exchangeOf, failureOf } from '../shared/client.ts';
import type { ContractSample } from './drive.ts';

const KEEP_EXCHANGES = 10;

/** What is wrong with one sample ([code, text] pairs), and whether its response was the upstream's. */
function problemsOf(s: ContractSample, validator: SpecValidator): { found: Array<[string, string]>; validated: boolean; proxyMade?: string } {
  const { op, sent, entries } = s;
  const found: Array<[string, string]> = [];
  for (const e of entries) for (const v of e.violations) found.push(['contract.requestBroken', `the upstream received a request that breaks the spec: ${v}`]);
  if (sent.status === 0) return { found: [...found, ['contract.noResponse', `no response: ${sent.error}`]], validated: false };
  const res = validator.validateResponse(op, sent.status, sent.responseHeaders, sent.responseBody);
  const fromUpstream = entries.length > 0 && entries[entries.length - 1].status === sent.status;
  if (!fromUpstream) return { found, validated: false, proxyMade: res.documented ? undefined : `${op.id}: the proxy answered ${sent.status} itself, a status the spec does not document` };
  if (!res.documented) found.push(['contract.undocumentedStatus', `status ${sent.status} is not documented for ${op.id}`]);
  for (const e of res.errors) found.push(['contract.responseInvalid', `response ${sent.status}: ${e}`]);
  return { found, validated: true };
}

export function judgeContract(samples: ContractSample[], validator: SpecValidator): CheckOutcome {
  const failures: Failure[] = [];
  const warnings = new Set<string>();
  const exchanges: Exchange[] = [];
  let validated = 0;
  for (const s of samples) {
    const r = problemsOf(s, validator);
    if (r.validated) validated++;
    if (r.proxyMade) warnings.add(r.proxyMade);
    const first = r.found[0];
    const f = first && failureOf(first[0], `${s.op.method} ${s.op.path} (${s.op.id}): ${first[1]}`, s.sent, s.entries.length);
    if (f) failures.push(f);
    if (f || exchanges.length < KEEP_EXCHANGES) exchanges.push(f?.exchange ?? exchangeOf(s.sent, s.entries.length));
  }
  const operations = [...new Set(samples.map((s) => s.op.id))];
  if (!failures.length && validated === 0) failures.push({ code: 'contract.nothingValidated', message: 'no response came from the upstream, so nothing could be validated' });
  const data = { operations, validated, problems: failures.map((f) => f.message) };
  if (failures.length) return failedOutcome('contract broken through the proxy', failures, { exchanges, data }, [...warnings]);
  return {
    status: 'passed',
    message: `${validated} upstream responses over ${operations.length} operations match the spec; every forwarded request satisfied it`,
    evidence: { exchanges, data },
    warnings: [...warnings],
  };
}
