// The mock upstreams of a load run, in a child process: the mocks' work
// (spec validation, response bodies) must not share the engine's event loop,
// or it shows as scheduling lag and caps the generator. The parent drives the
// child's fault programs over IPC (stall, a failing share, journaling).

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { UpstreamSpec } from '../model/suite.ts';
import type { LoadSpecOptions } from '../spec/load-spec.ts';
import type { FaultProgram, Endpoint } from '../model/upstream.ts';

type Msg =
  | { type: 'stall'; ms: number }
  | { type: 'share'; share: number; program: FaultProgram }
  | { type: 'record'; on: boolean }
  | { type: 'clear' }
  | { type: 'stop' };

export interface MockProcess extends AsyncDisposable {
  endpoints: Record<string, Record<string, Endpoint[]>>;
  /** upstream -> operationIds it serves. */
  operations: Record<string, string[]>;
  pid: number;
  stall(ms: number): Promise<void>;
  setShare(share: number, program: FaultProgram): Promise<void>;
  setRecording(on: boolean): Promise<void>;
  /** Clear faults and the journal. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

const CHILD_FLAG = '--proxyproof-mock-child';

/** Mocks for the spec's operations, one server per upstream x version x replica, in a child process. */
export async function startMockProcess(specFile: string, upstreams: UpstreamSpec[], seed: number, specOptions: LoadSpecOptions = {}): Promise<MockProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, specFile, JSON.stringify(upstreams), String(seed), JSON.stringify(specOptions)], {
    // From the sources (a checkout) the child needs tsx's loader; the installed package runs compiled JS.
    execArgv: import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const ready = await new Promise<{ endpoints: MockProcess['endpoints']; operations: MockProcess['operations'] }>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`mock process exited (${code}) before it was ready: ${stderr.trim()}`));
    child.once('exit', onExit);
    child.once('message', (m: { type: string; endpoints?: MockProcess['endpoints']; operations?: MockProcess['operations']; error?: string }) => {
      child.off('exit', onExit);
      if (m.type === 'ready') resolve({ endpoints: m.endpoints!, operations: m.operations! });
      else reject(new Error(`mock process: ${m.error}`));
    });
  });
  let seq = 0;
  const call = (msg: Msg) =>
    new Promise<void>((resolve, reject) => {
      if (!child.connected) return reject(new Error('mock process is gone'));
      const id = ++seq;
      const onMsg = (m: { type: string; id?: number }) => {
        if (m.type === 'ack' && m.id === id) {
          child.off('message', onMsg);
          resolve();
        }
      };
      child.on('message', onMsg);
      child.send({ ...msg, id });
    });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      if (child.connected) child.send({ type: 'stop', id: 0 });
      else child.kill('SIGTERM');
    }));
  return {
    ...ready,
    pid: child.pid!,
    stall: (ms) => call({ type: 'stall', ms }),
    setShare: (share, program) => call({ type: 'share', share, program }),
    setRecording: (on) => call({ type: 'record', on }),
    clear: () => call({ type: 'clear' }),
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function childMain(specFile: string, upstreams: UpstreamSpec[], seed: number, specOptions: LoadSpecOptions): Promise<void> {
  const { loadSpec } = await import('../spec/load-spec.ts');
  const { startMockFleet } = await import('../upstream/mock-upstream.ts');
  try {
    const spec = await loadSpec(specFile, specOptions);
    const fleet = await startMockFleet(spec, upstreams, { seed, record: false });
    const operations = Object.fromEntries(upstreams.map((u) => [u.name, fleet.operationsOf(u.name).map((o) => o.id)]));
    process.on('message', async (m: Msg & { id: number }) => {
      if (m.type === 'stall') fleet.faults.stall(m.ms);
      else if (m.type === 'share') fleet.faults.setShare(m.share, m.program);
      else if (m.type === 'record') fleet.setRecording(m.on);
      else if (m.type === 'clear') {
        fleet.faults.clear();
        fleet.journal.clear();
      } else if (m.type === 'stop') {
        await fleet.close();
        process.exit(0);
      }
      process.send!({ type: 'ack', id: m.id });
    });
    process.on('disconnect', () => void fleet.close().then(() => process.exit(0)));
    process.send!({ type: 'ready', endpoints: fleet.endpoints, operations });
  } catch (err) {
    process.send!({ type: 'error', error: (err as Error).message });
    process.exit(1);
  }
}

if (process.argv[2] === CHILD_FLAG && process.send) void childMain(process.argv[3], JSON.parse(process.argv[4]) as UpstreamSpec[], Number(process.argv[5]), JSON.parse(process.argv[6] ?? '{}') as LoadSpecOptions);
