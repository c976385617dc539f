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

/** Upper edges (ms) of the chart buckets; the last bucket is everything above. */
export const BUCKET_EDGES_MS: readonly number[] = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  min: number;
  max: number;
  avg: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

export interface Outcomes {
  scheduled: number;
  '1xx': number;
  '2xx': number;
  '3xx': number;
  '4xx': number;
  '5xx': number;
  timeout: number;
  connectionError: number;
  notSent: number;
}

export interface SecondStats {
  /** Seconds since the measured phase started. */
  t: number;
  sent: number;
  ok: number;
  '4xx': number;
  '5xx': number;
  errors: number;
  p99: number;
  /** Counts of the captured response header's values (canary version, ...). */
  captured?: Record<string, number>;
}

export function emptyOutcomes(): Outcomes {
  return { scheduled: 0, '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, timeout: 0, connectionError: 0, notSent: 0 };
}

/** scheduled minus the sum of every outcome: 0 when the books balance. */
export function accountingGap(o: Outcomes): number {
  return o.scheduled - (o['1xx'] + o['2xx'] + o['3xx'] + o['4xx'] + o['5xx'] + o.timeout + o.connectionError + o.notSent);
}

// Thresholds in k6's vocabulary (the grammar and the parser: harness/load/thresholds.ts).

export type Aggregation = 'avg' | 'min' | 'max' | 'med' | 'p' | 'rate' | 'count' | 'value';

export type Comparison = '<' | '<=' | '>' | '>=' | '==' | '!=';

export const METRICS = {
  http_req_duration: 'trend',
  http_req_service: 'trend',
  scheduling_lag: 'trend',
  http_req_failed: 'rate',
  http_reqs: 'counter',
  iterations: 'counter',
  dropped_iterations: 'counter',
  proxy_overhead_p50: 'gauge',
  proxy_overhead_p90: 'gauge',
  proxy_overhead_p99: 'gauge',
  throughput_ratio: 'gauge',
} as const;

export type MetricName = keyof typeof METRICS;

export const TAGS = ['operation', 'status', 'path', 'scenario'] as const;

export interface Threshold {
  /** The key as written, e.g. http_req_duration{operation:getPet}. */
  key: string;
  metric: MetricName;
  tags: Record<string, string>;
  /** The expression as written. */
  expression: string;
  aggregation: Aggregation;
  /** For p(N): N. */
  percentile?: number;
  op: Comparison;
  value: number;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
}

export interface ThresholdVerdict {
  key: string;
  expression: string;
  /** The measured value of the aggregation (null: not measured in this run). */
  actual: number | null;
  ok: boolean;
  abortOnFail: boolean;
  /** Why the threshold could not be evaluated. */
  note?: string;
}

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
