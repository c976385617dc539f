// The one place where a suite meets targets, runtimes and checks.
// Everything that can be wrong with the input is found before anything starts
// or is written: suites, specs, target kinds, user configs and placeholders.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSuite } from '../suite/load-suite.ts';
import { checkAgainstSpec } from '../suite/against-spec.ts';
import { loadSpec } from '../spec/load-spec.ts';
import { createSpecValidator } from '../spec/validate.ts';
import type { Spec } from '../model/spec.ts';
import type { Suite, TargetSpec } from '../model/suite.ts';
import { getTarget } from '../targets/registry.ts';
import type { TargetDriver } from '../targets/target.ts';
import type { RenderInput, RenderedConfig } from '../model/target.ts';
import { processRuntime } from '../runtime/process-runtime.ts';
import { freePort } from '../runtime/ports.ts';
import { startMockFleet, type MockFleet } from '../upstream/mock-upstream.ts';
import type { Endpoint } from '../model/upstream.ts';
import { checks } from '../checks/registry.ts';
import type { Check } from '../checks/check.ts';
import { ProxyClient } from '../checks/shared/client.ts';
import { forkRng, randomSeed } from '../util/rng.ts';
import { EnvironmentError, ExitCode, InputError } from '../model/errors.ts';
import { VERSION } from '../model/version.ts';
import { finishReport, type CheckResult, type RunReport, type TargetRun } from '../model/result.ts';
import { writeReports } from '../report/write-reports.ts';
import { secretsOf } from '../report/redact.ts';
import { requireBinary } from '../runtime/binaries.ts';
import { containerRuntimeFor, imageSkipReason, prepareContainers, type ContainerPlan } from '../runtime/container-run.ts';
import type { ProxyRuntime, StartedProxy } from '../model/runtime.ts';

export interface RunOptions {
  suites: string[];
  targets?: string[];
  reportDir: string;
  seed?: number;
  runtime: 'process' | 'container';
  /** --image: the container image for every target of the run (runtime container). */
  image?: string;
  /** Only these checks (by name); default all. */
  checks?: string[];
  /** --baseline: a previous report.json; index.html shows what changed since. */
  baseline?: string;
  log: (line: string) => void;
}

export interface Loaded {
  suite: Suite;
  spec: Spec;
}


export async function loadAll(files: string[]): Promise<Loaded[]> {
  const out: Loaded[] = [];
  for (const file of files) {
    const suite = await loadSuite(file);
    const spec = await loadSpec(suite.spec);
    checkAgainstSpec(suite, spec);
    for (const t of suite.targets) {
      if (!getTarget(t.name)) throw new InputError(suite.file, undefined, `unknown target ${t.name}`);
    }
    out.push({ suite, spec });
  }
  return out;
}

export function selectedTargets(suite: Suite, only?: string[]): TargetSpec[] {
  return only?.length ? suite.targets.filter((t) => only.includes(t.name)) : suite.targets;
}

/** Render (or take) the config for a target; pure but for reading the user's file. */
export function configFor(driver: TargetDriver, t: TargetSpec, input: RenderInput): RenderedConfig {
  return t.config ? driver.fromUserConfig(input, t.config) : driver.render(input);
}

/** Addresses for a dry render: fixed, documented sample ports, nothing bound. */
function sampleInput(loaded: Loaded, workdir: string): RenderInput {
  let port = 9001;
  const upstreams: Record<string, Record<string, Endpoint[]>> = {};
  for (const u of loaded.suite.upstreams) {
    upstreams[u.name] = {};
    for (const v of u.versions) upstreams[u.name][v] = Array.from({ length: u.replicas }, () => ({ host: '127.0.0.1', port: port++ }));
  }
  return { suite: loaded.suite, spec: loaded.spec, listen: { host: '127.0.0.1', port: 8080 }, upstreams, workdir };
}

export async function validateSuites(files: string[]): Promise<string[]> {
  const loaded = await loadAll(files);
  const lines: string[] = [];
  for (const l of loaded) {
    for (const t of l.suite.targets) {
      const driver = getTarget(t.name)!;
      // Placeholders and file reads are checked here too: a user config with an unknown placeholder fails validate.
      configFor(driver, t, sampleInput(l, '/tmp/proxyproof-validate'));
    }
    const policies = Object.keys(l.suite.policies).join(', ') || 'none';
    lines.push(`${l.suite.file}: ok (${l.spec.operations.length} operations, targets ${l.suite.targets.map((t) => t.name).join(', ')}, policies ${policies})`);
  }
  return lines;
}

