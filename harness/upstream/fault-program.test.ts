import { describe, it, expect } from 'vitest';
import { FaultPrograms, checkFaultProgram } from './fault-program.ts';

describe('FaultPrograms', () => {
  it('fails the first N tries with the status (503 by default), then lets through', () => {
    const f = new FaultPrograms();
    f.set('r', { failFirst: 2, status: 502 });
    f.set('d', { failFirst: 1 });
    expect([1, 2, 3].map((a) => f.decide('r', a))).toEqual([{ delayMs: 0, failStatus: 502 }, { delayMs: 0, failStatus: 502 }, { delayMs: 0 }]);
    expect(f.decide('d', 1)).toEqual({ delayMs: 0, failStatus: 503 });
    expect(f.decide('other', 1)).toEqual({ delayMs: 0 });
    expect(f.decide(undefined, 1)).toEqual({ delayMs: 0 });
  });

  it('delays all tries, or only the first delayFirst', () => {
    const f = new FaultPrograms();
    f.set('all', { delayMs: 50 });
    f.set('first', { delayMs: 50, delayFirst: 1, failFirst: 1, status: 504 });
    expect([1, 5].map((a) => f.decide('all', a))).toEqual([{ delayMs: 50 }, { delayMs: 50 }]);
    expect([1, 2].map((a) => f.decide('first', a))).toEqual([{ delayMs: 50, failStatus: 504 }, { delayMs: 0 }]);
    f.clear();
    expect(f.decide('all', 1)).toEqual({ delayMs: 0 });
  });

  it('refuses malformed programs', () => {
    expect(() => checkFaultProgram({ failFirst: -1 })).toThrow('fault program failFirst must be a non-negative integer');
    expect(() => checkFaultProgram({ status: 42 })).toThrow('fault program status must be an HTTP status (100-599)');
    expect(() => checkFaultProgram({ fail: 1 })).toThrow("fault program has an unknown field 'fail'");
    expect(() => checkFaultProgram(null)).toThrow('fault program must be an object');
  });
});
