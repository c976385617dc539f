import { describe, expect, it } from 'vitest';
import { op, sent } from '../../testing/sent.ts';
import { matchingHeaders, type FaultHit, type RuleRun } from './drive.ts';
import { judgeFault } from './judge.ts';
import type { FaultRule } from './policy.ts';

const abort: FaultRule = { upstream: 'ratings', headers: [{ name: 'end-user', exact: 'jason' }], abort: { status: 500, percent: 100 } };
const delay: FaultRule = { upstream: 'ratings', headers: [{ name: 'end-user', exact: 'jason' }], delay: { fixedDelayMs: 7000, percent: 100 } };
const hit = (status: number, tries: number, elapsedMs = 5): FaultHit => ({ sent: sent({ status }), tries, elapsedMs });
const codes = (runs: RuleRun[]) => judgeFault(runs).failures?.map((f) => f.code) ?? [];

describe('fault judge', () => {
  it('passes an abort answered by the proxy and an unmatched request served', () => {
    expect(judgeFault([{ rule: abort, op: op('ratings'), abortHit: hit(500, 0), miss: hit(200, 1) }]).status).toBe('passed');
  });

  it.each([
    ['the abort reached the upstream', { abortHit: hit(200, 1), miss: hit(200, 1) }, 'fault.notAborted'],
    ['the wrong abort status', { abortHit: hit(503, 0), miss: hit(200, 1) }, 'fault.notAborted'],
    ['any user aborted', { abortHit: hit(500, 0), miss: hit(500, 0) }, 'fault.unmatchedBlocked'],
  ] as const)('abort: fails when %s', (_what, r, code) => {
    expect(codes([{ rule: abort, op: op('ratings'), ...r }])).toEqual([code]);
  });

  it.each([
    ['no delay', hit(200, 1, 10), hit(200, 1), 'fault.delayEarly'],
    ['a much longer delay', hit(200, 1, 12_000), hit(200, 1), 'fault.delayLate'],
    ['every request held', hit(200, 1, 7005), hit(200, 1, 7001), 'fault.unmatchedHeld'],
  ] as const)('delay: fails on %s', (_what, delayHit, miss, code) => {
    expect(codes([{ rule: delay, op: op('ratings'), delayHit, miss }])).toEqual([code]);
  });

  it('an abort share is judged with a Wilson interval', () => {
    const rule: FaultRule = { ...abort, abort: { status: 500, percent: 50 } };
    const sample = (aborted: number) => Array.from({ length: 200 }, (_, i) => (i < aborted ? hit(500, 0) : hit(200, 1)));
    expect(codes([{ rule, op: op('ratings'), abortSample: sample(100), miss: hit(200, 1) }])).toEqual([]);
    expect(codes([{ rule, op: op('ratings'), abortSample: sample(20), miss: hit(200, 1) }])).toEqual(['fault.abortShare']);
  });

  it('headers a rule matches: exact, a prefix plus text, a plain regex; otherwise none', () => {
    expect(matchingHeaders({ ...abort, headers: [{ name: 'a', exact: 'x' }, { name: 'b', prefix: 'p' }, { name: 'c', regex: 'word' }] })).toEqual({ a: 'x', b: 'pproxyproof', c: 'word' });
    expect(matchingHeaders({ ...abort, headers: [{ name: 'c', regex: 'a.*b' }] })).toBeUndefined();
  });
});
