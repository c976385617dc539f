// `proxyproof load`: for each suite and target, start the mock upstreams (in a
// child process) and the real proxy, run the suite's load scenarios (or the
// one the flags describe) through the proxy and, interleaved, straight to the
// mocks; prove the policies under load; evaluate the thresholds. The report
// (with its `load` section) goes back to the caller, which writes it. Exit 1
// when a threshold or a policy fails.

import { performance } from 'node:perf_hooks';
import { modelDuration, type Model } from '../load/engine.ts';
import { metricSource } from '../load/metric-source.ts';
import { startMockProcess, type MockProcess } from '../load/mock-process.ts';
import { measure, overheadOf, pathReport, type Measured } from '../load/overhead.ts';
import { policiesUnderLoad } from '../load/policies.ts';
import { createProgress, type ProgressSink } from '../load/progress.ts';
import { directUpstream, modelFor, templatesFor } from '../load/scenario.ts';
import { compare, evaluate } from '../load/thresholds.ts';
import { ExitCode, InputError } from '../model/errors.ts';
import type { LoadReport, LoadRun, Threshold } from '../model/load-report.ts';
import { finishReport, type CheckResult, type TargetRun } from '../model/result.ts';
import type { LoadConfig, LoadScenario, TargetSpec } from '../model/suite.ts';
import type { Endpoint } from '../model/upstream.ts';
import { VERSION } from '../model/version.ts';
import { sweepStaleRuns } from '../runtime/run-record.ts';
import { credentialNamesOf, secretsOf } from '../suite/secrets.ts';
import { randomSeed } from '../util/rng.ts';
import { loadAll, selectedTargets, type Loaded } from './inputs.ts';
import type { RunResult } from './run-suite.ts';
import { startTargetFor } from './start-target.ts';

export interface LoadOptions {
  suites: string[];
  targets?: string[];
  seed?: number;
  /** --rate: a constant-arrival-rate scenario at this many requests per second. */
  rate?: number;
  /** --connections: a closed-model (constant-vus) scenario with this many connections. */
  connections?: number;
  durationMs?: number;
  /** Skip the direct path (no overhead numbers). */
  noOverhead?: boolean;
  /** Skip policies under load. */
  noPolicies?: boolean;
  log: (line: string) => void;
  progress?: ProgressSink;
}

function scenariosOf(suite: { file: string; load?: { scenarios: LoadScenario[] } }, opts: LoadOptions): LoadScenario[] {
  const fromSuite = suite.load?.scenarios ?? [];
  const ops = fromSuite[0]?.operations;
  const consumers = fromSuite[0]?.consumers;
  const durationMs = opts.durationMs ?? 10_000;
  const same = { timeUnitMs: 1000, durationMs, ...(ops ? { operations: ops } : {}), ...(consumers ? { consumers } : {}) };
  if (opts.rate !== undefined) return [{ name: 'cli', executor: 'constant-arrival-rate', rate: opts.rate, ...same }];
  if (opts.connections !== undefined) return [{ name: 'cli', executor: 'constant-vus', vus: opts.connections, ...same }];
  if (!fromSuite.length) throw new InputError(suite.file, 'load', 'no load scenarios: add a load: section or give --rate N or --connections N');
  if (opts.durationMs === undefined) return fromSuite;
  return fromSuite.map((s) => (s.executor === 'ramping-arrival-rate' ? s : { ...s, durationMs: opts.durationMs }));
}

function forScenario(thresholds: Threshold[], scenario: string): Threshold[] {
  return thresholds.filter((t) => t.tags.scenario === undefined || t.tags.scenario === scenario);
}

/** The peak asked rate of an open model. */
function peakRate(model: Model): number | undefined {
  if (model.kind === 'constant-arrival-rate') return model.rate;
  if (model.kind === 'ramping-arrival-rate') return Math.max(model.startRate, ...model.stages.map((s) => s.target));
  return undefined;
}

