// What the mock upstreams record and obey. The harness reads the journal to
// prove where a request went, and sets fault programs out of band per request id.

import type { HttpMethod } from './spec.ts';

/** The path prefix of the mocks' admin API (journal, fault programs); no spec path may enter it. */
export const ADMIN_PREFIX = '/__proxyproof/';

/** The header every request carries end to end, set by the harness. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** The header a mock adds to say who served: upstream/version/replica. */
export const SERVED_BY_HEADER = 'x-proxyproof-served-by';

export interface Endpoint {
  host: string;
  port: number;
}

export interface JournalEntry {
  seq: number;
  requestId?: string;
  upstream: string;
  version: string;
  replica: number;
  method: HttpMethod;
  /** Path without the query string. */
  path: string;
  query: string;
  headers: Record<string, string>;
  /** Date.now() when the request arrived. */
  time: number;
  /** 1 for the first try of this request id at any mock, 2 for the second, ... */
  attempt: number;
  operationId?: string;
  /** What the mock answered. */
  status: number;
  /** Ways the received request breaks the spec (the proxy path mangled it). */
  violations: string[];
}

/** Fail the first `failFirst` tries with `status`; delay the first `delayFirst` tries by `delayMs`. */
export interface FaultProgram {
  failFirst?: number;
  status?: number;
  delayMs?: number;
  /** How many tries get the delay; default: all tries. */
  delayFirst?: number;
}
