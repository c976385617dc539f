// auth, the verdict (pure): secured operations reject every bad credential
// with a status in `reject` and the journal shows those requests never
// reached an upstream; the valid consumer gets through; unsecured operations
// serve requests without credentials.
//
// Failure codes:
//   auth.notRejected      a bad or missing credential was not rejected
//   auth.reachedUpstream  it was rejected, but only after it reached the upstream
//   auth.validRejected    the valid consumer did not get through
//   auth.unsecuredBlocked an operation the spec leaves open did not serve a request without credentials

import type { CheckOutcome, Exchange, Failure } from '../../model/result.ts';
import { failedOutcome } from '../check.ts';
import { exchangeOf, failureOf, type Sent } from '../shared/client.ts';
import type { AuthAttempt } from './drive.ts';

/** Exchanges kept in the evidence besides every failing one. */
const KEEP_EXCHANGES = 12;

function describe(s: Sent): string {
  return s.status ? `HTTP ${s.status}` : `no response (${s.error})`;
}

/** The failure one attempt shows, if any. */
export function judgeAttempt(a: AuthAttempt, reject: readonly number[]): Failure | undefined {
  const { op, sent, tries } = a;
  const rejected = reject.includes(sent.status);
  const served = sent.status !== 0 && !rejected && tries >= 1;
  if (a.kind === 'unsecured') {
    return served ? undefined : failureOf('auth.unsecuredBlocked', `${op.id} is unsecured in the spec but a request without credentials got ${describe(sent)} and reached the upstream ${tries} time(s)`, sent, tries);
  }
  if (a.kind === 'valid') {
    return served ? undefined : failureOf('auth.validRejected', `${op.method} ${op.path} (${op.id}) with ${a.who}: got ${describe(sent)}, upstream tries ${tries}; a valid credential must get through`, sent, tries);
  }
  if (rejected && tries === 0) return undefined;
  const where = `${op.method} ${op.path} (${op.id}) with ${a.who}`;
  if (!rejected) return failureOf('auth.notRejected', `${where}: got ${describe(sent)}, expected one of ${reject.join('/')}`, sent, tries);
  return failureOf('auth.reachedUpstream', `${where}: was rejected with ${sent.status} but still reached the upstream ${tries} time(s)`, sent, tries);
}

export function judgeAuth(attempts: AuthAttempt[], schemeName: string, reject: readonly number[]): CheckOutcome {
  const failures: Failure[] = [];
  const exchanges: Exchange[] = [];
  const counts = { secured: new Set<string>(), unsecured: 0, rejected: 0, admitted: 0 };
  for (const a of attempts) {
    if (a.kind === 'unsecured') counts.unsecured++;
    else counts.secured.add(a.op.id);
    const f = judgeAttempt(a, reject);
    if (f) failures.push(f);
    else if (a.kind === 'bad') counts.rejected++;
    else if (a.kind === 'valid') counts.admitted++;
    if (f || exchanges.length < KEEP_EXCHANGES) exchanges.push(f?.exchange ?? exchangeOf(a.sent, a.tries));
  }
  const data = { scheme: schemeName, reject: [...reject], secured: counts.secured.size, unsecured: counts.unsecured, rejected: counts.rejected, admitted: counts.admitted };
  if (failures.length) return failedOutcome(`auth policy (${schemeName}) not enforced`, failures, { exchanges, data });
  return {
    status: 'passed',
    message: `${counts.secured.size} secured operation(s) rejected ${counts.rejected} bad requests before the upstream and admitted the valid consumer; ${counts.unsecured} unsecured operation(s) open`,
    evidence: { exchanges, data },
  };
}
