// A proxy's private folder: its config (API keys, JWT secrets), pid, logs and
// temp paths. Made 0700, recorded for the next run's sweep, and removed on
// every way out: normal return, failure, SIGINT and SIGTERM (a disposer: the
// signal handler exits before any finally block would run).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerDisposer } from './cleanup.ts';
import { runRecord } from './run-record.ts';

export interface Workdir extends AsyncDisposable {
  path: string;
}

export async function createWorkdir(label: string): Promise<Workdir> {
  // mkdtemp makes the folder 0700.
  const path = await mkdtemp(join(tmpdir(), `proxyproof-${label}-`));
  const unrecord = runRecord().addWorkdir(path);
  let removing: Promise<void> | undefined;
  const remove = () =>
    (removing ??= rm(path, { recursive: true, force: true }).finally(() => {
      unregister();
      unrecord();
    }));
  const unregister = registerDisposer(remove);
  return { path, [Symbol.asyncDispose]: remove };
}
