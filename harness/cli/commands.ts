// One function per command; each checks its own flags and arguments (a
// UsageError is exit 2), calls the layer below, and writes what the user
// asked for: output lines, and for run, load and k6 --run the report files
// (the orchestrators return reports; writing them is the command's job).

import { existsSync } from 'node:fs';
import { ExitCode } from '../model/errors.ts';
import type { RunReport } from '../model/result.ts';

export interface Output {
  write(chunk: string): unknown;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  /** Resolves when the standalone mock should stop; default: SIGINT or SIGTERM. */
  untilStopped?: () => Promise<void>;
}

/** A usage problem: printed as "proxyproof: <what>", exit 2. */
export class UsageError extends Error {}

export interface Flags {
  target?: string[];
  check?: string[];
  'report-dir'?: string;
  seed?: string;
  runtime?: string;
  image?: string;
  baseline?: string;
  port?: string;
  rate?: string;
  connections?: string;
  duration?: string;
  run?: boolean;
  strict?: boolean;
}

export type Command = (args: string[], flags: Flags, io: Io) => Promise<number>;

function integer(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got '${value}'`);
  return Number(value);
}

const seedOf = (flags: Flags): number | undefined => (flags.seed !== undefined ? integer('seed', flags.seed, 0, 2 ** 32 - 1) : undefined);

function reportDirOf(flags: Flags): string {
  const dir = flags['report-dir'] ?? 'reports';
  if (!dir) throw new UsageError('--report-dir needs a folder');
  return dir;
}

async function writeRun(result: { report: RunReport; secrets: string[]; credentialNames: string[] }, dir: string, baseline?: string): Promise<void> {
  const { writeReports } = await import('../report/write-reports.ts');
  await writeReports(result.report, dir, result.secrets, { baseline, credentialNames: result.credentialNames });
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const run: Command = async (args, flags, io) => {
  if (!args.length) throw new UsageError('run needs at least one suite file');
  const seed = seedOf(flags);
  const runtime = flags.runtime ?? 'process';
  if (runtime !== 'process' && runtime !== 'container') throw new UsageError(`--runtime must be process or container, got '${runtime}'`);
  if (flags.image !== undefined && runtime !== 'container') throw new UsageError('--image needs --runtime container');
  const reportDir = reportDirOf(flags);
  if (flags.baseline === '') throw new UsageError('--baseline needs a report.json file');
  if (flags.baseline !== undefined && !existsSync(flags.baseline)) throw new UsageError(`--baseline ${flags.baseline}: no such file`);
  const { checkNames } = await import('../checks/registry.ts');
  for (const c of flags.check ?? []) if (!checkNames.includes(c)) throw new UsageError(`--check ${c}: no such check (checks: ${checkNames.join(', ')})`);
  if (flags.strict) {
    // Before runSuites: a field the import leaves unchecked stops the run before anything starts or is written.
    const { requireFullyCheckedFiles } = await import('../run/validate.ts');
    await requireFullyCheckedFiles(args);
  }
  const { runSuites } = await import('../run/run-suite.ts');
  const result = await runSuites({ suites: args, targets: flags.target, checks: flags.check, seed, runtime, image: flags.image, log: (line) => io.stdout.write(`${line}\n`) });
  await writeRun(result, reportDir, flags.baseline);
  const s = result.report.summary;
  io.stdout.write(`${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ${s.notSupported} not supported; seed ${result.report.seed}; reports in ${reportDir}\n`);
  return result.exitCode;
};

const validate: Command = async (args, flags, io) => {
  if (!args.length) throw new UsageError('validate needs at least one suite file');
  const { validateSuites } = await import('../run/validate.ts');
  for (const line of await validateSuites(args, flags.target, { strict: flags.strict === true })) io.stdout.write(`${line}\n`);
  return ExitCode.ok;
};

const render: Command = async (args, flags, io) => {
  if (args.length !== 1) throw new UsageError(args.length ? 'render takes exactly one suite file' : 'render needs a suite file');
  const targets = flags.target ?? [];
  if (targets.length !== 1) throw new UsageError('render needs exactly one --target name');
  const { renderSuite } = await import('../run/validate.ts');
  const text = await renderSuite(args[0], targets[0]);
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return ExitCode.ok;
};

async function durationOf(flags: Flags): Promise<number | undefined> {
  if (flags.duration === undefined) return undefined;
  const { parseDuration } = await import('../model/duration.ts');
  const ms = parseDuration(flags.duration);
  // Bounded: every load loop ends by itself.
  if (ms === undefined || ms > 3_600_000) throw new UsageError(`--duration must be a duration from 1ms to 1h such as 30s, got '${flags.duration}'`);
  return ms;
}

const load: Command = async (args, flags, io) => {
  if (!args.length) throw new UsageError('load needs at least one suite file');
  if (flags.rate !== undefined && flags.connections !== undefined) throw new UsageError('give --rate or --connections, not both');
  const seed = seedOf(flags);
  const rate = flags.rate !== undefined ? integer('rate', flags.rate, 1, 1_000_000) : undefined;
  const connections = flags.connections !== undefined ? integer('connections', flags.connections, 1, 10_000) : undefined;
  const durationMs = await durationOf(flags);
  const reportDir = reportDirOf(flags);
  const { runLoadSuites } = await import('../run/run-load.ts');
  const stream = io.stdout as Output & { isTTY?: boolean };
  const result = await runLoadSuites({
    ...{ suites: args, targets: flags.target, seed, rate, connections, durationMs },
    log: (line) => io.stdout.write(`${line}\n`),
    progress: { write: (c: string) => io.stdout.write(c), isTTY: stream.isTTY === true },
  });
  await writeRun(result, reportDir);
  const s = result.report.summary;
  io.stdout.write(`${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ${s.notSupported} not supported; reports in ${reportDir}\n`);
  return result.exitCode;
};

const k6: Command = async (args, flags, io) => {
  if (args.length !== 1) throw new UsageError(args.length ? 'k6 takes exactly one suite file' : 'k6 needs a suite file');
  if ((flags.target?.length ?? 0) > 1) throw new UsageError('k6 takes at most one --target');
  const options = { suite: args[0], target: flags.target?.[0], seed: seedOf(flags) ?? 1 };
  const { k6Script, runK6 } = await import('../run/k6-run.ts');
  if (!flags.run) {
    io.stdout.write(await k6Script(options));
    return ExitCode.ok;
  }
  const result = await runK6(options);
  await writeRun(result, 'reports');
  return result.exitCode;
};

const doctor: Command = async (args, _flags, io) => {
  if (args.length) throw new UsageError('doctor takes no arguments');
  const { doctor: check } = await import('../runtime/doctor.ts');
  const report = await check();
  io.stdout.write(report.text);
  return report.ok ? ExitCode.ok : ExitCode.environment;
};

const mock: Command = async (args, flags, io) => {
  if (args.length !== 1) throw new UsageError(args.length ? 'mock takes exactly one spec file' : 'mock needs a spec file');
  if (flags.port === undefined) throw new UsageError('mock needs --port N');
  const port = integer('port', flags.port, 0, 65535);
  const seed = seedOf(flags) ?? 1;
  const { startStandaloneMock } = await import('../upstream/mock-upstream.ts');
  const { ADMIN_PREFIX } = await import('../model/upstream.ts');
  const m = await startStandaloneMock(args[0], port, seed);
  const at = m.endpoints.mock.v1[0];
  io.stdout.write(`mock for ${args[0]} listening on http://${at.host}:${at.port} (seed ${seed}); Ctrl-C to stop\n`);
  // The admin API is only on the control listener, behind the token: the data port is what a proxy forwards to.
  // The token goes to the user who started the mock, as a local dev server prints its own.
  io.stdout.write(`admin API on ${m.control.url}${ADMIN_PREFIX} (journal, faults) with header: Authorization: Bearer ${m.control.token}\n`);
  try {
    await (io.untilStopped ?? waitForSignal)();
  } finally {
    await m.close();
  }
  return ExitCode.ok;
};

/** Each command, the flags it takes, and what it does. */
export const COMMANDS: Record<string, { flags: ReadonlyArray<keyof Flags>; run: Command }> = {
  run: { flags: ['target', 'check', 'report-dir', 'seed', 'runtime', 'image', 'baseline', 'strict'], run },
  validate: { flags: ['target', 'strict'], run: validate },
  render: { flags: ['target'], run: render },
  mock: { flags: ['port', 'seed'], run: mock },
  load: { flags: ['target', 'report-dir', 'seed', 'rate', 'connections', 'duration'], run: load },
  k6: { flags: ['target', 'seed', 'run'], run: k6 },
  doctor: { flags: [], run: doctor },
};
