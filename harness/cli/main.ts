// The proxyproof command line. Every failure is one line on stderr, never a
// stack. Exit codes: 0 ok, 1 checks failed, 2 bad input (flags, suites,
// specs, configs), 3 environment (binary missing, port in use), 4 internal error.

import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EnvironmentError, ExitCode, InputError, oneLine } from '../model/errors.ts';
import { VERSION } from '../model/version.ts';

export { VERSION };
export const INTERNAL_ERROR = 4;

export interface Output {
  write(chunk: string): unknown;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  /** Resolves when the standalone mock should stop; default: SIGINT or SIGTERM. */
  untilStopped?: () => Promise<void>;
}

/** The help text; the check names come from the registry. */
export async function helpText(): Promise<string> {
  const { checkNames } = await import('../checks/registry.ts');
  return help(checkNames);
}

function help(checkNames: readonly string[]): string {
  return `proxyproof ${VERSION}: prove that API gateways enforce the policies you configured

Usage:
  proxyproof run <suite...> [--target name]... [--check name]... [--report-dir dir] [--seed N] [--runtime process|container] [--image ref] [--baseline report.json]
      Run every check of the suites against their targets (proxies) and write
      report.json, junit.xml and index.html to --report-dir (default: reports).
      --target limits the run to the named targets (repeatable); --check to the
      named checks (repeatable: ${checkNames.join(', ')}).
      --seed N (0..4294967295) reproduces a previous run's requests.
      --runtime container runs each proxy as a container (Docker or Podman via
      DOCKER_HOST); --image overrides the image of every target.
      --baseline compares with a previous report.json: index.html shows what
      newly fails, what was fixed and load figures that moved beyond noise.
  proxyproof validate <suite...>
      Check suites, specs and target configs without starting anything.
  proxyproof render <suite> --target name
      Print the config proxyproof would give the target (with sample addresses).
  proxyproof load <suite...> [--target name]... [--rate N | --connections N] [--duration 30s] [--report-dir dir] [--seed N]
      Load-test the proxy path: the suite's load scenarios (or one from the
      flags: --rate N an open model at N req/s, --connections N a closed model),
      through each target and, interleaved, straight to the mocks (the proxy's
      overhead), then its policies under load; thresholds decide the exit code.
  proxyproof k6 <suite> [--target name] [--seed N] [--run]
      Print a k6 script for the suite's scenarios and thresholds; --run starts
      the mocks and the target and runs it with a k6 binary from PATH.
  proxyproof doctor
      Show the container engine and the images found, and what is missing with the fix.
  proxyproof mock <spec> --port N [--seed N]
      Serve mock responses for an OpenAPI spec until Ctrl-C (--port 0: any free port).
  proxyproof --help | --version

Exit codes:
  0  everything passed (or the command succeeded)
  1  at least one check failed
  2  bad input: flags, suite, spec or proxy config (the message names file and line)
  3  environment: a proxy binary is missing, a port is taken, ...
  4  internal error in proxyproof (please report it)
`;
}

/** A usage problem: printed as "proxyproof: <what>", exit 2. */
class UsageError extends Error {}

const OPTIONS = {
  target: { type: 'string', multiple: true },
  check: { type: 'string', multiple: true },
  'report-dir': { type: 'string' },
  seed: { type: 'string' },
  runtime: { type: 'string' },
  image: { type: 'string' },
  baseline: { type: 'string' },
  port: { type: 'string' },
  rate: { type: 'string' },
  connections: { type: 'string' },
  duration: { type: 'string' },
  run: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

type OptionName = keyof typeof OPTIONS;

const ALLOWED: Record<string, OptionName[]> = {
  run: ['target', 'check', 'report-dir', 'seed', 'runtime', 'image', 'baseline'],
  doctor: [],
  load: ['target', 'report-dir', 'seed', 'rate', 'connections', 'duration'],
  k6: ['target', 'seed', 'run'],
  validate: [],
  render: ['target'],
  mock: ['port', 'seed'],
};

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    // Node's messages name the option as '--seed <value>' or '-h, --help'; keep the long name.
    const quoted = /'(-[^']*)'/.exec(e.message)?.[1] ?? '';
    const name = (/--[\w-]+/.exec(quoted) ?? /-\S+/.exec(quoted))?.[0] ?? 'an option';
    switch (e.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        throw new UsageError(`unknown option ${name} (see proxyproof --help)`);
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
        if (/argument missing|ambiguous/.test(e.message)) throw new UsageError(`option ${name} needs a value`);
        throw new UsageError(`option ${name} takes no value`);
      default:
        throw new UsageError(oneLine(e.message));
    }
  }
}