/** Thresholds with abortOnFail that the proxied path can cross mid-run: a check to stop early. */
function abortCheck(thresholds: Threshold[], startedAt: () => number): ((rec: Measured['proxied']) => boolean) | undefined {
  const abortable = thresholds.filter((x) => x.abortOnFail && x.tags.path !== 'direct' && !x.metric.startsWith('proxy_overhead') && x.metric !== 'throughput_ratio');
  if (!abortable.length) return undefined;
  return (rec) => {
    const elapsed = performance.now() - startedAt();
    const src = metricSource({ proxied: rec, aborted: false, slices: 1, connections: 0 }, undefined);
    return abortable.some((x) => {
      if (elapsed < x.delayAbortEvalMs) return false;
      const v = src(x);
      return v !== undefined && !compare(v, x.op, x.value);
    });
  };
}

interface TargetLoad {
  l: Loaded;
  t: TargetSpec;
  cfg: LoadConfig | undefined;
  mocks: MockProcess;
  proxy: Endpoint;
  seed: number;
  opts: LoadOptions;
  progress?: ReturnType<typeof createProgress>;
}

function describeRun(lr: LoadRun): string {
  const p = lr.proxied;
  const o = p.outcomes;
  const overhead = lr.overhead ? `; proxy adds ${lr.overhead.p50}/${lr.overhead.p90}/${lr.overhead.p99} ms at p50/p90/p99, throughput ratio ${lr.overhead.throughputRatio}` : '';
  return `${p.achievedRate.toFixed(1)} req/s${lr.askedRate !== undefined ? ` (asked ${lr.askedRate})` : ''}, p50 ${p.latency.p50} ms, p99 ${p.latency.p99} ms, lag p50/p99 ${p.lag.p50}/${p.lag.p99} ms; ${o.scheduled} scheduled = ${o['2xx']} 2xx + ${o['4xx']} 4xx + ${o['5xx']} 5xx + ${o.timeout} timeouts + ${o.connectionError} connection errors + ${o.notSent} not sent${overhead}${lr.aborted ? '; ABORTED (abortOnFail)' : ''}`;
}

/** One scenario through one target: measured, its thresholds judged; the run and one result per threshold. */
async function loadScenario(c: TargetLoad, sc: LoadScenario): Promise<{ run: LoadRun; results: CheckResult[] }> {
  const { l, t, cfg, mocks, opts } = c;
  const templates = templatesFor(l.suite, l.spec, sc, c.seed);
  const model = modelFor(sc);
  const upstream = directUpstream(mocks.operations, templates);
  const direct = !opts.noOverhead && (cfg?.overhead ?? true) && upstream ? Object.values(mocks.endpoints[upstream]).flat() : undefined;
  const label = `${l.suite.name}/${t.name}/${sc.name}`;
  const total = modelDuration(model);
  const thresholds = forScenario(cfg?.thresholds ?? [], sc.name);
  let measuredStart = 0;
  const warmupMs = cfg?.warmupMs ?? 1000;
  const m = await measure({
    model,
    templates,
    proxied: [c.proxy],
    direct,
    warmupMs,
    timeoutMs: cfg?.timeoutMs ?? 10_000,
    onMeasureStart: (at) => (measuredStart ||= at),
    onTick: (rec, elapsed) => c.progress?.tick(label, rec, rec.elapsedMs + elapsed, total),
    shouldAbort: abortCheck(thresholds, () => measuredStart),
  });
  c.progress?.done();
  const overhead = m.direct ? overheadOf(m.proxied, m.direct, m.slices) : undefined;
  const verdicts = evaluate(thresholds, metricSource(m, overhead));
  const peak = peakRate(model);
  const run: LoadRun = {
    ...{ suite: l.suite.name, target: t.name, scenario: sc.name, executor: sc.executor, model: model.kind === 'closed' ? 'closed' : 'open' },
    ...(peak !== undefined ? { askedRate: peak } : {}),
    ...{ connections: m.connections, durationMs: total, warmupMs, proxied: pathReport(m.proxied) },
    ...(m.direct ? { direct: pathReport(m.direct) } : {}),
    ...(overhead ? { overhead } : {}),
    ...{ thresholds: verdicts, aborted: m.aborted },
  };
  opts.log(`${label}: ${describeRun(run)}`);
  const results = verdicts.map((v): CheckResult => {
    opts.log(`${label}: threshold ${v.key}: ${v.expression} ${v.ok ? 'passed' : 'FAILED'} (${v.actual === null ? v.note : `actual ${v.actual}`})`);
    return { suite: l.suite.name, target: t.name, runtime: 'process', check: `threshold ${v.key}`, durationMs: 0, status: v.ok ? 'passed' : 'failed', message: `${sc.name}: ${v.expression}: ${v.actual === null ? v.note : `actual ${v.actual}`}`, evidence: { data: { ...v } } };
  });
  return { run, results };
}

