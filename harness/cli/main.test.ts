import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EnvironmentError, InputError } from '../model/errors.ts';

const runSuites = vi.fn();
const validateSuites = vi.fn();
const renderSuite = vi.fn();
const requireFullyCheckedFiles = vi.fn();
const startStandaloneMock = vi.fn();
const writeReports = vi.fn();
vi.mock('../run/run-suite.ts', () => ({ runSuites }));
vi.mock('../run/validate.ts', () => ({ validateSuites, renderSuite, requireFullyCheckedFiles }));
vi.mock('../report/write-reports.ts', () => ({ writeReports }));
vi.mock('../upstream/mock-upstream.ts', () => ({ startStandaloneMock }));

const { main, helpText, VERSION } = await import('./main.ts');
const HELP = await helpText();

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, untilStopped: async () => {} });
  return { code, out, err };
}

function oneLineError(err: string): string {
  expect(err.endsWith('\n')).toBe(true);
  expect(err.slice(0, -1)).not.toContain('\n');
  expect(err).not.toMatch(/\n\s+at /);
  return err.slice(0, -1);
}

const summary = { passed: 3, failed: 0, skipped: 1, notSupported: 1 };

beforeEach(() => {
  vi.resetAllMocks();
});

describe('usage errors: exit 2, one line', () => {
  const cases: Array<[string[], string]> = [
    [['run', 'a.yaml', '--bogus'], 'proxyproof: unknown option --bogus (see proxyproof --help)'],
    [['-x'], 'proxyproof: unknown option -x (see proxyproof --help)'],
    [['run'], 'proxyproof: run needs at least one suite file'],
    [['validate'], 'proxyproof: validate needs at least one suite file'],
    [['render', '--target', 'nginx'], 'proxyproof: render needs a suite file'],
    [['render', 's.yaml'], 'proxyproof: render needs exactly one --target name'],
    [['mock', 'spec.yaml'], 'proxyproof: mock needs --port N'],
    [['run', 'a.yaml', '--seed', 'abc'], "proxyproof: --seed must be an integer from 0 to 4294967295, got 'abc'"],
    [['run', 'a.yaml', '--seed', '1.5'], "proxyproof: --seed must be an integer from 0 to 4294967295, got '1.5'"],
    [['run', 'a.yaml', '--seed', '4294967296'], "proxyproof: --seed must be an integer from 0 to 4294967295, got '4294967296'"],
    [['run', 'a.yaml', '--seed', '-1'], 'proxyproof: option --seed needs a value'],
    [['run', 'a.yaml', '--seed'], 'proxyproof: option --seed needs a value'],
    [['mock', 's.yaml', '--port', '65536'], "proxyproof: --port must be an integer from 0 to 65535, got '65536'"],
    [['run', 'a.yaml', '--runtime', 'vm'], "proxyproof: --runtime must be process or container, got 'vm'"],
    [['run', 'a.yaml', '--image', 'kong:3.9'], 'proxyproof: --image needs --runtime container'],
    [['doctor', 'x'], 'proxyproof: doctor takes no arguments'],
    [['validate', 'a.yaml', '--seed', '3'], 'proxyproof: validate does not take --seed'],
    [['render', 'a.yaml', '--target', 'nginx', '--strict'], 'proxyproof: render does not take --strict'],
    [['validate', 'a.yaml', '--strict=yes'], 'proxyproof: option --strict takes no value'],
    [['deploy', 'a.yaml'], "proxyproof: unknown command 'deploy' (run, validate, render, mock, load, k6, doctor; see proxyproof --help)"],
    [[], 'proxyproof: missing command (run, validate, render, mock, load, k6, doctor; see proxyproof --help)'],
    [['--help=yes'], 'proxyproof: option --help takes no value'],
  ];
  for (const [argv, line] of cases) {
    it(argv.join(' ') || '(nothing)', async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(oneLineError(r.err)).toBe(line);
    });
  }
  it('never reaches a command body', () => {
    expect(runSuites).not.toHaveBeenCalled();
    expect(validateSuites).not.toHaveBeenCalled();
  });
});

describe('help and version', () => {
  it('--help: usage on stdout, exit 0', async () => {
    for (const argv of [['--help'], ['-h'], ['run', '--help']]) {
      const r = await cli(...argv);
      expect(r).toEqual({ code: 0, out: HELP, err: '' });
    }
    expect(HELP).toContain('4  internal error');
  });
  it('--version', async () => {
    expect(await cli('--version')).toEqual({ code: 0, out: `${VERSION}\n`, err: '' });
  });
});

