// 500 malformed suites and specs, generated from a fixed seed
// (suites/fuzz/run-cases.ts), each through `proxyproof validate`: no internal
// error (exit 4), no stack trace, no hang, and every bad input is one line
// that names the file and the place. The cases run in a child process, so a
// hang shows as silence and the child is killed.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect } from 'vitest';
import { it } from '../harness/testing/fixtures.ts';

const SEED = 20261202;
const COUNT = 500;
/** Longest a single case may take before it counts as a hang. */
const HANG_MS = 20_000;

interface CaseResult {
  i: number;
  kind: 'suite' | 'spec';
  what: string;
  file: string;
  code: number;
  stderr: string;
  ms: number;
}

function runCases(dir: string): Promise<{ results: CaseResult[]; hung?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fuzz', 'run-cases.ts'), '--seed', String(SEED), '--count', String(COUNT), '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const results: CaseResult[] = [];
    let err = '';
    let hung: string | undefined;
    let timer = setTimeout(() => kill('before the first case'), HANG_MS * 2);
    function kill(where: string) {
      hung = `no answer for ${HANG_MS} ms ${where}`;
      child.kill('SIGKILL');
    }
    createInterface({ input: child.stdout }).on('line', (line) => {
      clearTimeout(timer);
      const r = JSON.parse(line) as CaseResult;
      results.push(r);
      timer = setTimeout(() => kill(`after case ${r.i}`), HANG_MS);
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0 && !hung) return reject(new Error(`the case runner exited ${code}: ${err.slice(-2000)}`));
      resolve({ results, hung });
    });
  });
}

describe('malformed inputs, fuzzed (seed 20261202)', () => {
  it(`${COUNT} suites and specs: exit 0 or 2, one line naming file and place, no stack, no hang`, { timeout: 600_000 }, async ({ tmp }) => {
    const { results, hung } = await runCases(tmp);
    expect(hung).toBeUndefined();
    expect(results).toHaveLength(COUNT);
    const bad = (r: CaseResult, why: string) => `case ${r.i} (${r.kind}: ${r.what}): ${why}: ${JSON.stringify(r.stderr).slice(0, 300)}`;
    const problems: string[] = [];
    for (const r of results) {
      if (r.code !== 0 && r.code !== 2) problems.push(bad(r, `exit ${r.code}`));
      if (/\n\s+at /.test(r.stderr)) problems.push(bad(r, 'a stack trace'));
      if (r.ms > HANG_MS) problems.push(bad(r, `took ${r.ms} ms`));
      if (r.code !== 2) continue;
      if (!r.stderr.endsWith('\n') || r.stderr.slice(0, -1).includes('\n')) problems.push(bad(r, 'not one line'));
      // The file is the suite, its spec, or a file they name; the place follows it: a line, a pointer or a setting.
      const caseDir = join(tmp, String(r.i));
      const m = /^(\/[^:]+):([^:]+): ./.exec(r.stderr);
      if (!m) problems.push(bad(r, 'no file and place'));
      else if (!m[1].startsWith(caseDir)) problems.push(bad(r, `names ${m[1]}, outside the case's files`));
    }
    expect(problems).toEqual([]);
    // Both kinds were exercised, and most mutations are caught.
    const byKind = (k: string) => results.filter((r) => r.kind === k);
    expect(byKind('suite').length).toBeGreaterThan(300);
    expect(byKind('spec').length).toBeGreaterThan(100);
    expect(results.filter((r) => r.code === 2).length).toBeGreaterThan(COUNT / 2);
  });
});