function integer(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return Number(value);
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

async function dispatch(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv);
  const [command, ...args] = positionals;
  if (values.help) {
    io.stdout.write(await helpText());
    return ExitCode.ok;
  }
  if (values.version) {
    io.stdout.write(`${VERSION}\n`);
    return ExitCode.ok;
  }
  if (!command) throw new UsageError('missing command (run, validate, render, mock, load, k6, doctor; see proxyproof --help)');
  const allowed = ALLOWED[command];
  if (!allowed) throw new UsageError(`unknown command '${command}' (run, validate, render, mock, load, k6, doctor; see proxyproof --help)`);
  for (const key of Object.keys(values) as OptionName[]) {
    if (values[key] !== undefined && !allowed.includes(key)) throw new UsageError(`${command} does not take --${key}`);
  }

  switch (command) {
    case 'run': {
      if (!args.length) throw new UsageError('run needs at least one suite file');
      const seed = values.seed !== undefined ? integer('seed', values.seed, 0, 2 ** 32 - 1) : undefined;
      const runtime = values.runtime ?? 'process';
      if (runtime !== 'process' && runtime !== 'container') throw new UsageError(`--runtime must be process or container, got '${runtime}'`);
      if (values.image !== undefined && runtime !== 'container') throw new UsageError('--image needs --runtime container');
      const reportDir = values['report-dir'] ?? 'reports';
      if (!reportDir) throw new UsageError('--report-dir needs a folder');
      if (values.baseline === '') throw new UsageError('--baseline needs a report.json file');
      if (values.baseline !== undefined && !existsSync(values.baseline)) throw new UsageError(`--baseline ${values.baseline}: no such file`);
      const { checkNames } = await import('../checks/registry.ts');
      for (const c of values.check ?? []) {
        if (!checkNames.includes(c)) throw new UsageError(`--check ${c}: no such check (checks: ${checkNames.join(', ')})`);
      }
      const { runSuites } = await import('../run/run-suite.ts');
      const { report, exitCode } = await runSuites({
        suites: args,
        targets: values.target,
        checks: values.check,
        reportDir,
        seed,
        runtime,
        image: values.image,
        baseline: values.baseline,
        log: (line) => io.stdout.write(`${line}\n`),
      });
      const s = report.summary;
      io.stdout.write(`${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ${s.notSupported} not supported; seed ${report.seed}; reports in ${reportDir}\n`);
      return exitCode;
    }
    case 'validate': {
      if (!args.length) throw new UsageError('validate needs at least one suite file');
      const { validateSuites } = await import('../run/run-suite.ts');
      for (const line of await validateSuites(args)) io.stdout.write(`${line}\n`);
      return ExitCode.ok;
    }
    case 'render': {
      if (args.length !== 1) throw new UsageError(args.length ? 'render takes exactly one suite file' : 'render needs a suite file');
      const targets = values.target ?? [];
      if (targets.length !== 1) throw new UsageError('render needs exactly one --target name');
      const { renderSuite } = await import('../run/run-suite.ts');
      const text = await renderSuite(args[0], targets[0]);
      io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      return ExitCode.ok;
    }
    case 'load': {
      if (!args.length) throw new UsageError('load needs at least one suite file');
      if (values.rate !== undefined && values.connections !== undefined) throw new UsageError('give --rate or --connections, not both');
      const seed = values.seed !== undefined ? integer('seed', values.seed, 0, 2 ** 32 - 1) : undefined;
      const rate = values.rate !== undefined ? integer('rate', values.rate, 1, 1_000_000) : undefined;
      const connections = values.connections !== undefined ? integer('connections', values.connections, 1, 10_000) : undefined;
      let durationMs: number | undefined;
      if (values.duration !== undefined) {
        const { parseDuration } = await import('../model/duration.ts');
        durationMs = parseDuration(values.duration);
        // Bounded: every load loop ends by itself.
        if (durationMs === undefined || durationMs <= 0 || durationMs > 3_600_000) throw new UsageError(`--duration must be a duration from 1ms to 1h such as 30s, got '${values.duration}'`);
      }
      const reportDir = values['report-dir'] ?? 'reports';
      if (!reportDir) throw new UsageError('--report-dir needs a folder');
      const { runLoadSuites } = await import('../load/run-load.ts');
      const stream = io.stdout as Io['stdout'] & { isTTY?: boolean };
      const { report, exitCode } = await runLoadSuites({
        suites: args,
        targets: values.target,
        reportDir,
        seed,
        rate,
        connections,
        durationMs,
        log: (line) => io.stdout.write(`${line}\n`),
        progress: { write: (c: string) => io.stdout.write(c), isTTY: stream.isTTY === true },
      });
      const s = report.summary;
      io.stdout.write(`${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ${s.notSupported} not supported; reports in ${reportDir}\n`);
      return exitCode;
    }
    case 'k6': {
      if (args.length !== 1) throw new UsageError(args.length ? 'k6 takes exactly one suite file' : 'k6 needs a suite file');
      if ((values.target?.length ?? 0) > 1) throw new UsageError('k6 takes at most one --target');
      const seed = values.seed !== undefined ? integer('seed', values.seed, 0, 2 ** 32 - 1) : 1;
      const { k6Command } = await import('../load/k6-run.ts');
      return k6Command({ suite: args[0], target: values.target?.[0], seed, run: values.run === true, io });
    }
    case 'doctor': {
      if (args.length) throw new UsageError('doctor takes no arguments');
      const { doctor } = await import('../runtime/doctor.ts');
      const report = await doctor();
      io.stdout.write(report.text);
      return report.ok ? ExitCode.ok : ExitCode.environment;
    }
    case 'mock': {
      if (args.length !== 1) throw new UsageError(args.length ? 'mock takes exactly one spec file' : 'mock needs a spec file');
      if (values.port === undefined) throw new UsageError('mock needs --port N');
      const port = integer('port', values.port, 0, 65535);
      const seed = values.seed !== undefined ? integer('seed', values.seed, 0, 2 ** 32 - 1) : 1;
      const { startStandaloneMock } = await import('../upstream/mock-upstream.ts');
      const mock = await startStandaloneMock(args[0], port, seed);
      const at = mock.endpoints.mock.v1[0];
      io.stdout.write(`mock for ${args[0]} listening on http://${at.host}:${at.port} (seed ${seed}); admin under /__proxyproof/; Ctrl-C to stop\n`);
      try {
        await (io.untilStopped ?? waitForSignal)();
      } finally {
        await mock.close();
      }
      return ExitCode.ok;
    }
  }
  return ExitCode.ok;
}