export async function renderSuite(file: string, target: string): Promise<string> {
  const [l] = await loadAll([file]);
  const t = l.suite.targets.find((x) => x.name === target) ?? (getTarget(target) ? { name: target, render: true } : undefined);
  if (!t) throw new InputError(file, undefined, `unknown target ${target}`);
  const driver = getTarget(t.name)!;
  const cfg = configFor(driver, t, sampleInput(l, '/tmp/proxyproof-render'));
  const header = `# ${t.config ? 'user config' : 'rendered'} for ${t.name}; sample addresses: listen 127.0.0.1:8080, upstreams from 127.0.0.1:9001\n`;
  const extra = Object.keys(cfg.files).filter((f) => f !== cfg.mainFile);
  const rest = extra.map((f) => `\n# --- ${f}\n${cfg.files[f]}`).join('');
  return header + cfg.files[cfg.mainFile] + rest;
}

/** Run one check, turning exceptions into failures and missing features into notSupported. */
async function runCheck(check: Check, base: Omit<CheckResult, 'status' | 'message' | 'evidence' | 'durationMs' | 'check'>, ctx: Parameters<Check['run']>[0], driver: TargetDriver, rendered: boolean): Promise<CheckResult> {
  const started = Date.now();
  const done = (r: Pick<CheckResult, 'status' | 'message' | 'evidence'> & { warnings?: string[] }): CheckResult => ({
    ...base,
    check: check.name,
    durationMs: Date.now() - started,
    ...r,
  });
  if (!ctx.policies[check.name]) return done({ status: 'skipped', message: `the suite sets no ${check.name} policy`, evidence: {} });
  if (rendered) {
    const missing = check.features(ctx.policies, ctx.spec).filter((f) => !driver.features.has(f));
    if (missing.length) {
      const why = [...new Set(missing.map((f) => driver.unsupportedBecause?.[f]).filter(Boolean))];
      return done({ status: 'notSupported', message: `${driver.name} cannot express ${missing.join(', ')}${why.length ? `: ${why.join('; ')}` : ''}`, evidence: {} });
    }
    const cannot = driver.cannotRender?.(ctx.policies)[check.name];
    if (cannot) return done({ status: 'notSupported', message: `${driver.name}: ${cannot}`, evidence: {} });
  }
  try {
    return done(await check.run(ctx));
  } catch (err) {
    return done({ status: 'failed', message: `${check.name} could not complete: ${(err as Error).message}`, evidence: {} });
  }
}

async function runTarget(l: Loaded, t: TargetSpec, fleet: MockFleet, seed: number, opts: RunOptions, containers?: ContainerPlan): Promise<{ results: CheckResult[]; run: TargetRun }> {
  const driver = getTarget(t.name)!;
  const workdir = await mkdtemp(join(tmpdir(), `proxyproof-${t.name}-`));
  const listen = { host: '127.0.0.1', port: await freePort() };
  const input: RenderInput = { suite: l.suite, spec: l.spec, listen, upstreams: fleet.endpoints, workdir };
  const cfg = configFor(driver, t, input);
  const run: TargetRun = { suite: l.suite.name, target: t.name, runtime: opts.runtime, mode: t.config ? 'config' : 'render', config: cfg.files[cfg.mainFile], log: '' };
  const results: CheckResult[] = [];
  const skip = containers && imageSkipReason(containers, l.suite.name, t.name);
  if (skip) {
    // No image: every check is skipped with the reason, never passed.
    run.error = skip;
    opts.log(`${l.suite.name}/${t.name}: ${skip}`);
    const wanted = opts.checks?.length ? checks.filter((c) => opts.checks!.includes(c.name)) : checks;
    for (const c of wanted) results.push({ suite: l.suite.name, target: t.name, runtime: 'container', check: c.name, durationMs: 0, status: 'skipped', message: skip, evidence: {} });
    await rm(workdir, { recursive: true, force: true });
    return { results, run };
  }
  const runtime: ProxyRuntime = containers ? containerRuntimeFor(containers, l.suite.name) : processRuntime;
  try {
    await using proxy = await runtime.start(cfg, { workdir, listen });
    const ready = (proxy as { readyMs?: number; image?: string });
    if (ready.image) Object.assign(run, { image: ready.image, readyMs: ready.readyMs });
    opts.log(`${l.suite.name}/${t.name}: ${t.name} ready at ${proxy.baseUrl}${ready.image ? ` (container ${ready.image}, ready in ${ready.readyMs} ms)` : ''}`);
    const client = new ProxyClient(proxy.baseUrl, `${seed.toString(36)}-${t.name}`);
    try {
      const validator = createSpecValidator(l.spec);
      const wanted = opts.checks?.length ? checks.filter((c) => opts.checks!.includes(c.name)) : checks;
      for (const check of wanted) {
        const ctx = {
          suite: l.suite,
          spec: l.spec,
          policies: l.suite.policies,
          target: t.name,
          proxy,
          fleet,
          client,
          validator,
          rng: forkRng(seed, `${l.suite.name}/${t.name}/${check.name}`),
          seed,
          operations: l.spec.operations,
          log: opts.log,
        };
        const r = await runCheck(check, { suite: l.suite.name, target: t.name, runtime: opts.runtime }, ctx, driver, !t.config);
        opts.log(`${l.suite.name}/${t.name}/${check.name}: ${r.status} — ${r.message}`);
        results.push(r);
      }
    } finally {
      await client.close();
      await (proxy as { flushLogs?: () => Promise<void> }).flushLogs?.();
      run.log = proxy.logs();
    }
  } finally {
    await rm(workdir, { recursive: true, force: true });
  }
  return { results, run };
}

