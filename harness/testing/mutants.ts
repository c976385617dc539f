// Mutant configs: each breaks one policy, and says so on its first line,
// with the failure code its check must report:
//   # mutant: <check> — <what is broken> [<check>.<code>]

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Mutant {
  target: string;
  file: string;
  check: string;
  why: string;
  /** The failure code the check must report on it. */
  code: string;
}

const HEADER = /^#\s*mutant:\s*(\w+)\s+—\s+(.+?)\s+\[(\w+\.\w+)\]$/;

/** The mutants of each target under fixtures/<target>/<folder>; a malformed first line is an error. */
export function mutantsIn(root: string, targets: readonly string[], folder: string): Mutant[] {
  const out: Mutant[] = [];
  for (const target of targets) {
    const dir = join(root, 'fixtures', target, folder);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      const first = readFileSync(join(dir, f), 'utf8').split('\n')[0];
      const m = HEADER.exec(first);
      if (!m) throw new Error(`${target}/${folder}/${f}: first line must be "# mutant: <check> — <what is broken> [<check>.<code>]"`);
      if (!m[3].startsWith(`${m[1]}.`)) throw new Error(`${target}/${folder}/${f}: code ${m[3]} is not one of check ${m[1]}`);
      out.push({ target, file: join(dir, f), check: m[1], why: m[2], code: m[3] });
    }
  }
  return out;
}