describe('commands and exit codes', () => {
  it('run passes its options on and returns the run exit code', async () => {
    runSuites.mockImplementation(async (opts: { log: (l: string) => void }) => {
      opts.log('progress');
      return { report: { summary, seed: 5 }, exitCode: 0, secrets: ['k'] };
    });
    const r = await cli('run', 'a.yaml', 'b.yaml', '--target', 'nginx', '--target', 'haproxy', '--seed', '5', '--report-dir', 'out');
    expect(r.code).toBe(0);
    expect(runSuites).toHaveBeenCalledWith(expect.objectContaining({ suites: ['a.yaml', 'b.yaml'], targets: ['nginx', 'haproxy'], seed: 5, runtime: 'process' }));
    // The command writes the report the run returned, redacting the run's secrets.
    expect(writeReports).toHaveBeenCalledWith({ summary, seed: 5 }, 'out', ['k'], { baseline: undefined });
    expect(r.out).toBe('progress\n3 passed, 0 failed, 1 skipped, 1 not supported; seed 5; reports in out\n');
  });

  it('run defaults: reports/, random seed left to the runner', async () => {
    runSuites.mockResolvedValue({ report: { summary, seed: 1 }, exitCode: 0, secrets: [] });
    await cli('run', 'a.yaml');
    expect(runSuites).toHaveBeenCalledWith(expect.objectContaining({ seed: undefined, targets: undefined }));
    expect(writeReports).toHaveBeenCalledWith({ summary, seed: 1 }, 'reports', [], { baseline: undefined });
  });

  it('failed checks: exit 1', async () => {
    runSuites.mockResolvedValue({ report: { summary: { ...summary, failed: 2 }, seed: 1 }, exitCode: 1, secrets: [] });
    expect((await cli('run', 'a.yaml')).code).toBe(1);
  });

  it('InputError: its own line, exit 2', async () => {
    validateSuites.mockRejectedValue(new InputError('s.yaml', 'line 3', 'policies.retry.attempts must be integer'));
    const r = await cli('validate', 's.yaml');
    expect(r.code).toBe(2);
    expect(oneLineError(r.err)).toBe('s.yaml:line 3: policies.retry.attempts must be integer');
  });

  it('EnvironmentError: exit 3', async () => {
    runSuites.mockRejectedValue(new EnvironmentError('nginx: nginx not found on PATH', 'apt-get install nginx'));
    const r = await cli('run', 's.yaml');
    expect(r.code).toBe(3);
    expect(oneLineError(r.err)).toBe('proxyproof: nginx: nginx not found on PATH (apt-get install nginx)');
  });

  it('anything else: one line, no stack, exit 4', async () => {
    renderSuite.mockRejectedValue(new TypeError('boom\n  at somewhere (x.ts:1:1)'));
    const r = await cli('render', 's.yaml', '--target', 'nginx');
    expect(r.code).toBe(4);
    expect(oneLineError(r.err)).toBe('proxyproof: internal error: boom at somewhere (x.ts:1:1)');
  });

  it('--strict reaches validate; run checks the imports first and stops there on an InputError, writing nothing', async () => {
    validateSuites.mockResolvedValue(['a: ok']);
    await cli('validate', 'a.yaml', '--strict');
    expect(validateSuites).toHaveBeenCalledWith(['a.yaml'], undefined, { strict: true });
    await cli('validate', 'a.yaml');
    expect(validateSuites).toHaveBeenLastCalledWith(['a.yaml'], undefined, { strict: false });
    requireFullyCheckedFiles.mockRejectedValue(new InputError('a.yaml', 'policies.from', '--strict: not checked: VirtualService/r: http[1]: mirror has no proxyproof check'));
    const r = await cli('run', 'a.yaml', '--strict');
    expect(r.code).toBe(2);
    expect(oneLineError(r.err)).toBe('a.yaml:policies.from: --strict: not checked: VirtualService/r: http[1]: mirror has no proxyproof check');
    expect(requireFullyCheckedFiles).toHaveBeenCalledWith(['a.yaml']);
    expect(runSuites).not.toHaveBeenCalled();
    expect(writeReports).not.toHaveBeenCalled();
    runSuites.mockResolvedValue({ report: { summary, seed: 1 }, exitCode: 0, secrets: [] });
    await cli('run', 'a.yaml');
    expect(requireFullyCheckedFiles).toHaveBeenCalledTimes(1);
  });

  it('validate prints its lines; render prints the config', async () => {
    validateSuites.mockResolvedValue(['a: ok', 'b: ok']);
    expect(await cli('validate', 'a', 'b')).toEqual({ code: 0, out: 'a: ok\nb: ok\n', err: '' });
    renderSuite.mockResolvedValue('global\n');
    expect(await cli('render', 's.yaml', '--target', 'haproxy')).toEqual({ code: 0, out: 'global\n', err: '' });
    expect(renderSuite).toHaveBeenCalledWith('s.yaml', 'haproxy');
  });

  it('mock starts, waits for the stop signal, closes', async () => {
    const close = vi.fn(async () => {});
    startStandaloneMock.mockResolvedValue({ close, endpoints: { mock: { v1: [{ host: '127.0.0.1', port: 4010 }] } }, control: { url: 'http://127.0.0.1:4011', token: 'tok' } });
    const r = await cli('mock', 'spec.yaml', '--port', '4010', '--seed', '3');
    expect(r.code).toBe(0);
    expect(startStandaloneMock).toHaveBeenCalledWith('spec.yaml', 4010, 3);
    expect(r.out).toContain('http://127.0.0.1:4010');
    // The admin API is on its own listener, behind the token, never on the data port.
    expect(r.out).toContain('admin API on http://127.0.0.1:4011/__proxyproof/ (journal, faults) with header: Authorization: Bearer tok');
    expect(close).toHaveBeenCalledOnce();
  });
});

describe('as a process (bin/proxyproof.js)', () => {
  it('runs main when executed: exit codes and one-line stderr', async () => {
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const bin = fileURLToPath(new URL('../../bin/proxyproof.js', import.meta.url));
    const bad = spawnSync(process.execPath, [bin, 'run', 'x.yaml', '--nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('proxyproof: unknown option --nope (see proxyproof --help)\n');
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toBe(HELP);
  });
});
