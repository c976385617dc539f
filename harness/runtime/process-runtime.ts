// Runs a proxy as a local process: writes its files into the workdir, checks
// the config with the proxy's own checker, starts it in its own process group
// and waits until it accepts connections on 127.0.0.1.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentError, InputError } from '../model/errors.ts';
import { getTarget } from '../targets/registry.ts';
import type { TargetDriver } from '../targets/target.ts';
import { writeConfigFiles } from './workdir-files.ts';
import type { RenderedConfig } from '../model/target.ts';
import { registerDisposer, registerProcessGroup } from './cleanup.ts';
import { portIsFree } from './ports.ts';
import type { ProxyRuntime, StartedProxy, StartOptions } from '../model/runtime.ts';
import { readinessWait } from './wait.ts';

const STOP_GRACE_MS = 3000;
const CHECK_TIMEOUT_MS = 20_000;
const MAX_LOG_CHARS = 1_000_000;
/**
 * The proxy's stdout and stderr go to this file in the workdir, not to a pipe
 * into this process: under load a proxy logging every request would otherwise
 * make the harness (and the load engine beside it) read and copy every line.
 */
const OUTPUT_FILE = 'proxy.out';

/** The last `max` bytes of a file ('' when it is missing). */
function tail(file: string, max: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, max);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const text = buf.toString('utf8');
    // Cut to a whole line when the file was longer than what is kept.
    return size > max ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    closeSync(fd);
  }
}

function driverOf(config: RenderedConfig): TargetDriver {
  const driver = getTarget(config.target);
  if (!driver) throw new Error(`internal: no target named ${config.target}`);
  return driver;
}

function missingBinary(config: RenderedConfig, bin: string): EnvironmentError {
  return new EnvironmentError(`${bin} is not installed or not on PATH (needed by target ${config.target})`, driverOf(config).process.installHint);
}

/**
 * The config check's complaint as an InputError: in the user's file (not the
 * temp copy) at the line the proxy named, or, for a rendered config, at the
 * suite and the target that rendered it.
 */
export function configCheckError(config: RenderedConfig, workdir: string, output: string, checker: string): InputError {
  const parsed = driverOf(config).parseCheckOutput(output);
  const mainFile = path.resolve(workdir, config.mainFile);
  const inMain = parsed.file === undefined || path.resolve(parsed.file) === mainFile;
  const at = parsed.line ? `line ${parsed.line}` : undefined;
  if (inMain && config.sourceFile) return new InputError(config.sourceFile, at, `${checker} rejects the config: ${parsed.message}`);
  if (inMain && config.origin) return new InputError(config.origin.file, config.origin.place, `${checker} rejects the rendered config${at ? ` at its ${at}` : ''}: ${parsed.message}`);
  return new InputError(parsed.file ?? mainFile, at, `${checker} rejects the config: ${parsed.message}`);
}

/** Run the proxy's own config check (nginx -t, haproxy -c) on files already in the workdir. */
export function checkConfig(config: RenderedConfig, workdir: string): void {
  const { bin, args } = config.checkCommand;
  const res = spawnSync(bin, args, { cwd: workdir, encoding: 'utf8', timeout: CHECK_TIMEOUT_MS });
  if (res.error) {
    if ((res.error as NodeJS.ErrnoException).code === 'ENOENT') throw missingBinary(config, bin);
    throw new EnvironmentError(`could not run ${bin} to check the config: ${res.error.message}`);
  }
  if (res.status !== 0) throw configCheckError(config, workdir, `${res.stderr ?? ''}\n${res.stdout ?? ''}`, bin);
}

function readLogFiles(workdir: string): string {
  if (!existsSync(workdir)) return '';
  let out = '';
  for (const name of readdirSync(workdir).sort()) {
    if (!name.endsWith('.log')) continue;
    try {
      const text = tail(path.join(workdir, name), MAX_LOG_CHARS);
      if (text) out += `--- ${name}\n${text}`;
    } catch {
      // unreadable: skip
    }
  }
  return out;
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? 'no output';
}

