import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { disposeAll, registerDisposer } from './cleanup.ts';
import { groupAlive } from './process-runtime.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

const alive = groupAlive;

describe('cleanup registry', () => {
  it('runs registered disposers; unregistered ones are skipped', async () => {
    const ran: string[] = [];
    registerDisposer(() => {
      ran.push('a');
    });
    const off = registerDisposer(() => {
      ran.push('b');
    });
    off();
    await disposeAll();
    expect(ran).toEqual(['a']);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('on %s runs disposers, kills registered groups and exits %i', async (signal, code) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pp-cleanup-'));
    try {
      const script = path.join(dir, 'child.ts');
      const marker = path.join(dir, 'disposed');
      writeFileSync(
        script,
        `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { registerDisposer, registerProcessGroup } from ${JSON.stringify(path.join(here, 'cleanup.ts'))};
const sleeper = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
registerProcessGroup(sleeper.pid!);
registerDisposer(async () => { writeFileSync(${JSON.stringify(marker)}, 'yes'); });
console.log(sleeper.pid);
setInterval(() => {}, 1000);
`,
      );
      const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'], cwd: path.resolve(here, '../..') });
      const pid = await new Promise<number>((resolve, reject) => {
        child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
        child.once('exit', () => reject(new Error('child exited early')));
      });
      expect(alive(pid)).toBe(true);
      child.kill(signal);
      const exitCode = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      expect(exitCode).toBe(code);
      expect(spawnSync('cat', [marker], { encoding: 'utf8' }).stdout).toBe('yes');
      await new Promise((r) => setTimeout(r, 100));
      expect(alive(pid)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
