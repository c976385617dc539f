// A process-wide registry of things to undo: on SIGINT/SIGTERM every disposer
// runs, then the process exits 130/143; on any exit, process groups still
// registered get SIGKILL synchronously so no proxy outlives the harness.

import { runRecord } from './run-record.ts';

type Disposer = () => void | Promise<void>;

const disposers = new Set<Disposer>();
const groups = new Set<number>();
let installed = false;
let exiting = false;

function killGroupsSync(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
}

async function runAll(): Promise<void> {
  const all = [...disposers].reverse();
  disposers.clear();
  await Promise.allSettled(all.map(async (d) => d()));
}

function onSignal(signal: NodeJS.Signals): void {
  if (exiting) return;
  exiting = true;
  const code = signal === 'SIGINT' ? 130 : 143;
  const hardStop = setTimeout(() => {
    killGroupsSync();
    process.exit(code);
  }, 10_000);
  hardStop.unref();
  void runAll().finally(() => {
    killGroupsSync();
    process.exit(code);
  });
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.on('exit', killGroupsSync);
}

/** Run `dispose` on SIGINT/SIGTERM; the returned function unregisters it. */
export function registerDisposer(dispose: Disposer): () => void {
  install();
  disposers.add(dispose);
  return () => {
    disposers.delete(dispose);
  };
}

/**
 * SIGKILL this process group (pgid = leader pid) if the harness exits while it
 * lives; recorded on disk too, so the next run kills it if this one is killed
 * with -9 (run-record.ts).
 */
export function registerProcessGroup(pgid: number): () => void {
  install();
  groups.add(pgid);
  const unrecord = runRecord().addProcess(pgid);
  return () => {
    groups.delete(pgid);
    unrecord();
  };
}

/** Run every registered disposer now (tests, orderly shutdown). */
export async function disposeAll(): Promise<void> {
  await runAll();
}
