// Fabricated client exchanges for the checks' judges: a judge is pure, so its
// tests hand it what a drive would have observed.

import type { Sent } from '../model/result.ts';
import type { Operation } from '../model/spec.ts';
import type { JournalEntry } from '../model/upstream.ts';

let n = 0;

/** A request the client sent and what came back (a 200 from the upstream unless told otherwise). */
export function sent(over: Partial<Sent> = {}): Sent {
  n += 1;
  const sentAt = over.sentAt ?? 1_000_000 + n * 10;
  return {
    id: `t-${n}`,
    method: 'GET',
    path: '/v1/pets/1',
    url: 'http://127.0.0.1:8080/v1/pets/1',
    headers: {},
    status: 200,
    responseHeaders: { 'content-type': 'application/json' },
    responseBody: '{}',
    sentAt,
    doneAt: over.doneAt ?? sentAt + 5,
    ...over,
  };
}

export function op(id: string, method: Operation['method'] = 'GET', path = `/v1/${id}`): Operation {
  return { id, method, path, pathRegex: `^${path}$`, security: [], parameters: [], responses: [{ status: '200' }], pointer: `/paths/${path}/${method.toLowerCase()}` } as unknown as Operation;
}

/** What a mock journaled for one try. */
export function entry(over: Partial<JournalEntry> = {}): JournalEntry {
  return { seq: 1, upstream: 'pets', version: 'v1', replica: 0, method: 'GET', path: '/v1/pets/1', query: '', headers: {}, time: 0, attempt: 1, status: 200, violations: [], ...over };
}