/** Run the CLI; returns the exit code. Never throws, never prints a stack. */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`proxyproof: ${oneLine(err)}\n`);
      return ExitCode.badInput;
    }
    if (err instanceof InputError) {
      io.stderr.write(`${oneLine(err)}\n`);
      return ExitCode.badInput;
    }
    if (err instanceof EnvironmentError) {
      io.stderr.write(`proxyproof: ${oneLine(err)}\n`);
      return ExitCode.environment;
    }
    io.stderr.write(`proxyproof: internal error: ${oneLine(err)}\n`);
    return INTERNAL_ERROR;
  }
}

function runDirectly(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    const real = realpathSync(entry);
    const here = fileURLToPath(import.meta.url);
    const bin = fileURLToPath(new URL('../../bin/proxyproof.js', import.meta.url));
    return real === realpathSync(here) || real === realpathSync(bin);
  } catch {
    return false;
  }
}

if (runDirectly()) {
  const fatal = (err: unknown) => {
    process.stderr.write(`proxyproof: internal error: ${oneLine(err)}\n`);
    process.exit(INTERNAL_ERROR);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
  // Flush both streams, then leave even if a stray handle is still open.
  await new Promise<void>((r) => process.stdout.write('', () => r()));
  await new Promise<void>((r) => process.stderr.write('', () => r()));
  process.exit(code);
}
