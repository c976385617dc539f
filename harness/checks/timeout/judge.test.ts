import { describe, expect, it } from 'vitest';
import { op, sent } from '../../testing/sent.ts';
import type { TimeoutSample } from './drive.ts';
import { judgeTimeout, type TimeoutPlan } from './judge.ts';

const plan: TimeoutPlan = { op: op('listPets'), boundMs: 2000, slowMs: 4000, inTimeMs: 1000 };
const policy = { requestMs: 2000, status: [504] };
const sample = (slow: boolean, status: number, elapsedMs: number): TimeoutSample => ({ scenario: slow ? 'slow' : 'in time', slow, upstreamDelayMs: slow ? 4000 : 1000, sent: sent({ status }), elapsedMs, tries: 1 });

describe('timeout judge', () => {
  it('passes a 504 near the bound and an in-time success', () => {
    expect(judgeTimeout([sample(true, 504, 2050), sample(false, 200, 1010)], plan, policy).status).toBe('passed');
  });

  it.each([
    ['the late answer passed through', sample(true, 200, 4010), 'timeout.wrongStatus'],
    ['504 only long after the bound', sample(true, 504, 2500), 'timeout.late'],
    ['504 well before the bound', sample(true, 504, 500), 'timeout.early'],
  ] as const)('fails when %s', (_what, slow, code) => {
    const r = judgeTimeout([slow, sample(false, 200, 1010)], plan, policy);
    expect(r.failures!.map((f) => f.code)).toEqual([code]);
  });

  it('fails when an in-time answer was cut', () => {
    expect(judgeTimeout([sample(true, 504, 2050), sample(false, 504, 600)], plan, policy).failures!.map((f) => f.code)).toEqual(['timeout.inTimeFailed']);
  });
});
