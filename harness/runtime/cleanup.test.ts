import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { it } from '../testing/fixtures.ts';
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

  it.for([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('on %s runs disposers, kills registered groups and exits %i', async ([signal, code], { tmp: dir }) => {
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
    await sleep(100);
    expect(alive(pid)).toBe(false);
  });
});