/** Every scenario through one target, then its policies under load. */
async function loadTarget(c: Omit<TargetLoad, 'proxy'>, scenarios: LoadScenario[], load: LoadReport): Promise<{ results: CheckResult[]; run: TargetRun }> {
  const { l, t, mocks, opts } = c;
  await using started = await startTargetFor(l, t, mocks.endpoints);
  const url = new URL(started.proxy.baseUrl);
  const proxy = { host: url.hostname, port: Number(url.port) };
  opts.log(`${l.suite.name}/${t.name}: ${t.name} ready at ${started.proxy.baseUrl}`);
  const run: TargetRun = { suite: l.suite.name, target: t.name, runtime: 'process', mode: started.mode, config: started.config, log: '' };
  const results: CheckResult[] = [];
  try {
    for (const sc of scenarios) {
      const r = await loadScenario({ ...c, proxy }, sc);
      load.runs.push(r.run);
      results.push(...r.results);
    }
    if (!opts.noPolicies) {
      const pols = await policiesUnderLoad({ suite: l.suite, spec: l.spec, target: t.name, proxy, mocks, seed: c.seed, log: opts.log }, c.cfg?.policies);
      load.policies.push(...pols);
      for (const r of pols) results.push({ suite: l.suite.name, target: t.name, runtime: 'process', check: `${r.policy} under load`, durationMs: 0, status: r.status, message: r.message, evidence: { data: r.data } });
    }
  } finally {
    run.log = started.proxy.logs().slice(-20_000);
  }
  return { results, run };
}

export async function runLoadSuites(opts: LoadOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const seed = opts.seed ?? randomSeed();
  const loaded = await loadAll(opts.suites);
  const plans = loaded.map((l) => ({ l, targets: selectedTargets(l.suite, opts.targets), scenarios: scenariosOf(l.suite, opts) }));
  sweepStaleRuns();
  opts.log(`proxyproof ${VERSION} load: seed ${seed}`);
  const load: LoadReport = { version: 1, runs: [], policies: [] };
  const results: CheckResult[] = [];
  const runs: TargetRun[] = [];
  const progress = opts.progress ? createProgress(opts.progress) : undefined;
  for (const { l, targets, scenarios } of plans) {
    await using mocks = await startMockProcess(l.suite.spec, l.suite.upstreams, seed, l.suite.specOptions);
    for (const t of targets) {
      const r = await loadTarget({ l, t, cfg: l.suite.load, mocks, seed, opts, progress }, scenarios, load);
      results.push(...r.results);
      runs.push(r.run);
    }
  }
  const report = finishReport({ startedAt, seed, results, targets: runs, load });
  return { report, exitCode: report.summary.failed > 0 ? ExitCode.checkFailed : ExitCode.ok, secrets: loaded.flatMap((l) => secretsOf(l.suite)), credentialNames: [...new Set(loaded.flatMap((l) => credentialNamesOf(l.spec)))] };
}
