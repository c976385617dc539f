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

  it('stalls every try once, fleet-wide, for the given time', () => {
    const f = new FaultPrograms();
    f.set('slow', { delayMs: 800 });
    f.stall(500, 1000);
    expect(f.decide(undefined, 1, 1100)).toEqual({ delayMs: 400 });
    expect(f.decide('any', 1, 1499)).toEqual({ delayMs: 1 });
    expect(f.decide('slow', 1, 1200)).toEqual({ delayMs: 800 });
    expect(f.decide('any', 1, 1500)).toEqual({ delayMs: 0 });
    expect(() => f.stall(-1)).toThrow('stall must be a non-negative number of milliseconds');
  });

  it('applies a shared program to a stable share of request ids', () => {
    const f = new FaultPrograms();
    f.setShare(0.25, { failFirst: 2, status: 503 });
    f.set('own', { failFirst: 0 });
    const ids = Array.from({ length: 4000 }, (_, i) => `load-${i}`);
    const hit = ids.filter((id) => f.decide(id, 1).failStatus === 503);
    expect(hit.length / ids.length).toBeGreaterThan(0.22);
    expect(hit.length / ids.length).toBeLessThan(0.28);
    expect(hit.every((id) => f.decide(id, 2).failStatus === 503 && f.decide(id, 3).failStatus === undefined)).toBe(true);
    expect(f.decide('own', 1)).toEqual({ delayMs: 0 });
    f.clear();
    expect(hit.some((id) => f.decide(id, 1).failStatus !== undefined)).toBe(false);
  });
});
