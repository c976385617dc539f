// The shape of report.json's `load` section (RunReport.load), for the HTML
// charts and anyone reading the JSON. All latencies are milliseconds; rates
// are per second. Latency is measured from each request's intended send time
// (open model) so stalls are not hidden; `service` is from the actual write.
//
// report.load = {
//   version: 1,
//   runs: [ LoadRun ... ]            one per suite x target x scenario
//   policies: [ PolicyUnderLoad ... ] rate limit, retry, canary proven under load
// }

import type { LatencySummary } from './histogram.ts';
import type { Outcomes, SecondStats } from './recorder.ts';
import type { ThresholdVerdict } from './thresholds.ts';

export interface PathReport {
  /** Latency from the intended send time (the coordinated-omission-free number). */
  latency: LatencySummary;
  /** Latency from the actual write to the last byte. */
  service: LatencySummary;
  /** The engine's own scheduling lag: dispatch time minus intended time. */
  lag: LatencySummary;
  /** Chart buckets of `latency`: le = upper edge in ms, null = above the last edge. */
  histogram: Array<{ le: number | null; count: number }>;
  /** Requests due per second (open model) or started per second (closed). */
  scheduledRate: number;
  /** Responses per second. */
  achievedRate: number;
  /** Every scheduled request in exactly one outcome; accountingGap is 0 when they add up. */
  outcomes: Outcomes;
  accountingGap: number;
  /** Requests that waited for a free connection (sent after their intended time). */
  lateStarts: number;
  /** HTTP status -> count. */
  statusCodes: Record<string, number>;
  /** Per second: sent, ok (<400), 4xx, 5xx, errors, p99, captured header values. */
  perSecond: SecondStats[];
  byOperation: Record<string, LatencySummary>;
  measuredMs: number;
}

export interface LoadRun {
  suite: string;
  target: string;
  scenario: string;
  executor: 'constant-arrival-rate' | 'ramping-arrival-rate' | 'constant-vus';
  model: 'open' | 'closed';
  /** Asked rate per second (constant-arrival-rate), peak for ramps. */
  askedRate?: number;
  connections: number;
  durationMs: number;
  warmupMs: number;
  /** Through the proxy. */
  proxied: PathReport;
  /** Straight to the mock upstream, interleaved with the proxied slices. */
  direct?: PathReport;
  /** What the proxy adds: proxied minus direct at each percentile (ms), and proxied/direct throughput. */
  overhead?: { p50: number; p90: number; p99: number; throughputRatio: number; slices: number };
  thresholds: ThresholdVerdict[];
  /** A threshold with abortOnFail crossed and the run stopped early. */
  aborted: boolean;
  /** k6's summary when the scenario ran through `proxyproof k6 --run`. */
  k6Summary?: unknown;
}

export interface PolicyUnderLoad {
  suite: string;
  target: string;
  policy: 'rateLimit' | 'retry' | 'canary';
  status: 'passed' | 'failed' | 'skipped';
  message: string;
  /** Per-window admitted counts (rateLimit), injected and leaked failures (retry), shares (canary). */
  data: Record<string, unknown>;
}

export interface LoadReport {
  version: 1;
  runs: LoadRun[];
  policies: PolicyUnderLoad[];
  /** k6's --summary-export JSON, from `proxyproof k6 --run`. */
  k6?: Record<string, unknown>;
}
