// Istio's retry, fault and timeout vocabulary, converted once per route: the
// route's own policies and the suite-wide ones (from the default route) come
// from the same conversion, and its notes are written once, naming the field.

import { ALL_METHODS } from '../model/spec.ts';
import type { FaultRule } from '../checks/fault/policy.ts';
import type { RetryPolicy } from '../checks/retry/policy.ts';
import { ISTIO_DEFAULT_RETRY } from '../targets/envoy/istio.ts';
import { fieldPath, num, obj, protoDurationMs, str, type ImportNote, type Obj } from './types.ts';

/** Default canary tolerance for imported weights (absolute, on each share). */
export const IMPORTED_CANARY_TOLERANCE = 0.05;

/** Writes a note about a field of the resource being read. */
export type Noter = (kind: ImportNote['kind'], message: string, field?: string) => void;

/**
 * retry_on conditions under which Envoy retries a try that outlived its per-try
 * timeout: a per-try timeout is a local reset (envoy@v1.34.1
 * source/common/router/router.cc onPerTryTimeoutCommon -> maybeRetryReset(LocalReset)),
 * retried only for reset, 5xx or gateway-error (source/common/router/retry_state_impl.cc
 * wouldRetryFromReset; reset-before-request only when nothing was sent, never a timeout).
 */
const RETRIES_TIMED_OUT_TRY = new Set(['reset', '5xx', 'gateway-error']);

/** Does Envoy retry a timed-out try under this retryOn? */
export function retriesTimedOutTry(retryOn: string): boolean {
  return retryOn.split(',').some((w) => RETRIES_TIMED_OUT_TRY.has(w.trim()));
}

/**
 * Istio 1.24 and later leave 503 out of the default retriable status codes:
 * EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY defaults to true (istio@1.26.0
 * pilot/pkg/features/pilot.go, pilot/pkg/networking/core/route/retry/retry.go),
 * and from 1.27 there is no 503 at all (docs/targets/envoy.md §10).
 */
export const ISTIO_1_24_NO_503 =
  "Istio's default retriable status code 503 is that of Istio 1.23 and earlier: Istio 1.24 and later leave it out (EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY defaults to true; 1.27+ has no 503 at all), so against those the 503 retry expectation does not hold";

/**
 * Envoy retry_on conditions that are not an HTTP status (envoy@v1.34.1
 * docs/root/configuration/http/http_filters/router_filter.rst, x-envoy-retry-on and
 * x-envoy-retry-grpc-on): connection and stream failures, and gRPC statuses.
 */
