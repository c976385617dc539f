// Test temp folders carry the pid of the test process that made them
// (proxyproof-test-<pid>-XXXXXX). A test removes its own when it ends, but a
// killed Vitest worker (a CI timeout, Ctrl-C twice, `timeout` on a test run)
// never reaches its teardown, and its folders can hold rendered configs, keys
// and proxy logs. Vitest's globalSetup sweeps the folders of dead processes
// before every run, as a proxyproof run sweeps what killed runs left.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'proxyproof-test-';

/** A fresh test folder under the OS temp folder, named for this process. */
export function makeTestDir(): string {
  return mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove the test folders of processes that no longer run; returns their paths. */
export function sweepTestDirs(dir = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (!m || alive(Number(m[1]))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(join(dir, name));
  }
  return removed;
}

/** Vitest globalSetup: sweep before the run. */
export default function setup(): void {
  sweepTestDirs();
}
