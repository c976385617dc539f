import { describe, expect, it } from 'vitest';
import { op, sent } from '../../testing/sent.ts';
import { retryScenarios, type RetrySample } from './drive.ts';
import { judgeRetry, logWarnings } from './judge.ts';
import type { RetryPolicy } from './policy.ts';

const policy: RetryPolicy = { attempts: 2, on: [502, 503], methods: ['GET'], perTryTimeoutMs: 500 };
const get = op('showPetById');
const post = op('createPet', 'POST');

function samples(seen: number[], statuses: number[]): RetrySample[] {
  return retryScenarios(policy, get, post).map((sc, i) => ({ ...sc, sent: sent({ status: statuses[i] }), seen: seen[i] }));
}

describe('retry scenarios', () => {
  it('one per retried status, the tries exhausted, a method not retried, a slow try', () => {
    const sc = retryScenarios(policy, get, post);
    expect(sc.map((s) => [s.op.id, s.expectTries, s.expectClient])).toEqual([
      ['showPetById', 3, 'success'],
      ['showPetById', 3, 'success'],
      ['showPetById', 3, 'error'],
      ['createPet', 1, 'error'],
      ['showPetById', 2, 'success'],
    ]);
    expect(sc[4].fault).toEqual({ delayMs: 1500, delayFirst: 1 });
  });
});

describe('retry judge', () => {
  it('passes when the upstream saw exactly the tries allowed and the client got the right answer', () => {
    const r = judgeRetry(samples([3, 3, 3, 1, 2], [200, 200, 502, 502, 200]), policy, '');
    expect(r.status).toBe('passed');
    expect(r.message).toBe('5 scenarios: the upstream saw exactly the configured tries (3, 3, 3, 1, 2)');
  });

  it.each([
    ['a retry that also fires for POST', [3, 3, 3, 3, 2], [200, 200, 502, 200, 200], 'retry.tooManyTries'],
    ['one retry fewer', [2, 2, 2, 1, 2], [502, 502, 502, 502, 200], 'retry.tooFewTries'],
    ['a success swallowed', [3, 3, 3, 1, 2], [502, 200, 502, 502, 200], 'retry.clientStatus'],
  ] as const)('fails on %s', (_what, seen, statuses, code) => {
    const r = judgeRetry(samples([...seen], [...statuses]), policy, '');
    expect(r.status).toBe('failed');
    expect(r.failures!.map((f) => f.code)).toContain(code);
    expect(r.message).toMatch(/^retry policy \(attempts=2 on 502\/503\) not enforced: /);
  });

  it('warns when nginx took servers out of rotation', () => {
    expect(logWarnings('upstream: no live upstreams while connecting')).toHaveLength(1);
    expect(logWarnings('all fine')).toEqual([]);
  });
});
