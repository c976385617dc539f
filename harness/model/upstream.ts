// What the mock upstreams record and obey. The harness reads the journal to
// prove where a request went, and sets fault programs out of band per request id.

import type { HttpMethod } from './spec.ts';

/**
 * The path prefix of the mocks' admin API (journal, fault programs). It is served only on a fleet's control
 * listener; the data ports the proxy forwards to answer 404 to any path that enters it, however encoded.
 */
export const ADMIN_PREFIX = '/__proxyproof/';

/** The header every request carries end to end, set by the harness. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** The header a mock adds to say who served: upstream/version/replica. */
export const SERVED_BY_HEADER = 'x-proxyproof-served-by';

export interface Endpoint {
  host: string;
  port: number;
}

/** A fleet's admin API: `${url}${ADMIN_PREFIX}journal` and `...faults`, with `Authorization: Bearer ${token}`. */
export interface ControlEndpoint {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  /** Random per fleet; requests without it get 401. */
  token: string;
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
  /** Raw query string; a credential parameter's value is a credential tag (`hmac:<16 hex>`). */
  query: string;
  /**
   * Lower-case names. Credential headers (authorization, proxy-authorization, api keys) hold a credential tag
   * (`hmac:<16 hex>`) instead of the value, and cookie holds every cookie's value as a tag; compare with
   * the fleet's credentialTag(value).
   */
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
