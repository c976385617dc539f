// `proxyproof load`: for each suite and target, start the mock upstreams (in a
// child process) and the real proxy, run the suite's load scenarios (or the
// one the flags describe) through the proxy and, interleaved, straight to the
// mocks; prove the policies under load; evaluate the thresholds; write the
// reports with a `load` section. Exit 1 when a threshold or a policy fails.

import { loadAll, selectedTargets, startTargetFor } from '../run/run-suite.ts';
import { VERSION } from '../model/version.ts';
import { finishReport, type CheckResult, type RunReport, type TargetRun } from '../model/result.ts';
import { writeReports } from '../report/write-reports.ts';
import { secretsOf } from '../report/redact.ts';
import { ExitCode, InputError } from '../model/errors.ts';
import { randomSeed } from '../util/rng.ts';
import type { LoadScenario } from '../model/suite.ts';
import { modelDuration } from './engine.ts';
import { startMockProcess } from './mock-process.ts';
import { measure, overheadOf, pathReport, type Measured } from './overhead.ts';
import { policiesUnderLoad } from './policies.ts';
import { createProgress, type ProgressSink } from './progress.ts';
import type { LoadReport, LoadRun } from '../model/load-report.ts';
import { directUpstream, modelFor, templatesFor } from './scenario.ts';
import { evaluate, compare, type MetricSource } from './thresholds.ts';
import { type Threshold } from '../model/load-report.ts';
import type { Recorder } from './recorder.ts';

export interface LoadOptions {
  suites: string[];
  targets?: string[];
  reportDir: string;
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
  if (opts.rate !== undefined) return [{ name: 'cli', executor: 'constant-arrival-rate', rate: opts.rate, timeUnitMs: 1000, durationMs, ...(ops ? { operations: ops } : {}), ...(consumers ? { consumers } : {}) }];
  if (opts.connections !== undefined) return [{ name: 'cli', executor: 'constant-vus', vus: opts.connections, timeUnitMs: 1000, durationMs, ...(ops ? { operations: ops } : {}), ...(consumers ? { consumers } : {}) }];
  if (!fromSuite.length) throw new InputError(suite.file, 'load', 'no load scenarios: add a load: section or give --rate N or --connections N');
  if (opts.durationMs === undefined) return fromSuite;
  return fromSuite.map((s) => (s.executor === 'ramping-arrival-rate' ? s : { ...s, durationMs: opts.durationMs }));
}

/** A threshold's aggregation over what was measured (undefined: not measured). */
export function metricSource(m: Measured, overhead: LoadRun['overhead'] | undefined): MetricSource {
  return (t: Threshold) => {
    const rec: Recorder | undefined = t.tags.path === 'direct' ? m.direct : m.proxied;
    if (!rec) return undefined;
    const trend = (h: Recorder['latency'] | undefined) => {
      if (!h) return undefined;
      switch (t.aggregation) {
        case 'avg': return h.avg;
        case 'min': return h.min;
        case 'max': return h.max;
        case 'med': return h.percentile(50);
        case 'p': return h.percentile(t.percentile!);
        case 'count': return h.count;
        default: return undefined;
      }
    };
    const o = rec.outcomes;
    const secs = rec.elapsedMs / 1000;
    switch (t.metric) {
      case 'http_req_duration':
        if (t.tags.status) return undefined;
        return trend(t.tags.operation ? rec.byOperation.get(t.tags.operation) : rec.latency);
      case 'http_req_service': return t.tags.operation || t.tags.status ? undefined : trend(rec.service);
      case 'scheduling_lag': return trend(rec.lag);
      case 'http_req_failed': return t.tags.operation || t.tags.status ? undefined : rec.failedRate();
      case 'http_reqs': {
        if (t.tags.operation) return t.aggregation === 'count' ? rec.byOperation.get(t.tags.operation)?.count ?? 0 : undefined;
        const n = t.tags.status ? rec.statusCodes.get(Number(t.tags.status)) ?? 0 : o['1xx'] + o['2xx'] + o['3xx'] + o['4xx'] + o['5xx'];
        return t.aggregation === 'count' ? n : secs > 0 ? n / secs : 0;
      }
      case 'iterations': return t.aggregation === 'count' ? o.scheduled : rec.scheduledRate();
      case 'dropped_iterations': return t.aggregation === 'count' ? o.notSent : secs > 0 ? o.notSent / secs : 0;
      case 'proxy_overhead_p50': return overhead?.p50;
      case 'proxy_overhead_p90': return overhead?.p90;
      case 'proxy_overhead_p99': return overhead?.p99;
      case 'throughput_ratio': return overhead?.throughputRatio;
    }
  };
}

function forScenario(thresholds: Threshold[], scenario: string): Threshold[] {
  return thresholds.filter((t) => t.tags.scenario === undefined || t.tags.scenario === scenario);
}