export async function runSuites(opts: RunOptions): Promise<{ report: RunReport; exitCode: number }> {
  const startedAt = new Date().toISOString();
  const seed = opts.seed ?? randomSeed();
  const loaded = await loadAll(opts.suites);
  // Every requested target must be able to run before anything starts.
  for (const l of loaded) {
    const targets = selectedTargets(l.suite, opts.targets);
    if (opts.targets?.length && !targets.length) {
      throw new InputError(l.suite.file, 'targets', `names none of --target ${opts.targets.join(', ')} (it has ${l.suite.targets.map((t) => t.name).join(', ')})`);
    }
    for (const t of targets) {
      const driver = getTarget(t.name)!;
      if (opts.runtime === 'process') await requireBinary(driver.name, driver.process);
      configFor(driver, t, sampleInput(l, '/tmp/proxyproof-validate'));
    }
  }
  const containers = opts.runtime === 'container'
    ? await prepareContainers(loaded.flatMap((l) => selectedTargets(l.suite, opts.targets).map((t) => ({ suite: l.suite.name, target: t.name, image: t.image }))), opts.image)
    : undefined;
  if (containers) opts.log(`containers: ${containers.engine.name} at ${containers.engine.socket} (${containers.engine.source}); run ${containers.runId}${containers.swept.length ? `; swept ${containers.swept.length} stale container(s) of killed runs` : ''}`);
  for (const l of loaded) {
    for (const n of l.suite.imported?.notes ?? []) opts.log(`${l.suite.name}: policies.from: ${n.kind}: ${n.resource}: ${n.message}`);
  }
  opts.log(`proxyproof ${VERSION}: seed ${seed}`);
  const results: CheckResult[] = [];
  const runs: TargetRun[] = [];
  const secrets: string[] = [];
  for (const l of loaded) {
    secrets.push(...secretsOf(l.suite));
    await using fleet = await startMockFleet(l.spec, l.suite.upstreams, { seed });
    // Targets run side by side: separate proxies and ports; the mocks key
    // their journal and faults by request id, so one fleet serves them all.
    // allSettled: a target that cannot start must not tear the fleet down under the other.
    const settled = await Promise.allSettled(selectedTargets(l.suite, opts.targets).map((t) => runTarget(l, t, fleet, seed, opts, containers)));
    const broken = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (broken) throw broken.reason;
    for (const o of settled as PromiseFulfilledResult<Awaited<ReturnType<typeof runTarget>>>[]) {
      results.push(...o.value.results);
      runs.push(o.value.run);
    }
  }
  const report = finishReport({ startedAt, seed, results, targets: runs });
  const imports = loaded.filter((l) => l.suite.imported).map((l) => ({ suite: l.suite.name, from: l.suite.imported!.from, notes: l.suite.imported!.notes }));
  if (imports.length) report.imports = imports;
  await writeReports(report, opts.reportDir, secrets, { baseline: opts.baseline });
  return { report, exitCode: report.summary.failed > 0 ? ExitCode.checkFailed : ExitCode.ok };
}

/**
 * Start one target (process runtime) in front of the given upstream endpoints:
 * for `proxyproof load`. Throws EnvironmentError when the proxy binary is missing.
 * Dispose the result to stop the proxy and remove its workdir.
 */
export async function startTargetFor(l: Loaded, t: TargetSpec, upstreams: RenderInput['upstreams']): Promise<{ proxy: StartedProxy; config: string; mode: 'config' | 'render' } & AsyncDisposable> {
  const driver = getTarget(t.name)!;
  await requireBinary(driver.name, driver.process);
  const workdir = await mkdtemp(join(tmpdir(), `proxyproof-load-${t.name}-`));
  try {
    const listen = { host: '127.0.0.1', port: await freePort() };
    const cfg = configFor(driver, t, { suite: l.suite, spec: l.spec, listen, upstreams, workdir });
    const proxy = await processRuntime.start(cfg, { workdir, listen });
    const dispose = async () => {
      try {
        await proxy.stop();
      } finally {
        await rm(workdir, { recursive: true, force: true });
      }
    };
    return { proxy, config: cfg.files[cfg.mainFile], mode: t.config ? 'config' : 'render', [Symbol.asyncDispose]: dispose };
  } catch (err) {
    await rm(workdir, { recursive: true, force: true });
    throw err;
  }
}
