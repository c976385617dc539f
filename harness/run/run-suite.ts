// `proxyproof run`: the one place where a suite meets targets, runtimes and
// checks. Everything that can be wrong with the input is found before
// anything starts (inputs.ts). It returns the report and the secrets to
// redact from it; writing the report files is the caller's (the CLI's).

import { TIMING_CLAIM, type Check, type CheckContext } from '../checks/check.ts';
import { checks } from '../checks/registry.ts';
import { ProxyClient } from '../checks/shared/client.ts';
import { ExitCode } from '../model/errors.ts';
import { checkLabel, finishReport, type CheckResult, type RunReport, type TargetRun } from '../model/result.ts';
import type { ProxyRuntime, StartedProxy } from '../model/runtime.ts';
import type { Suite, TargetSpec } from '../model/suite.ts';
import { VERSION } from '../model/version.ts';
import { containerRuntimeFor, imageSkipReason, prepareContainers, type ContainerPlan } from '../runtime/container-run.ts';
import { freePort } from '../runtime/ports.ts';
import { processRuntime } from '../runtime/process-runtime.ts';
import { sweepStaleRuns } from '../runtime/run-record.ts';
import { createWorkdir } from '../runtime/workdirs.ts';
import { createSpecValidator, type SpecValidator } from '../spec/validate.ts';
import { generateRequest } from '../spec/generate-request.ts';
import { routeScopes, type RouteScope } from '../routes/scope.ts';
import { credentialNamesOf, secretsOf } from '../suite/secrets.ts';
import { startMockFleet, type MockFleet } from '../upstream/mock-upstream.ts';
import { forkRng, randomSeed } from '../util/rng.ts';
import { ClaimGate, runCheck, runScheduled, usesOf, type RunCheckOptions, type ScheduledJob } from './check-runner.ts';
import { configFor, driverOf, loadAll, preflight, selectedTargets, type Loaded } from './inputs.ts';

export interface RunOptions {
  /** Suite files (YAML, or .ts modules exporting defineSuite's value), or suites loaded with loadSuiteData. */
  suites: Array<string | Suite>;
  targets?: string[];
  seed?: number;
  /** Default process. */
  runtime?: 'process' | 'container';
  /** --image: the container image for every target of the run (runtime container). */
  image?: string;
  /** Only these checks (by name); default all. */
  checks?: string[];
  /** Progress lines (targets ready, each verdict); default none. */
  log?: (line: string) => void;
  /** Run the checks of a target one after another (in the order the concurrent run gives conflicting checks), not side by side. */
  serial?: boolean;
  /** Each check's time budget (ms): a check leaves out what does not fit and says so. Default: none. */
  budgetMs?: number;
}

export interface RunResult {
  report: RunReport;
  exitCode: number;
  /** Every credential of the suites, for the report writers to redact. */
  secrets: string[];
  /** The names the specs send credentials under (apiKey headers, query parameters, cookies). */
  credentialNames: string[];
}

interface TargetContext {
  l: Loaded;
  t: TargetSpec;
  fleet: MockFleet;
  seed: number;
  runtime: 'process' | 'container';
  wanted: readonly Check[];
  log: (line: string) => void;
  containers?: ContainerPlan;
  serial?: boolean;
  budgetMs?: number;
  /** The machine's timing, shared by the targets' checks (TIMING_CLAIM). */
  timing: ClaimGate;
}

function wantedChecks(only?: string[]): readonly Check[] {
  return only?.length ? checks.filter((c) => only.includes(c.name)) : checks;
}

/** No image for a container target: every check is skipped with the reason, never passed. */
function skippedForImage(c: TargetContext, skip: string): CheckResult[] {
  c.log(`${c.l.suite.name}/${c.t.name}: ${skip}`);
  return c.wanted.map((check) => ({ suite: c.l.suite.name, target: c.t.name, runtime: 'container', check: check.name, durationMs: 0, status: 'skipped', message: skip, evidence: {} }));
}

function contextFor(c: TargetContext, proxy: StartedProxy, client: ProxyClient, validator: SpecValidator, check: Check, scope?: RouteScope): CheckContext {
  const { l, t, seed } = c;
  return {
    suite: l.suite,
    spec: l.spec,
    policies: scope?.policies ?? l.suite.policies,
    target: t.name,
    proxy,
    fleet: c.fleet,
    client: scope ? client.scoped(scope.shape) : client,
    validator,
    rng: forkRng(seed, `${l.suite.name}/${t.name}/${check.name}${scope ? `/${scope.route.name}` : ''}`),
    seed,
    operations: scope?.operations ?? l.spec.operations,
    log: c.log,
    serialBurst: driverOf(t).traits?.serialBurst,
    ...(c.budgetMs !== undefined ? { budgetMs: c.budgetMs } : {}),
  };
}

