import { describe, it, expect } from 'vitest';
import { Journal, type NewJournalEntry } from './journal.ts';

const entry = (requestId: string | undefined, replica = 1): NewJournalEntry => ({
  ...(requestId !== undefined ? { requestId } : {}),
  upstream: 'pets',
  version: 'v1',
  replica,
  method: 'GET',
  path: '/v1/pets',
  query: '',
  headers: {},
  time: 0,
  status: 200,
  violations: [],
});

describe('Journal', () => {
  it('assigns seq in arrival order and attempts per request id across replicas', () => {
    const j = new Journal();
    const a1 = j.append(entry('a', 1));
    const b1 = j.append(entry('b', 2));
    const a2 = j.append(entry('a', 2));
    const n = j.append(entry(undefined));
    const a3 = j.append(entry('a', 1));
    expect([a1, b1, a2, n, a3].map((e) => [e.seq, e.attempt])).toEqual([[1, 1], [2, 1], [3, 2], [4, 1], [5, 3]]);
    expect(j.forRequest('a').map((e) => [e.replica, e.attempt])).toEqual([[1, 1], [2, 2], [1, 3]]);
    expect(j.count()).toBe(5);
    expect(j.count((e) => e.replica === 2)).toBe(2);
    expect(j.since(3).map((e) => e.seq)).toEqual([4, 5]);
    expect(j.lastSeq()).toBe(5);
    expect(j.entries()).toHaveLength(5);
  });

  it('clear forgets entries and attempt counts but seq keeps growing', () => {
    const j = new Journal();
    j.append(entry('a'));
    j.append(entry('a'));
    j.clear();
    expect(j.count()).toBe(0);
    expect(j.forRequest('a')).toEqual([]);
    const e = j.append(entry('a'));
    expect([e.seq, e.attempt]).toEqual([3, 1]);
  });
});
