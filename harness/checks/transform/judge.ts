// transform, the verdict (pure), from what the upstream saw: each set header
// with exactly its value (the client's own replaced, not appended to), and
// none of the removed ones.
//
// Failure codes:
//   transform.notForwarded    the request never reached an upstream
//   transform.headerMissing   a header to set was not there
//   transform.headerValue     a header to set had another value (appended, or the client's)
//   transform.headerNotRemoved a header to remove reached the upstream

import type { CheckOutcome, Failure } from '../../model/result.ts';
import { curlOf, exchangeOf } from '../shared/client.ts';
import { CLIENT_VALUE, type TransformSample } from './drive.ts';
import type { TransformPolicy } from './policy.ts';

export function judgeTransform(s: TransformSample, t: TransformPolicy): CheckOutcome {
  const exchanges = [exchangeOf(s.sent, s.seen.length, `headers ${Object.keys(s.sentHeaders).join(', ')} sent as '${CLIENT_VALUE}'`)];
  const upstream = s.seen[s.seen.length - 1];
  const failures: Failure[] = [];
  if (!upstream) failures.push({ code: 'transform.notForwarded', message: `the request never reached an upstream (got ${s.sent.status || s.sent.error})` });
  else {
    const got = (name: string) => upstream.headers[name.toLowerCase()];
    for (const [name, want] of Object.entries(t.setHeaders)) {
      const v = got(name);
      if (v === undefined) failures.push({ code: 'transform.headerMissing', message: `${name} missing at the upstream (want '${want}')` });
      else if (v !== want && v !== s.tags[name]) failures.push({ code: 'transform.headerValue', message: `${name} reached the upstream as '${v}' (want '${want}')` });
    }
    for (const name of t.removeHeaders) {
      if (got(name) !== undefined) failures.push({ code: 'transform.headerNotRemoved', message: `${name} reached the upstream ('${got(name)}'); it must be removed` });
    }
  }
  const names = [...Object.keys(t.setHeaders), ...t.removeHeaders];
  const data = { operation: s.op.id, setHeaders: t.setHeaders, removeHeaders: t.removeHeaders, upstreamHeaders: upstream ? Object.fromEntries(names.map((n) => [n, upstream.headers[n.toLowerCase()] ?? null])) : null };
  if (failures.length) {
    // One request shows every header at once, so the message lists them all.
    const curl = curlOf(s.sent);
    return { status: 'failed', message: `request transformation not applied: ${failures.map((f) => f.message).join('; ')}`, failures: failures.map((f) => ({ ...f, curl })), evidence: { exchanges, curl, data } };
  }
  return { status: 'passed', message: `${s.op.id}: the upstream saw ${Object.keys(t.setHeaders).length} header(s) set and ${t.removeHeaders.length} removed`, evidence: { exchanges, data } };
}
