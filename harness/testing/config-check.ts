// Test helper: write a rendered config's files into a folder and run the
// proxy's own config check on them (nginx -t, haproxy -c).

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RenderedConfig } from '../model/target.ts';

export function checkRendered(config: RenderedConfig, wd: string): { status: number | null; output: string } {
  for (const [rel, content] of Object.entries(config.files)) {
    mkdirSync(path.dirname(path.join(wd, rel)), { recursive: true });
    writeFileSync(path.join(wd, rel), content);
  }
  const res = spawnSync(config.checkCommand.bin, config.checkCommand.args, { encoding: 'utf8', cwd: wd });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}
