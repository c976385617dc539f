import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestDir, sweepTestDirs } from './test-dirs.ts';

describe('test folders of killed processes', () => {
  it('are swept; a live process keeps its own, and other folders are left alone', () => {
    const base = mkdtempSync(join(tmpdir(), 'pp-sweep-'));
    try {
      // A pid that has run and ended: a child that exited.
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
      const orphan = join(base, `proxyproof-test-${dead}-abc123`);
      mkdirSync(orphan);
      writeFileSync(join(orphan, 'jwt-keys.json'), '{}');
      const mine = join(base, `proxyproof-test-${process.pid}-def456`);
      mkdirSync(mine);
      const other = join(base, 'proxyproof-refs-xyz');
      mkdirSync(other);
      expect(sweepTestDirs(base)).toEqual([orphan]);
      expect([existsSync(orphan), existsSync(mine), existsSync(other)]).toEqual([false, true, true]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('are named for the process that made them', () => {
    const d = makeTestDir();
    try {
      expect(d).toMatch(new RegExp(`proxyproof-test-${process.pid}-\\w+$`));
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
