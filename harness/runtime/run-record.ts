// What a run started, on disk, so that the next run can clean up after a run
// that was killed with -9 (no signal handler runs then): each run writes a
// record under the state folder naming its own pid and start time, the
// process groups of the proxies it started (with their leaders' start times)
// and its workdirs. A run first sweeps the records of runs that are gone:
// it kills their proxies' groups and removes their workdirs. Processes are
// identified by pid and /proc start time, never by name, so a reused pid is
// left alone.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export interface RecordedProcess {
  pgid: number;
  /** The leader's start time (clock ticks since boot, /proc/<pid>/stat field 22). */
  start: string;
}

export interface RunRecordData {
  pid: number;
  start: string;
  processes: RecordedProcess[];
  workdirs: string[];
}

/** Where records live: $PROXYPROOF_STATE_DIR, else $XDG_STATE_HOME/proxyproof, else ~/.local/state/proxyproof. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PROXYPROOF_STATE_DIR) return env.PROXYPROOF_STATE_DIR;
  return path.join(env.XDG_STATE_HOME || path.join(homedir(), '.local', 'state'), 'proxyproof', 'runs');
}

/** A process's start time from /proc, or undefined when it is gone (or /proc is not there). */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ...: comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** The pids of live processes in a process group. */
function groupMembers(pgid: number): number[] {
  if (!existsSync('/proc')) return [];
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(name));
    } catch {
      // gone while read
    }
  }
  return out;
}

class RunRecord {
  private readonly file: string;
  private readonly data: RunRecordData;

  constructor(dir: string) {
    this.file = path.join(dir, `${process.pid}.json`);
    this.data = { pid: process.pid, start: startTimeOf(process.pid) ?? '', processes: [], workdirs: [] };
  }

  private save(): void {
    if (!this.data.processes.length && !this.data.workdirs.length) {
      rmSync(this.file, { force: true });
      return;
    }
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.data), { mode: 0o600 });
    // rename is atomic: a sweep never reads half a record.
    renameSync(`${this.file}.tmp`, this.file);
  }

  addProcess(pgid: number): () => void {
    const entry = { pgid, start: startTimeOf(pgid) ?? '' };
    this.data.processes.push(entry);
    this.save();
    return () => {
      this.data.processes = this.data.processes.filter((p) => p !== entry);
      this.save();
    };
  }

  addWorkdir(dir: string): () => void {
    this.data.workdirs.push(dir);
    this.save();
    return () => {
      this.data.workdirs = this.data.workdirs.filter((d) => d !== dir);
      this.save();
    };
  }
}

let current: RunRecord | undefined;

/** This process's record (one per process, created on first use). */
export function runRecord(): RunRecord {
  current ??= new RunRecord(stateDir());
  return current;
}

/** A run is gone when its pid is dead or now belongs to another process (a different start time). */
function runGone(r: RunRecordData): boolean {
  const start = startTimeOf(r.pid);
  return start === undefined || (r.start !== '' && start !== r.start);
}

/**
 * Clean up after runs that are gone: SIGKILL each recorded process group whose
 * leader is still the process that was recorded, remove recorded workdirs,
 * delete the record. Returns what was done, for the run's log.
 */
export function sweepStaleRuns(dir: string = stateDir()): { killed: number[]; removed: string[] } {
  const killed: number[] = [];
  const removed: string[] = [];
  if (!existsSync(dir)) return { killed, removed };
  for (const name of readdirSync(dir).filter((f) => /^\d+\.json$/.test(f))) {
    const file = path.join(dir, name);
    let r: RunRecordData;
    try {
      r = JSON.parse(readFileSync(file, 'utf8')) as RunRecordData;
    } catch {
      rmSync(file, { force: true }); // a record cut short by the kill: nothing to trust in it
      continue;
    }
    if (!runGone(r)) continue;
    for (const p of r.processes) {
      if (startTimeOf(p.pgid) !== p.start || !groupMembers(p.pgid).length) continue;
      try {
        process.kill(-p.pgid, 'SIGKILL');
        killed.push(p.pgid);
      } catch {
        // gone meanwhile
      }
    }
    for (const w of r.workdirs) {
      if (existsSync(w)) {
        rmSync(w, { recursive: true, force: true });
        removed.push(w);
      }
    }
    rmSync(file, { force: true });
  }
  return { killed, removed };
}
