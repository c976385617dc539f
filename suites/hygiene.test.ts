// Nothing is left running after a pass, a failure, SIGINT or SIGTERM: no
// proxy process and no listening socket. Each run gets its own TMPDIR, so its
// proxies (whose workdirs live there) can be told apart from other tests'.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect } from 'vitest';
import { it } from '../harness/testing/fixtures.ts';
import { parse, stringify } from 'yaml';
import { processesMatching } from '../harness/testing/processes.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'proxyproof.js');

/** Processes started under the run's own TMPDIR (its proxies' workdirs are there). */
function processesUnder(dir: string): string[] {
  return processesMatching(dir).map((p) => p.command);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
}

interface Outcome { code: number | null; signal: NodeJS.Signals | null; ports: number[]; out: string; dir: string }

/**
 * The runs' own record of live runs: other test files' runs sweep the shared
 * one at their start, and would take what the SIGKILL test left before its next run looks.
 */
const stateDir = mkdtempSync(join(tmpdir(), 'pp-hygiene-state-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

/** Run the CLI; when `signal` is given, send it once both proxies are ready. */
function run(suite: string, signal?: NodeJS.Signals, ...more: string[]): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-hygiene-'));
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [cli, 'run', suite, '--report-dir', join(dir, 'reports'), '--seed', '3', ...more], {
      env: { ...process.env, TMPDIR: dir, PROXYPROOF_STATE_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const ports: number[] = [];
    let sent = false;
    const onData = (b: Buffer) => {
      out += b.toString();
      for (const m of out.matchAll(/ready at http:\/\/127\.0\.0\.1:(\d+)/g)) if (!ports.includes(+m[1])) ports.push(+m[1]);
      if (signal && !sent && ports.length >= 2) {
        sent = true;
        // Mid-run: the checks are under way against both proxies.
        setTimeout(() => child.kill(signal), 300);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => { child.kill('SIGKILL'); rej(new Error(`run did not end: ${out}`)); }, 90_000);
    child.on('exit', (code, sig) => { clearTimeout(timer); res({ code, signal: sig, ports, out, dir }); });
  });
}

/** Proxy workdirs (proxyproof-<target>-*) left in the run's TMPDIR. */
function workdirsIn(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('proxyproof-'));
}

async function expectClean(o: Outcome) {
  expect(processesUnder(o.dir)).toEqual([]);
  for (const p of o.ports) expect(await portOpen(p), `port ${p} still listening`).toBe(false);
  expect(workdirsIn(o.dir)).toEqual([]);
  rmSync(o.dir, { recursive: true, force: true });
}

function suiteWithMutant(dir: string): string {
  const doc = parse(readFileSync(join(root, 'suites', 'petstore.suite.yaml'), 'utf8'));
  doc.spec = join(root, 'openapi', 'petstore.yaml');
  doc.targets = { nginx: { config: join(root, 'fixtures', 'nginx', 'mutants', 'auth.conf') }, haproxy: { render: true } };
  doc.policies = { auth: doc.policies.auth };
  const f = join(dir, 'failing.suite.yaml');
  writeFileSync(f, stringify(doc));
  return f;
}

describe('nothing is left running', () => {
  const suite = join(root, 'suites', 'petstore.suite.yaml');

  it('after SIGINT mid-run', { timeout: 100_000 }, async () => {
    const o = await run(suite, 'SIGINT');
    expect(o.ports.length).toBe(2);
    expect(o.code).toBe(130);
    await expectClean(o);
  });

  it('after SIGTERM mid-run', { timeout: 100_000 }, async () => {
    const o = await run(suite, 'SIGTERM');
    expect(o.ports.length).toBe(2);
    expect(o.code).toBe(143);
    await expectClean(o);
  });

  it('after SIGKILL mid-run, once the next run has swept what it left', { timeout: 150_000 }, async () => {
    const killed = await run(suite, 'SIGKILL');
    expect(killed.ports.length).toBe(2);
    expect(killed.signal).toBe('SIGKILL');
    // Nothing ran to stop them: the proxies and their workdirs (keys, logs) are still there.
    expect(processesUnder(killed.dir).length, 'kill -9 leaves the proxies running').toBeGreaterThan(0);
    expect(workdirsIn(killed.dir).length).toBe(2);
    const next = await run(suite, undefined, '--target', 'haproxy', '--check', 'contract');
    expect(next.code, next.out).toBe(0);
    expect(next.out).toMatch(/swept what killed runs left: [1-9]\d* proxy process group\(s\), [1-9]\d* workdir\(s\)/);
    await expectClean(killed);
    await expectClean(next);
  });

  it('after a passing run', { timeout: 100_000 }, async () => {
    const o = await run(suite, undefined, '--target', 'haproxy');
    expect(o.code, o.out).toBe(0);
    expect(o.ports.length).toBe(1);
    await expectClean(o);
  });

  it('after a failing run', { timeout: 100_000 }, async ({ tmp }) => {
    const o = await run(suiteWithMutant(tmp));
    expect(o.code, o.out).toBe(1);
    expect(o.ports.length).toBe(2);
    await expectClean(o);
  });
});
