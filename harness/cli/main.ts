// The proxyproof command line. Every failure is one line on stderr, never a
// stack. Exit codes: 0 ok, 1 checks failed, 2 bad input (flags, suites,
// specs, configs), 3 environment (binary missing, port in use), 4 internal error.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EnvironmentError, ExitCode, InputError, oneLine } from '../model/errors.ts';
import { VERSION } from '../model/version.ts';
import { COMMANDS, UsageError, type Flags, type Io } from './commands.ts';

export type { Io, Output } from './commands.ts';

export { VERSION };
export const INTERNAL_ERROR = 4;

/** The help text; the check names come from the registry. */
export async function helpText(): Promise<string> {
  const { checkNames } = await import('../checks/registry.ts');
  return help(checkNames);
}

function help(checkNames: readonly string[]): string {
  return `proxyproof ${VERSION}: prove that API gateways enforce the policies you configured

Usage:
  proxyproof run <suite...> [--target name]... [--check name]... [--report-dir dir] [--seed N] [--runtime process|container] [--image ref] [--baseline report.json] [--strict]
      Run every check of the suites against their targets (proxies) and write
      report.json, junit.xml and index.html to --report-dir (default: reports).
      --target limits the run to the named targets (repeatable); --check to the
      named checks (repeatable: ${checkNames.join(', ')}).
      --seed N (0..4294967295) reproduces a previous run's requests.
      --runtime container runs each proxy as a container (Docker or Podman via
      DOCKER_HOST); --image overrides the image of every target.
      --baseline compares with a previous report.json: index.html shows what
      newly fails, what was fixed and load figures that moved beyond noise.
      --strict: see validate.
  proxyproof validate <suite...> [--target name]... [--strict]
      Check suites, specs and target configs without starting a proxy: each
      config is checked by the proxy itself (nginx -t, haproxy -c, kong config
      parse, envoy --mode validate) where its binary or image is here, else by
      proxyproof's schemas only; the output says which ran. Then, per suite,
      the routes and expectations a run checks and what importing
      policies.from did: imported, defaulted, not checked (and why), conflicts.
      --strict (or import: { strict: true } in the suite) makes any field the
      import leaves not checked an input error (exit 2), naming the resource.
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
  strict: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

type OptionName = keyof typeof OPTIONS;

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

const COMMAND_LIST = Object.keys(COMMANDS).join(', ');

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
  if (!command) throw new UsageError(`missing command (${COMMAND_LIST}; see proxyproof --help)`);
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!spec) throw new UsageError(`unknown command '${command}' (${COMMAND_LIST}; see proxyproof --help)`);
  for (const key of Object.keys(values) as OptionName[]) {
    if (values[key] !== undefined && key !== 'help' && key !== 'version' && !(spec.flags as readonly string[]).includes(key)) throw new UsageError(`${command} does not take --${key}`);
  }
  return spec.run(args, values as Flags, io);
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