export async function runLoadSuites(opts: LoadOptions): Promise<{ report: RunReport; exitCode: number }> {
  const startedAt = new Date().toISOString();
  const seed = opts.seed ?? randomSeed();
  const loaded = await loadAll(opts.suites);
  const plans = loaded.map((l) => {
    const targets = selectedTargets(l.suite, opts.targets);
    if (opts.targets?.length && !targets.length) throw new InputError(l.suite.file, 'targets', `names none of --target ${opts.targets.join(', ')} (it has ${l.suite.targets.map((t) => t.name).join(', ')})`);
    return { l, targets, scenarios: scenariosOf(l.suite, opts) };
  });
  opts.log(`proxyproof ${VERSION} load: seed ${seed}`);
  const load: LoadReport = { version: 1, runs: [], policies: [] };
  const results: CheckResult[] = [];
  const runs: TargetRun[] = [];
  const secrets: string[] = [];
  const progress = opts.progress ? createProgress(opts.progress) : undefined;
  for (const { l, targets, scenarios } of plans) {
    secrets.push(...secretsOf(l.suite));
    const cfg = l.suite.load;
    const warmupMs = cfg?.warmupMs ?? 1000;
    const timeoutMs = cfg?.timeoutMs ?? 10_000;
    const thresholds = cfg?.thresholds ?? [];
    await using mocks = await startMockProcess(l.suite.file, seed);
    for (const t of targets) {
      await using started = await startTargetFor(l, t, mocks.endpoints);
      const proxy = started.proxy;
      const url = new URL(proxy.baseUrl);
      const proxyEp = { host: url.hostname, port: Number(url.port) };
      opts.log(`${l.suite.name}/${t.name}: ${t.name} ready at ${proxy.baseUrl}`);
      const run: TargetRun = { suite: l.suite.name, target: t.name, runtime: 'process', mode: started.mode, config: started.config, log: '' };
      try {
        for (const sc of scenarios) {
          const templates = templatesFor(l.suite, l.spec, sc, seed);
          const model = modelFor(sc);
          const upstream = directUpstream(mocks.operations, templates);
          const direct = !opts.noOverhead && (cfg?.overhead ?? true) && upstream ? Object.values(mocks.endpoints[upstream]).flat() : undefined;
          const label = `${l.suite.name}/${t.name}/${sc.name}`;
          const total = modelDuration(model);
          const abortable = forScenario(thresholds, sc.name).filter((x) => x.abortOnFail && x.tags.path !== 'direct' && !x.metric.startsWith('proxy_overhead') && x.metric !== 'throughput_ratio');
          let measuredStart = 0;
          const m = await measure({
            model,
            templates,
            proxied: [proxyEp],
            direct,
            warmupMs,
            timeoutMs,
            onMeasureStart: (at) => (measuredStart ||= at),
            onTick: (rec, elapsed) => progress?.tick(label, rec, rec.elapsedMs + elapsed, total),
            shouldAbort: abortable.length
              ? (rec) => {
                  const elapsed = performance.now() - measuredStart;
                  const src = metricSource({ proxied: rec, aborted: false, slices: 1, connections: 0 }, undefined);
                  return abortable.some((x) => elapsed >= x.delayAbortEvalMs && (() => {
                    const v = src(x);
                    return v !== undefined && !compare(v, x.op, x.value);
                  })());
                }
              : undefined,
          });
          progress?.done();
          const overhead = m.direct ? overheadOf(m.proxied, m.direct, m.slices) : undefined;
          const verdicts = evaluate(forScenario(thresholds, sc.name), metricSource(m, overhead));
          const peak = model.kind === 'constant-arrival-rate' ? model.rate : model.kind === 'ramping-arrival-rate' ? Math.max(model.startRate, ...model.stages.map((s) => s.target)) : undefined;
          const lr: LoadRun = {
            suite: l.suite.name,
            target: t.name,
            scenario: sc.name,
            executor: sc.executor,
            model: model.kind === 'closed' ? 'closed' : 'open',
            ...(peak !== undefined ? { askedRate: peak } : {}),
            connections: m.connections,
            durationMs: total,
            warmupMs,
            proxied: pathReport(m.proxied),
            ...(m.direct ? { direct: pathReport(m.direct) } : {}),
            ...(overhead ? { overhead } : {}),
            thresholds: verdicts,
            aborted: m.aborted,
          };
          load.runs.push(lr);
          const p = lr.proxied;
          opts.log(`${label}: ${p.achievedRate.toFixed(1)} req/s${peak !== undefined ? ` (asked ${peak})` : ''}, p50 ${p.latency.p50} ms, p99 ${p.latency.p99} ms, lag p50/p99 ${p.lag.p50}/${p.lag.p99} ms; ${p.outcomes.scheduled} scheduled = ${p.outcomes['2xx']} 2xx + ${p.outcomes['4xx']} 4xx + ${p.outcomes['5xx']} 5xx + ${p.outcomes.timeout} timeouts + ${p.outcomes.connectionError} connection errors + ${p.outcomes.notSent} not sent${overhead ? `; proxy adds ${overhead.p50}/${overhead.p90}/${overhead.p99} ms at p50/p90/p99, throughput ratio ${overhead.throughputRatio}` : ''}${m.aborted ? '; ABORTED (abortOnFail)' : ''}`);
          for (const v of verdicts) {
            opts.log(`${label}: threshold ${v.key}: ${v.expression} ${v.ok ? 'passed' : 'FAILED'} (${v.actual === null ? v.note : `actual ${v.actual}`})`);
            results.push({ suite: l.suite.name, target: t.name, runtime: 'process', check: `threshold ${v.key}`, durationMs: 0, status: v.ok ? 'passed' : 'failed', message: `${sc.name}: ${v.expression}: ${v.actual === null ? v.note : `actual ${v.actual}`}`, evidence: { data: { ...v } } });
          }
        }
        if (!opts.noPolicies) {
          const pols = await policiesUnderLoad({ suite: l.suite, spec: l.spec, target: t.name, proxy: proxyEp, mocks, seed, log: opts.log }, cfg?.policies);
          load.policies.push(...pols);
          for (const r of pols) results.push({ suite: l.suite.name, target: t.name, runtime: 'process', check: `${r.policy} under load`, durationMs: 0, status: r.status, message: r.message, evidence: { data: r.data } });
        }
      } finally {
        run.log = proxy.logs().slice(-20_000);
        runs.push(run);
      }
    }
  }
  const report = finishReport({ startedAt, seed, results, targets: runs, load });
  await writeReports(report, opts.reportDir, secrets);
  return { report, exitCode: report.summary.failed > 0 ? ExitCode.checkFailed : ExitCode.ok };
}
