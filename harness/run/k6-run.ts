// `proxyproof k6 <suite> [--target name] [--run]`: the exported k6 script, or
// (--run) the mocks and the target started and the script run with a `k6`
// binary from PATH, k6's summary folded into the report. k6 is AGPL and
// separate: it is called as a program, never bundled; absent, --run says so
// (exit 3) and the printed script is still the way to run it elsewhere.

import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportK6 } from '../load/k6-export.ts';
import { startMockProcess } from '../load/mock-process.ts';
import { EnvironmentError, ExitCode, InputError } from '../model/errors.ts';
import { finishReport, type CheckResult } from '../model/result.ts';
import { binaryAvailable } from '../runtime/binaries.ts';
import { createWorkdir } from '../runtime/workdirs.ts';
import { credentialNamesOf, secretsOf } from '../suite/secrets.ts';
import { loadAll, selectedTargets } from './inputs.ts';
import type { RunResult } from './run-suite.ts';
import { startTargetFor } from './start-target.ts';

export interface K6Options {
  suite: string;
  target?: string;
  seed: number;
}

const INSTALL_HINT = 'install k6 from https://grafana.com/docs/k6/latest/set-up/install-k6/ and put it on PATH, or run the printed script where k6 is';

async function prepare(o: K6Options) {
  const [l] = await loadAll([o.suite]);
  const target = selectedTargets(l.suite, o.target ? [o.target] : undefined)[0];
  if (!l.suite.load?.scenarios.length) throw new InputError(l.suite.file, 'load', 'no load scenarios to export: add a load: section');
  return { l, target, exported: exportK6(l.suite, l.spec, { seed: o.seed, target: target?.name }) };
}

/** The suite's load scenarios and thresholds as a k6 script. */
export async function k6Script(o: K6Options): Promise<string> {
  return (await prepare(o)).exported.script;
}

/** Run the script with k6 against the target in front of the mocks; k6 exits 99 when a threshold is crossed. */
export async function runK6(o: K6Options): Promise<RunResult> {
  const { l, target, exported } = await prepare(o);
  if (!(await binaryAvailable('k6'))) throw new EnvironmentError('k6 not found on PATH: proxyproof k6 --run calls the k6 program', INSTALL_HINT);
  if (!target) throw new InputError(l.suite.file, 'targets', 'names no target to run k6 against');
  const startedAt = new Date().toISOString();
  await using wd = await createWorkdir('k6');
  const dir = wd.path;
  const file = join(dir, 'script.js');
  const summaryFile = join(dir, 'summary.json');
  await writeFile(file, exported.script);
  await using mocks = await startMockProcess(l.suite.spec, l.suite.upstreams, o.seed, l.suite.specOptions);
  await using started = await startTargetFor(l, target, mocks.endpoints);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('k6', ['run', '--quiet', '--summary-export', summaryFile, '-e', `BASE_URL=${started.proxy.baseUrl}`, file], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (c) => resolve(c ?? 1));
  });
  const summary = JSON.parse(await readFile(summaryFile, 'utf8').catch(() => '{}')) as Record<string, unknown>;
  const result: CheckResult = {
    suite: l.suite.name,
    target: target.name,
    runtime: 'process',
    check: 'k6 thresholds',
    durationMs: 0,
    status: code === 0 ? 'passed' : 'failed',
    message: code === 0 ? 'k6 run: every threshold held' : code === 99 ? 'k6 run: a threshold was crossed' : `k6 exited with ${code}`,
    evidence: { data: { exitCode: code, omittedThresholds: exported.omitted } },
  };
  const report = finishReport({
    startedAt,
    seed: o.seed,
    results: [result],
    targets: [{ suite: l.suite.name, target: target.name, runtime: 'process', mode: started.mode, config: started.config, log: started.proxy.logs().slice(-20_000) }],
    load: { version: 1, runs: [], policies: [], k6: summary },
  });
  return { report, exitCode: code === 0 ? ExitCode.ok : ExitCode.checkFailed, secrets: secretsOf(l.suite), credentialNames: credentialNamesOf(l.spec) };
}