const TRANSPORT_RETRY_ON = new Set(['connect-failure', 'refused-stream', 'reset', 'reset-before-request', 'http3-post-connect-failure', 'unavailable', 'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'envoy-ratelimited']);
const GRPC_RETRY_ON = new Set(['unavailable', 'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted']);

/** retryOn text -> statuses (the check exercises statuses) and the conditions it cannot exercise. */
export function retryOnStatuses(retryOn: string, retriable: readonly number[] = []): { statuses: number[]; transport: string[]; unknown: string[] } {
  const statuses = new Set<number>();
  const transport: string[] = [];
  const unknown: string[] = [];
  const codes = new Set<number>(retriable);
  const words = retryOn.split(',').map((w) => w.trim()).filter(Boolean);
  // istiod turns numeric entries into retriable_status_codes and adds retriable-status-codes.
  for (const w of words) if (/^\d{3}$/.test(w)) codes.add(Number(w));
  for (const w of words) {
    if (/^\d{3}$/.test(w)) statuses.add(Number(w));
    else if (w === '5xx') [500, 501, 502, 503, 504].forEach((s) => statuses.add(s));
    else if (w === 'gateway-error') [502, 503, 504].forEach((s) => statuses.add(s));
    // Envoy's retriable-4xx is 409 only (router_filter.rst).
    else if (w === 'retriable-4xx') statuses.add(409);
    else if (w === 'retriable-status-codes') codes.forEach((s) => statuses.add(s));
    else if (TRANSPORT_RETRY_ON.has(w)) transport.push(w);
    else unknown.push(w);
  }
  return { statuses: [...statuses].sort((a, b) => a - b), transport, unknown };
}

/** The notes on what a retryOn names that the retry check cannot provoke. */
export function retryOnNotes(where: string, field: string, parsed: ReturnType<typeof retryOnStatuses>, note: Noter): void {
  const grpc = parsed.transport.filter((w) => GRPC_RETRY_ON.has(w));
  const conn = parsed.transport.filter((w) => !GRPC_RETRY_ON.has(w));
  if (conn.length) note('unexpressed', `${where}: retry on ${conn.join(', ')} is a transport condition (a refused connection, a reset stream); the mock upstreams answer every request over HTTP and cannot provoke it, so the retry check exercises HTTP statuses only`, field);
  if (grpc.length) note('unexpressed', `${where}: retry on ${grpc.join(', ')} is a gRPC status condition; the mock upstreams answer plain HTTP, so it is not checked`, field);
  const headers = parsed.unknown.filter((w) => w === 'retriable-headers');
  if (headers.length) note('unexpressed', `${where}: retry on retriable-headers needs Envoy's retriable_headers list, which a VirtualService cannot set; not checked`, field);
  const unknown = parsed.unknown.filter((w) => w !== 'retriable-headers');
  if (unknown.length) note('unexpressed', `${where}: unknown retryOn ${unknown.join(', ')}`, field);
}

export function istioDefaultRetry(): RetryPolicy {
  return { attempts: ISTIO_DEFAULT_RETRY.attempts, on: [...ISTIO_DEFAULT_RETRY.retriableStatusCodes], methods: [...ALL_METHODS] };
}

/** The notes that go with Istio's default retry on a route that sets none. */
export function defaultRetryNotes(where: string, field: string, note: Noter): void {
  note('default', `${where}: no retries given: Istio's default retry policy applies (attempts ${ISTIO_DEFAULT_RETRY.attempts}, retryOn "${ISTIO_DEFAULT_RETRY.retryOn}", retriable status codes ${ISTIO_DEFAULT_RETRY.retriableStatusCodes.join(', ')}, every method)`, field);
  note('info', `${where}: ${ISTIO_1_24_NO_503}`, field);
  // What the default names but the mocks cannot provoke is part of the default, not of anything the
  // resource writes: a 'default' note (shown with its reason), so --strict refuses only written fields.
  const asDefault: Noter = (kind, message, f) => note(kind === 'unexpressed' ? 'default' : kind, message, f);
  retryOnNotes(where, field, retryOnStatuses(ISTIO_DEFAULT_RETRY.retryOn, ISTIO_DEFAULT_RETRY.retriableStatusCodes), asDefault);
}

/**
 * A per-try timeout joins the expectation only when Envoy retries a timed-out try under `retryOn`;
 * `name` names it as the resource spells it, `hint` says how to get the retry.
 */
export function perTryTimeout(where: string, field: string, retryOn: string, ms: number, policy: RetryPolicy, note: Noter, name = 'perTryTimeout', hint = 'add reset to retryOn to have it retried'): void {
  if (retriesTimedOutTry(retryOn)) {
    policy.perTryTimeoutMs = ms;
    return;
  }
  note(
    'unexpressed',
    `${where}: ${name} ${ms} ms is not expected to retry a slow try: retryOn "${retryOn}" has none of reset, 5xx, gateway-error, and Envoy retries a timed-out try (a local reset) only for those (envoy source/common/router/router.cc onPerTryTimeoutCommon, retry_state_impl.cc wouldRetryFromReset); the try ends the request with 504; ${hint}`,
    field,
  );
}

/**
 * A VirtualService's `retries` -> the retry expectation: a policy, null when retries
 * are off (attempts 0), undefined when nothing it names is an HTTP status.
 * `base` is the field path of `retries`.
 */
export function convertRetries(retries: Obj, where: string, base: string, note: Noter): RetryPolicy | null | undefined {
  const attempts = num(retries.attempts) ?? 0;
  if (attempts === 0) {
    note('info', `${where}: retries.attempts 0 turns retries off`, base);
    return null;
  }
  const retryOn = str(retries.retryOn) ?? ISTIO_DEFAULT_RETRY.retryOn;
  if (!retries.retryOn) {
    note('default', `${where}: retries.retryOn unset: Istio's default "${ISTIO_DEFAULT_RETRY.retryOn}" with retriable status codes ${ISTIO_DEFAULT_RETRY.retriableStatusCodes.join(', ')}`, fieldPath(base, 'retryOn'));
    note('info', `${where}: ${ISTIO_1_24_NO_503}`, fieldPath(base, 'retryOn'));
  }
  const parsed = retryOnStatuses(retryOn, retries.retryOn ? [] : ISTIO_DEFAULT_RETRY.retriableStatusCodes);
  retryOnNotes(where, fieldPath(base, 'retryOn'), parsed, note);
  const policy: RetryPolicy = { attempts, on: parsed.statuses, methods: [...ALL_METHODS] };
  const perTry = protoDurationMs(retries.perTryTimeout);
  const perTryField = fieldPath(base, 'perTryTimeout');
  if (retries.perTryTimeout !== undefined && perTry === undefined) note('unexpressed', `${where}: perTryTimeout ${String(retries.perTryTimeout)} is not a duration`, perTryField);
  if (perTry !== undefined) perTryTimeout(where, perTryField, retryOn, perTry, policy, note);
  if (retries.retryRemoteLocalities !== undefined) note('unexpressed', `${where}: retryRemoteLocalities picks the locality of the next try; the mocks run in one place, so it is not checked`, fieldPath(base, 'retryRemoteLocalities'));
  if (retries.retryIgnorePreviousHosts !== undefined) note('unexpressed', `${where}: retryIgnorePreviousHosts picks which replica takes the next try; the retry check counts tries, not the replicas they reach`, fieldPath(base, 'retryIgnorePreviousHosts'));
  if (retries.backoff !== undefined) note('unexpressed', `${where}: retries.backoff sets the wait between tries; the retry check counts tries, not the time between them`, fieldPath(base, 'backoff'));
  const known = ['attempts', 'retryOn', 'perTryTimeout', 'retryRemoteLocalities', 'retryIgnorePreviousHosts', 'backoff'];
  for (const k of Object.keys(retries)) if (!known.includes(k)) note('unexpressed', `${where}: retries.${k} has no proxyproof check`, fieldPath(base, k));
  if (!parsed.statuses.length) {
    note('unexpressed', `${where}: retryOn "${retryOn}" names no HTTP status; only status retries are checked`, fieldPath(base, 'retryOn'));
    return undefined;
  }
  return policy;
}

/** Istio: a fault without a percentage applies to every matching request. */
export function faultPercent(f: Obj): number {
  return f.percentage === undefined ? 100 : (num(obj(f.percentage).value) ?? 0);
}

/** The longest delay the fault check waits out. */
const MAX_DELAY_MS = 30_000;

/** A VirtualService's `fault` -> the abort and delay a route's requests must meet; `base` is the path of `fault`. */
export function convertFault(fault: Obj, where: string, base: string, note: Noter): Pick<FaultRule, 'abort' | 'delay'> {
  const out: Pick<FaultRule, 'abort' | 'delay'> = {};
  if (fault.abort !== undefined) {
    const abort = obj(fault.abort);
    const status = num(abort.httpStatus);
    if (status === undefined) note('unexpressed', `${where}: fault.abort without httpStatus (grpcStatus or http2Error) is not checked: the client speaks HTTP/1.1`, fieldPath(base, 'abort'));
    else out.abort = { status, percent: faultPercent(abort) };
  }
  if (fault.delay !== undefined) {
    const delay = obj(fault.delay);
    const fixed = protoDurationMs(delay.fixedDelay);
    if (fixed === undefined) note('unexpressed', `${where}: fault.delay without a fixedDelay duration (exponentialDelay or none) is not checked`, fieldPath(base, 'delay'));
    else if (fixed > MAX_DELAY_MS) note('unexpressed', `${where}: fault.delay ${String(delay.fixedDelay)} is over the 30 s the fault check waits`, fieldPath(base, 'delay'));
    else out.delay = { fixedDelayMs: fixed, percent: faultPercent(delay) };
  }
  for (const k of Object.keys(fault)) if (k !== 'abort' && k !== 'delay') note('unexpressed', `${where}: fault.${k} has no proxyproof check`, fieldPath(base, k));
  return out;
}

/** The shortest and longest request timeout the timeout check drives. */
const TIMEOUT_RANGE_MS = [100, 30_000] as const;

/** A route timeout -> milliseconds the check drives, or undefined with a note (off, not a duration, out of range). */
export function convertTimeout(value: unknown, where: string, field: string, note: Noter, name = 'timeout'): number | undefined {
  if (typeof value === 'string' && /^0+(\.0+)?(ms|s|m|h)$/.test(value.trim())) {
    note('info', `${where}: ${name} ${value} turns the timeout off (Istio's default): nothing to check`, field);
    return undefined;
  }
  const ms = protoDurationMs(value);
  if (ms === undefined) note('unexpressed', `${where}: ${name} ${String(value)} is not a duration`, field);
  else if (ms < TIMEOUT_RANGE_MS[0] || ms > TIMEOUT_RANGE_MS[1]) note('unexpressed', `${where}: ${name} ${String(value)} is outside what the timeout check drives (100ms..30s)`, field);
  else return ms;
  return undefined;
}
