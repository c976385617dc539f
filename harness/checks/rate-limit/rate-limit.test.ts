import { describe, expect, it } from 'vitest';
import type { Sent } from '../../model/result.ts';
import { op, sent } from '../../testing/sent.ts';
import { straddles, type RateLimitRun } from './drive.ts';
import { judgeRateLimit } from './judge.ts';

const policy = { limit: 5, windowMs: 1000, by: 'consumer' as const };
const alice = { name: 'alice', valid: true, credential: { kind: 'apiKey' as const, key: 'a' } };
const bob = { name: 'bob', valid: true, credential: { kind: 'apiKey' as const, key: 'b' } };

function burst(admitted: number, size = 12, extra: Partial<Sent> = {}): Sent[] {
  const t0 = 5_000_010;
  return Array.from({ length: size }, (_, i) => sent({ status: i < admitted ? 200 : 429, sentAt: t0, doneAt: t0 + 20 + i, ...(i === size - 1 ? extra : {}) }));
}

function run(over: Partial<RateLimitRun> = {}): RateLimitRun {
  const b = over.burst?.sent ?? burst(5);
  return {
    op: op('listPets'),
    policy,
    quietMs: 2100,
    measureSlow: true,
    consumers: { a: alice, b: bob },
    liveness: { sent: Array.from({ length: 8 }, () => sent()), intervalMs: 250 },
    burst: { sent: b, admitted: b.filter((s) => s.status === 200).length, straddled: false, attempt: 1 },
    straddleRemeasures: 0,
    isolation: sent(),
    recovery: sent(),
    tries: {},
    ...over,
  };
}

describe('rate limit judge', () => {
  it('passes: live at 80%, the burst admits the limit, bob unaffected, recovered', () => {
    const r = judgeRateLimit(run());
    expect(r.status).toBe('passed');
    expect(r.message).toBe('burst of 12 admitted 5 of limit 5; 80% load never rejected; recovered after a quiet period; bob unaffected');
  });

  it.each([
    ['over-admission', { burst: { sent: burst(10), admitted: 10, straddled: false, attempt: 1 } }, 'rateLimit.overAdmitted'],
    ['no 429 at all', { burst: { sent: burst(12), admitted: 12, straddled: false, attempt: 1 } }, 'rateLimit.noRejection'],
    ['a 503 in the burst', { burst: { sent: burst(5, 12, { status: 503 }), admitted: 5, straddled: false, attempt: 1 } }, 'rateLimit.unexpectedStatus'],
    ['429 under the limit', { liveness: { sent: [sent(), sent({ status: 429 })], intervalMs: 250 } }, 'rateLimit.livenessRejected'],
    ['bob limited with alice', { isolation: sent({ status: 429 }) }, 'rateLimit.notIsolated'],
    ['no recovery', { recovery: sent({ status: 429 }) }, 'rateLimit.notRecovered'],
  ] as const)('fails on %s', (_what, over, code) => {
    const r = judgeRateLimit(run(over as Partial<RateLimitRun>));
    expect(r.status).toBe('failed');
    expect(r.failures!.map((f) => f.code)).toContain(code);
  });

  it('says what was not measured for a long window', () => {
    const r = judgeRateLimit(run({ liveness: undefined, recovery: undefined, measureSlow: false, policy: { ...policy, windowMs: 60_000 } }));
    expect(r.status).toBe('passed');
    expect(r.warnings).toContain('window 60000 ms too long to measure liveness and recovery within 30000 ms; only the burst was measured');
  });

  it('a burst straddles when its first send and last answer fall in different clock windows', () => {
    expect(straddles([sent({ sentAt: 1990, doneAt: 1995 }), sent({ sentAt: 1991, doneAt: 2001 })], 1000)).toBe(true);
    expect(straddles([sent({ sentAt: 2001, doneAt: 2010 })], 1000)).toBe(false);
  });
});