/** True while a non-zombie process of the group lives (zombies may wait for a reaper that never comes). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!existsSync('/proc/self/stat')) return true;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...; comm may contain spaces, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
    } catch {
      // process went away while reading
    }
  }
  return false;
}

class ProcessProxy implements StartedProxy {
  readonly runtime = 'process' as const;
  readonly baseUrl: string;
  /** Process id of the proxy, also its process group id. */
  readonly pid: number | undefined;
  private exitInfo: string | undefined;
  private exitPromise: Promise<void>;
  private stopping: Promise<void> | undefined;
  private unregister: Array<() => void> = [];

  constructor(
    readonly target: string,
    private readonly child: ChildProcess,
    private readonly workdir: string,
    options: StartOptions,
  ) {
    this.baseUrl = `http://${options.listen.host}:${options.listen.port}`;
    this.pid = child.pid;
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = signal ? `process killed by ${signal}` : `process exited with code ${code}`;
        resolve();
      });
      child.once('error', (err) => {
        this.exitInfo = `process failed: ${err.message}`;
        resolve();
      });
    });
    if (child.pid) this.unregister.push(registerProcessGroup(child.pid));
    this.unregister.push(registerDisposer(() => this.stop()));
  }

  exited(): string | undefined {
    if (this.exitInfo === undefined) return undefined;
    return `${this.exitInfo}: ${lastLine(this.logs())}`;
  }

  logs(): string {
    const output = tail(path.join(this.workdir, OUTPUT_FILE), MAX_LOG_CHARS);
    const files = readLogFiles(this.workdir);
    return files ? `${output}${output.endsWith('\n') || !output ? '' : '\n'}${files}` : output;
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const pid = this.child.pid;
    if (pid !== undefined) {
      const signal = (sig: NodeJS.Signals) => {
        try {
          process.kill(-pid, sig);
        } catch {
          // group gone
        }
      };
      signal('SIGTERM');
      const graceful = await Promise.race([this.exitPromise.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!graceful) signal('SIGKILL');
      await this.exitPromise;
      // Workers may outlive the master by a moment; bounded wait, then SIGKILL.
      for (let i = 0; i < 40 && groupAlive(pid); i++) {
        if (i === 20) signal('SIGKILL');
        await sleep(50);
      }
      if (groupAlive(pid)) signal('SIGKILL');
    }
    for (const u of this.unregister) u();
    this.unregister = [];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export const processRuntime: ProxyRuntime = {
  name: 'process',
  async start(config: RenderedConfig, options: StartOptions): Promise<StartedProxy> {
    const { workdir, listen } = options;
    if (listen.host !== '127.0.0.1') {
      throw new InputError('listen', undefined, `proxies listen on 127.0.0.1 only, not ${listen.host}`);
    }
    writeConfigFiles(config, workdir);
    checkConfig(config, workdir);
    if (!(await portIsFree(listen.port, listen.host))) {
      throw new EnvironmentError(
        `port ${listen.host}:${listen.port} is already in use; ${config.target} cannot listen there`,
        'stop whatever listens there or let proxyproof pick a free port',
      );
    }
    const { bin, args } = config.command;
    const out = openSync(path.join(workdir, OUTPUT_FILE), 'a');
    let child: ChildProcess;
    try {
      child = spawn(bin, args, { cwd: workdir, detached: true, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out); // the child holds its own copy
    }
    const spawnError = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (err) => resolve(err));
    });
    if (spawnError) {
      if (spawnError.code === 'ENOENT') throw missingBinary(config, bin);
      throw new EnvironmentError(`could not start ${bin}: ${spawnError.message}`);
    }
    const proxy = new ProcessProxy(config.target, child, workdir, options);
    try {
      const { wait, port } = readinessWait(driverOf(config).readiness, { listen, statusPort: options.statusPort, workdir });
      await wait.waitUntilReady({ host: listen.host, port, name: config.target, exited: () => proxy.exited() }, options.readyTimeoutMs ?? 10_000);
    } catch (err) {
      const logs = proxy.logs();
      await proxy.stop();
      if (/address already in use|cannot bind socket/i.test(logs)) {
        throw new EnvironmentError(
          `port ${listen.host}:${listen.port} is already in use; ${config.target} cannot listen there`,
          'stop whatever listens there or let proxyproof pick a free port',
        );
      }
      throw new EnvironmentError((err as Error).message);
    }
    return proxy;
  },
};
