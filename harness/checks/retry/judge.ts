// retry, the verdict (pure): the upstream saw exactly the tries the policy
// allows, counted at the mocks by request id, and the client got the success
// after the retries or the error once they ran out.
//
// Failure codes:
//   retry.tooManyTries  the upstream saw more tries than the policy allows (a retry where none is due)
//   retry.tooFewTries   fewer (a retry that is due did not happen)
//   retry.clientStatus  the tries were right but the client got the wrong answer

import type { CheckOutcome, Exchange, Failure } from '../../model/result.ts';
import { failedOutcome } from '../check.ts';
import { exchangeOf, failureOf } from '../shared/client.ts';
import type { RetrySample } from './drive.ts';
import type { RetryPolicy } from './policy.ts';

function failureOfSample(s: RetrySample, policy: RetryPolicy): Failure | undefined {
  const { sent, seen } = s;
  if (seen !== s.expectTries) {
    return failureOf(seen > s.expectTries ? 'retry.tooManyTries' : 'retry.tooFewTries', `${s.name}: the upstream saw ${seen} tries, expected exactly ${s.expectTries} (retry.attempts=${policy.attempts})`, sent, seen);
  }
  const ok = s.expectClient === 'success' ? sent.status >= 200 && sent.status < 300 : sent.status >= 500 || sent.status === 0;
  if (ok) return undefined;
  return failureOf('retry.clientStatus', `${s.name}: the client got ${sent.status || sent.error}, expected ${s.expectClient === 'success' ? 'a success after the retries' : 'the error'}`, sent, seen);
}

/** What the proxy's own log says about the run (nginx taking servers out of rotation). */
export function logWarnings(logs: string): string[] {
  if (!/no live upstreams/.test(logs)) return [];
  return ['the proxy log says "no live upstreams": nginx marked servers down after induced failures; set max_fails=0 on the upstream servers so one check\'s failures do not break the next'];
}

export function judgeRetry(samples: RetrySample[], policy: RetryPolicy, logs: string): CheckOutcome {
  const failures: Failure[] = [];
  const exchanges: Exchange[] = [];
  const rows = samples.map((s) => ({ scenario: s.name, operation: s.op.id, expectedTries: s.expectTries, seenTries: s.seen, clientStatus: s.sent.status }));
  for (const s of samples) {
    const f = failureOfSample(s, policy);
    if (f) failures.push(f);
    exchanges.push(f?.exchange ?? exchangeOf(s.sent, s.seen, s.name));
  }
  const warnings = logWarnings(logs);
  const data = { attempts: policy.attempts, on: policy.on, methods: policy.methods, perTryTimeoutMs: policy.perTryTimeoutMs, scenarios: rows };
  if (failures.length) return failedOutcome(`retry policy (attempts=${policy.attempts} on ${policy.on.join('/')}) not enforced`, failures, { exchanges, data }, warnings);
  return {
    status: 'passed',
    message: `${samples.length} scenarios: the upstream saw exactly the configured tries (${rows.map((r) => r.seenTries).join(', ')})`,
    evidence: { exchanges, data },
    warnings,
  };
}
