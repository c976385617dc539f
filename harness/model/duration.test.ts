import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads ms, s, m and h', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1s')).toBe(1000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration(' 2s ')).toBe(2000);
  });

  it('rejects what is not a positive whole number of milliseconds', () => {
    for (const bad of ['', '1', '0s', '1 sec', '-1s', '1.5ms', 's', '1d', 5, undefined]) expect(parseDuration(bad)).toBeUndefined();
  });

  it('rounds protobuf durations when asked, and limits units when asked', () => {
    expect(parseDuration('1.5ms', { round: true })).toBe(2);
    expect(parseDuration('0.0001s', { round: true })).toBeUndefined();
    expect(parseDuration('1h', { units: ['ms', 's', 'm'] })).toBeUndefined();
    expect(parseDuration('10s', { units: ['ms', 's', 'm'] })).toBe(10_000);
  });
});