/** Each wanted check with the suite's policies, then each route's own policies with requests that select the route. */
async function checkAll(c: TargetContext, proxy: StartedProxy): Promise<CheckResult[]> {
  const { l, t, seed } = c;
  const client = new ProxyClient(proxy.baseUrl, `${seed.toString(36)}-${t.name}`);
  const validator = createSpecValidator(l.spec);
  const driver = driverOf(t);
  const opts = { rendered: !t.config, runtime: c.runtime };
  const job = (check: Check, ctx: CheckContext, o: RunCheckOptions): ScheduledJob<CheckResult> => {
    const uses = usesOf(check, ctx, driver, o);
    const timing = uses.claims.find((x) => x.key === TIMING_CLAIM)?.mode;
    return { uses, run: (touchedAt) => c.timing.hold(timing, () => ran(check, { ...ctx, touchedAt }, o)) };
  };
  const ran = async (check: Check, ctx: CheckContext, o: RunCheckOptions) => {
    const r = await runCheck(check, ctx, driver, o);
    c.log(`${l.suite.name}/${t.name}/${checkLabel(r)}: ${r.status} — ${r.message}`);
    return r;
  };
  try {
    const jobs = c.wanted.map((check) => job(check, contextFor(c, proxy, client, validator, check), opts));
    const scopes = routeScopes(l.suite, l.spec, (op, rng) => generateRequest(l.spec, op, rng), forkRng(seed, `${l.suite.name}/routes`));
    for (const scope of scopes) {
      const check = c.wanted.find((k) => k.name === scope.policy);
      if (!check) continue;
      jobs.push(job(check, contextFor(c, proxy, client, validator, check, scope), { ...opts, route: scope.route.name, features: [`route.${scope.policy}`], ...(scope.unobservable ? { unobservable: scope.unobservable } : {}) }));
    }
    // Registry order, then route scopes, whatever order they end in.
    return await runScheduled(jobs, c.serial);
  } finally {
    await client.close();
  }
}

async function runTarget(c: TargetContext): Promise<{ results: CheckResult[]; run: TargetRun }> {
  const { l, t } = c;
  await using wd = await createWorkdir(t.name);
  const workdir = wd.path;
  const listen = { host: '127.0.0.1', port: await freePort() };
  const statusPort = await freePort();
  const cfg = configFor(t, { suite: l.suite, spec: l.spec, listen, upstreams: c.fleet.endpoints, workdir, statusPort });
  const run: TargetRun = { suite: l.suite.name, target: t.name, runtime: c.runtime, mode: t.config ? 'config' : 'render', config: cfg.files[cfg.mainFile], log: '' };
  const skip = c.containers && imageSkipReason(c.containers, l.suite.name, t.name);
  if (skip) return { results: skippedForImage(c, skip), run: { ...run, error: skip } };
  const runtime: ProxyRuntime = c.containers ? containerRuntimeFor(c.containers, l.suite.name) : processRuntime;
  await using proxy = await runtime.start(cfg, { workdir, listen, statusPort });
  const ready = proxy as { readyMs?: number; image?: string; flushLogs?: () => Promise<void> };
  if (ready.image) Object.assign(run, { image: ready.image, readyMs: ready.readyMs });
  c.log(`${l.suite.name}/${t.name}: ${t.name} ready at ${proxy.baseUrl}${ready.image ? ` (container ${ready.image}, ready in ${ready.readyMs} ms)` : ''}`);
  try {
    return { results: await checkAll(c, proxy), run };
  } finally {
    await ready.flushLogs?.();
    run.log = proxy.logs();
  }
}

/** Each suite's mocks, and its targets side by side in front of them. */
async function runLoaded(loaded: Loaded[], opts: RunOptions, seed: number, containers?: ContainerPlan): Promise<{ results: CheckResult[]; runs: TargetRun[] }> {
  const results: CheckResult[] = [];
  const runs: TargetRun[] = [];
  const log = opts.log ?? (() => {});
  for (const l of loaded) {
    await using fleet = await startMockFleet(l.spec, l.suite.upstreams, { seed });
    // Separate proxies and ports; the mocks key their journal and faults by
    // request id, so one fleet serves them all. allSettled: a target that
    // cannot start must not tear the fleet down under the other.
    const base = { l, fleet, seed, runtime: opts.runtime ?? 'process', wanted: wantedChecks(opts.checks), log, containers, serial: opts.serial, budgetMs: opts.budgetMs, timing: new ClaimGate() } as const;
    const settled = await Promise.allSettled(selectedTargets(l.suite, opts.targets).map((t) => runTarget({ ...base, t })));
    const broken = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (broken) throw broken.reason;
    for (const o of settled as PromiseFulfilledResult<Awaited<ReturnType<typeof runTarget>>>[]) {
      results.push(...o.value.results);
      runs.push(o.value.run);
    }
  }
  return { results, runs };
}

export async function runSuites(opts: RunOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const seed = opts.seed ?? randomSeed();
  const runtime = opts.runtime ?? 'process';
  const log = opts.log ?? (() => {});
  const loaded = await loadAll(opts.suites);
  await preflight(loaded, opts.targets, runtime);
  const swept = sweepStaleRuns();
  if (swept.killed.length || swept.removed.length) log(`swept what killed runs left: ${swept.killed.length} proxy process group(s), ${swept.removed.length} workdir(s)`);
  const containers = runtime === 'container'
    ? await prepareContainers(loaded.flatMap((l) => selectedTargets(l.suite, opts.targets).map((t) => ({ suite: l.suite.name, target: t.name, image: t.image }))), opts.image)
    : undefined;
  if (containers) log(`containers: ${containers.engine.name} at ${containers.engine.socket} (${containers.engine.source}); run ${containers.runId}${containers.swept.length ? `; swept ${containers.swept.length} stale container(s) of killed runs` : ''}`);
  for (const l of loaded) for (const n of l.suite.imported?.notes ?? []) log(`${l.suite.name}: policies.from: ${n.kind}: ${n.resource}: ${n.message}`);
  log(`proxyproof ${VERSION}: seed ${seed}`);
  const { results, runs } = await runLoaded(loaded, opts, seed, containers);
  const report = finishReport({ startedAt, seed, results, targets: runs });
  const imports = loaded.filter((l) => l.suite.imported).map((l) => ({ suite: l.suite.name, from: l.suite.imported!.from, notes: l.suite.imported!.notes }));
  if (imports.length) report.imports = imports;
  return { report, exitCode: report.summary.failed > 0 ? ExitCode.checkFailed : ExitCode.ok, secrets: loaded.flatMap((l) => secretsOf(l.suite)), credentialNames: [...new Set(loaded.flatMap((l) => credentialNamesOf(l.spec)))] };
}
