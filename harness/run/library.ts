// The library's entry points over the orchestrators: a suite from a file or as
// data, run without writing anything (writing reports is the caller's choice);
// the tests a run will produce, named before it starts (Vitest registers one
// test per check and target); and one target started in front of the mocks,
// for hand-written tests (`await using`).

import { resolve } from 'node:path';
import { checks } from '../checks/registry.ts';
import { InputError } from '../model/errors.ts';
import type { StartedProxy } from '../model/runtime.ts';
import type { Spec } from '../model/spec.ts';
import type { Suite } from '../model/suite.ts';
import { routeScopes } from '../routes/scope.ts';
import { generateRequest } from '../spec/generate-request.ts';
import { loadSuite, loadSuiteData } from '../suite/load-suite.ts';
import type { SuiteInput } from '../suite/suite-input.ts';
import { startMockFleet, type MockFleet } from '../upstream/mock-upstream.ts';
import { forkRng } from '../util/rng.ts';
import { loadAll, selectedTargets } from './inputs.ts';
import { runSuites, type RunOptions, type RunResult } from './run-suite.ts';
import { startTargetFor } from './start-target.ts';

export interface RunSuiteOptions extends Omit<RunOptions, 'suites'> {
  /**
   * For a suite given as data: the file it stands for. Its relative paths
   * (spec, configs) are relative to this file's folder and errors name it.
   * Default: ./inline.suite.ts in the current directory.
   */
  file?: string;
}

/** A suite file, or a suite as data (defineSuite's value), loaded and checked. */
export async function suiteFrom(suite: string | SuiteInput, file?: string): Promise<Suite> {
  return typeof suite === 'string' ? loadSuite(suite) : loadSuiteData(suite, resolve(file ?? 'inline.suite.ts'));
}

/** Run one suite; the results come back and nothing is written (see writeResults). */
export async function runSuite(suite: string | SuiteInput | Suite, options: RunSuiteOptions = {}): Promise<RunResult> {
  const { file, ...rest } = options;
  const loaded = typeof suite === 'object' && 'dir' in suite && 'targets' in suite && Array.isArray(suite.targets) ? (suite as Suite) : await suiteFrom(suite as string | SuiteInput, file);
  return runSuites({ ...rest, suites: [loaded] });
}

/** One result a run will produce: a check on a target, suite-wide or for one route's own policy. */
export interface PlannedResult {
  suite: string;
  target: string;
  check: string;
  route?: string;
}

/** The results a run of this suite produces, in run order per target (checks, then route scopes). */
export async function planSuite(suite: Suite, options: Pick<RunOptions, 'targets' | 'checks'> = {}): Promise<PlannedResult[]> {
  const [l] = await loadAll([suite]);
  const wanted = options.checks?.length ? checks.filter((c) => options.checks!.includes(c.name)) : checks;
  const scopes = routeScopes(l.suite, l.spec, (op, rng) => generateRequest(l.spec, op, rng), forkRng(0, 'plan'));
  const out: PlannedResult[] = [];
  for (const t of selectedTargets(l.suite, options.targets)) {
    for (const c of wanted) out.push({ suite: l.suite.name, target: t.name, check: c.name });
    for (const s of scopes) if (wanted.some((c) => c.name === s.policy)) out.push({ suite: l.suite.name, target: t.name, check: s.policy, route: s.route.name });
  }
  return out;
}

/** A target running in front of the suite's mocks; dispose it (`await using`) to stop both. */
export interface RunningTarget extends AsyncDisposable {
  suite: Suite;
  spec: Spec;
  proxy: StartedProxy;
  /** The proxy's base URL (http://127.0.0.1:port). */
  baseUrl: string;
  mocks: MockFleet;
  /** The config the proxy runs (rendered or the suite's own, placeholders filled). */
  config: string;
}

/** Start the suite's mocks and one of its targets (default: its only or first target) as a local process. */
export async function startTarget(suite: string | SuiteInput | Suite, options: { target?: string; seed?: number; file?: string } = {}): Promise<RunningTarget> {
  const s = typeof suite === 'object' && 'dir' in suite && Array.isArray(suite.targets) ? (suite as Suite) : await suiteFrom(suite as string | SuiteInput, options.file);
  const [l] = await loadAll([s]);
  const t = options.target === undefined ? l.suite.targets[0] : l.suite.targets.find((x) => x.name === options.target);
  if (!t) throw new InputError(l.suite.file, undefined, `no target named ${options.target} (targets: ${l.suite.targets.map((x) => x.name).join(', ')})`);
  const mocks = await startMockFleet(l.spec, l.suite.upstreams, { seed: options.seed ?? 1 });
  try {
    const started = await startTargetFor(l, t, mocks.endpoints);
    const dispose = async () => {
      try {
        await started[Symbol.asyncDispose]();
      } finally {
        await mocks[Symbol.asyncDispose]();
      }
    };
    return { suite: l.suite, spec: l.spec, proxy: started.proxy, baseUrl: started.proxy.baseUrl, mocks, config: started.config, [Symbol.asyncDispose]: dispose };
  } catch (err) {
    await mocks[Symbol.asyncDispose]();
    throw err;
  }
}
