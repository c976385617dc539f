import { describe, expect, it } from 'vitest';
import { timeoutBoundMs, timeoutSlackMs } from './judge.ts';
import type { Operation } from '../../model/spec.ts';

const op = (method: Operation['method']) => ({ id: 'x', method, path: '/x' }) as unknown as Operation;
const timeout = { requestMs: 2000, status: [504] };

describe('timeout bound', () => {
  it('is the request timeout where the operation is not retried', () => {
    expect(timeoutBoundMs({ timeout }, op('GET'))).toBe(2000);
    expect(timeoutBoundMs({ timeout, retry: { attempts: 2, on: [502], methods: ['GET'], perTryTimeoutMs: 500 } }, op('POST'))).toBe(2000);
  });
  it('is all tries at their per-try timeout when they end first', () => {
    expect(timeoutBoundMs({ timeout, retry: { attempts: 2, on: [502], methods: ['GET'], perTryTimeoutMs: 500 } }, op('GET'))).toBe(1500);
    expect(timeoutBoundMs({ timeout, retry: { attempts: 4, on: [502], methods: ['GET'], perTryTimeoutMs: 500 } }, op('GET'))).toBe(2000);
    expect(timeoutBoundMs({ timeout, retry: { attempts: 2, on: [502], methods: ['GET'] } }, op('GET'))).toBe(2000);
  });
  it('allows 300 ms or a fifth of the bound, whichever is more', () => {
    expect(timeoutSlackMs(500)).toBe(300);
    expect(timeoutSlackMs(2000)).toBe(400);
    expect(timeoutSlackMs(10_000)).toBe(2000);
  });
});
