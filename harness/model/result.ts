// Result values: what a check returns and what the reports print.

import type { LoadReport } from './load-report.ts';
import { VERSION } from './version.ts';

export type Status = 'passed' | 'failed' | 'skipped' | 'notSupported';

/** One request as the checks' client sent it and what came back: the raw record an Exchange is made from. */
export interface Sent {
  id: string;
  method: string;
  /** Path with query, as sent. */
  path: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** 0 when no response came (see error). */
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: string;
  sentAt: number;
  doneAt: number;
  error?: string;
}

export interface Exchange {
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  response?: { status: number; headers: Record<string, string>; body?: string };
  /** Did the journal see this request at an upstream, and how many times. */
  upstreamTries?: number;
  servedBy?: string;
  note?: string;
}

export interface Evidence {
  exchanges?: Exchange[];
  /** A command that reproduces the deciding request. */
  curl?: string;
  /** Check-specific numbers: counts, intervals, timelines. */
  data?: Record<string, unknown>;
}

/**
 * One way a policy was not enforced, as a value (like Schemathesis's failures):
 * a stable code `<check>.<what>` that tests, tools and the report match on,
 * the sentence for people, and the exchange that shows it with a curl line
 * that reproduces it.
 */
export interface Failure {
  code: string;
  message: string;
  exchange?: Exchange;
  curl?: string;
}

export interface CheckOutcome {
  status: Status;
  message: string;
  evidence: Evidence;
  warnings?: string[];
  /** Why the check failed: every failure found, the first one in `message`. */
  failures?: Failure[];
}

export interface CheckResult extends CheckOutcome {
  suite: string;
  target: string;
  runtime: 'process' | 'container';
  check: string;
  /** Set when the check ran for one route's own policy, with requests that select the route. */
  route?: string;
  durationMs: number;
}

/** How reports name a result: the check, and the route it ran for. */
export function checkLabel(r: Pick<CheckResult, 'check' | 'route'>): string {
  return r.route === undefined ? r.check : `${r.check} (route ${r.route})`;
}

export interface TargetRun {
  suite: string;
  target: string;
  runtime: 'process' | 'container';
  mode: 'config' | 'render';
  /** The config the proxy ran, after placeholders. */
  config: string;
  /** The proxy's log, captured. */
  log: string;
  /** Why the target did not run, when it did not (environment). */
  error?: string;
  /** runtime container: the image run and milliseconds from start to ready. */
  image?: string;
  readyMs?: number;
}

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  notSupported: number;
}

export interface RunReport {
  tool: { name: 'proxyproof'; version: string };
  startedAt: string;
  finishedAt: string;
  seed: number;
  summary: Summary;
  results: CheckResult[];
  targets: TargetRun[];
  /** policies.from: the files each suite imported and what they could not express (never dropped). */
  imports?: Array<{ suite: string; from: string[]; notes: Array<{ source: string; resource: string; kind: string; message: string }> }>;
  /** `proxyproof load`: latency, rates, outcomes, direct vs proxied, thresholds (shape: harness/load/report-shape.ts). */
  load?: LoadReport;
}

export function summarize(results: CheckResult[]): Summary {
  const s: Summary = { passed: 0, failed: 0, skipped: 0, notSupported: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

/** The report of a finished run (run, load or k6), summary counted from the results. */
export function finishReport(r: { startedAt: string; seed: number; results: CheckResult[]; targets: TargetRun[]; load?: LoadReport }): RunReport {
  return { tool: { name: 'proxyproof', version: VERSION }, startedAt: r.startedAt, finishedAt: new Date().toISOString(), seed: r.seed, summary: summarize(r.results), results: r.results, targets: r.targets, ...(r.load ? { load: r.load } : {}) };
}
