import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processesMatching } from './processes.ts';

describe('processesMatching', () => {
  it('finds a running process by its command line, and not once it ended', async () => {
    const marker = `pp-marker-${process.pid}-${Date.now()}`;
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', marker]);
    await new Promise((r) => sleeper.once('spawn', r));
    try {
      expect(processesMatching(marker).map((p) => p.pid)).toEqual([sleeper.pid]);
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
    }
    expect(processesMatching(marker)).toEqual([]);
  });
});
