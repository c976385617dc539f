// What is running, read from /proc (Linux), for tests that prove nothing is
// left behind. No pgrep: a missing tool must not turn into "nothing found",
// so a machine without /proc is an error, not an empty list.

import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  command: string;
}

/** Every live process whose command line contains `text` (this process excluded). */
export function processesMatching(text: string): ProcessInfo[] {
  if (!existsSync('/proc/self/cmdline')) throw new Error('processesMatching needs /proc (Linux): cannot tell what is running');
  const out: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      // Zombies have an empty cmdline and hold no socket: they are not left running.
      if (/^\S+\s+\S+\s+Z/.test(readFileSync(`/proc/${name}/stat`, 'utf8').replace(/\(.*\)/, 'x'))) continue;
    } catch {
      continue; // the process ended while it was read
    }
    if (cmdline.includes(text)) out.push({ pid: Number(name), command: cmdline });
  }
  return out;
}
