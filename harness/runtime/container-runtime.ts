// Runs a proxy as a container through testcontainers, against Docker or
// Podman's Docker-compatible socket (DOCKER_HOST; scripts/podman-setup.sh).
//  - host networking: the proxy binds {{listen}} on 127.0.0.1 and reaches the
//    mocks there; nothing else is published;
//  - the workdir is bind-mounted at the same path, so rendered configs work as is;
//  - the config check (nginx -t, haproxy -c, kong config parse, envoy --mode
//    validate) runs first in the same container (sh -c 'check && exec run'),
//    and its complaint, read by the target, becomes an InputError naming file and line;
//  - labels on everything (containers.ts) and a reaper of our own: containers
//    are removed on stop, on SIGINT/SIGTERM (cleanup.ts), and a run first
//    sweeps containers whose proxyproof.pid is no longer alive (a run killed
//    with -9). Ryuk is used too where testcontainers can run it;
//  - readiness as the target declares it (a listening port, or an HTTP
//    answer), with a timeout that says what it waited for; the container log
//    is kept for the report.

import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentError, InputError } from '../model/errors.ts';
import type { ProxyRuntime, StartedProxy, StartOptions } from '../model/runtime.ts';
import type { RenderedConfig } from '../model/target.ts';
import { getTarget } from '../targets/registry.ts';
import type { TargetDriver } from '../targets/target.ts';
import { shellQuote } from '../util/shell.ts';
import { registerDisposer } from './cleanup.ts';
import { LABEL_HOST, LABEL_PID, LABEL_RUN, LABEL_SUITE, LABEL_TARGET, removeContainer, stopContainer, wholeLog } from './containers.ts';
import type { Engine } from './engine.ts';
import { useEngine } from './engine.ts';
import { readinessWait } from './wait.ts';
import { writeConfigFiles } from './workdir-files.ts';
import { configCheckError } from './process-runtime.ts';
import { importOptional } from '../util/optional-dep.ts';

const MAX_LOG_CHARS = 1_000_000;
const CHECK_FAILED = 'PROXYPROOF_CONFIG_CHECK_FAILED';
/** Printed once the config check passed: `nginx -t` binds the listen port itself, so readiness waits for this first. */
const CHECK_PASSED = 'PROXYPROOF_CONFIG_CHECK_PASSED';

export interface ContainerRuntimeOptions {
  engine: Engine;
  runId: string;
  suite: string;
  /** The image for a target (already resolved and known present). */
  imageFor: (target: string) => string;
}

class ContainerProxy implements StartedProxy {
  readonly runtime = 'container' as const;
  readonly baseUrl: string;
  /** Milliseconds from asking the engine to start until ready. */
  readyMs = 0;
  private output = '';
  private ended: string | undefined;
  private stopping: Promise<void> | undefined;
  private unregister: () => void;

  constructor(
    readonly target: string,
    readonly image: string,
    readonly id: string,
    stream: Readable,
    options: StartOptions,
  ) {
    this.baseUrl = `http://${options.listen.host}:${options.listen.port}`;
    stream.on('data', (chunk: Buffer | string) => {
      this.output += chunk.toString();
      if (this.output.length > MAX_LOG_CHARS) this.output = this.output.slice(-MAX_LOG_CHARS);
    });
    stream.on('end', () => (this.ended ??= 'the container stopped'));
    stream.on('error', () => (this.ended ??= 'the container log ended'));
    this.unregister = registerDisposer(() => this.stop());
  }

  exited(): string | undefined {
    if (this.ended === undefined) return undefined;
    const last = this.output.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? 'no output';
    return `${this.ended}: ${last}`;
  }

  logs(): string {
    return this.output;
  }

  /**
   * Stop the container and read its whole log from the engine (the follow
   * stream may lag a moment behind): called once the checks are done.
   */
  async flushLogs(): Promise<void> {
    try {
      await stopContainer(this.id);
      const full = await wholeLog(this.id);
      if (full.length >= this.output.length) this.output = full.slice(-MAX_LOG_CHARS);
    } catch {
      // keep what the stream gave
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    try {
      await removeContainer(this.id);
    } finally {
      this.unregister();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** sh -c: the config check, a marker for its verdict, then exec the proxy. */
function script(config: RenderedConfig): string {
  const check = [config.checkCommand.bin, ...config.checkCommand.args].map(shellQuote).join(' ');
  const run = [config.command.bin, ...config.command.args].map(shellQuote).join(' ');
  return `${check} 2>&1 || { echo ${CHECK_FAILED}; exit 97; }; echo ${CHECK_PASSED}; exec ${run}`;
}

async function startContainer(opts: ContainerRuntimeOptions, config: RenderedConfig, options: StartOptions, image: string) {
  const { GenericContainer } = await importOptional('testcontainers', () => import('testcontainers'));
  const labels = { [LABEL_RUN]: opts.runId, [LABEL_SUITE]: opts.suite, [LABEL_TARGET]: config.target, [LABEL_PID]: String(process.pid), [LABEL_HOST]: hostname() };
  return new GenericContainer(image)
    .withNetworkMode('host')
    .withLabels(labels)
    .withBindMounts([{ source: options.workdir, target: options.workdir, mode: 'rw' }])
    // The workdir is private (0700, it holds keys): the container runs as its owner, so the proxy can
    // read its config there, and Kong can create its prefix in it (its image's own user could not).
    .withUser(`${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`)
    .withWorkingDir(options.workdir)
    .withEntrypoint(['/bin/sh', '-c'])
    .withCommand([script(config)])
    .withStartupTimeout(options.readyTimeoutMs ?? 30_000)
    .start();
}

/** Wait for the config check's verdict in the log, then for readiness as the target declares it. */
async function waitReady(proxy: ContainerProxy, driver: TargetDriver, config: RenderedConfig, options: StartOptions): Promise<void> {
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  while (!proxy.logs().includes(CHECK_PASSED)) {
    if (proxy.logs().includes(CHECK_FAILED) || proxy.exited() !== undefined) throw new Error(`${config.target} (container ${proxy.image}): the config check did not pass (${proxy.exited() ?? 'check failed'})`);
    if (Date.now() > deadline) throw new Error(`${config.target} (container ${proxy.image}): waited ${timeoutMs} ms for the config check (${config.checkCommand.bin}) to finish`);
    await sleep(20);
  }
  const { wait, port } = readinessWait(driver.readiness, { listen: options.listen, statusPort: options.statusPort, workdir: options.workdir });
  await wait.waitUntilReady({ host: options.listen.host, port, name: `${config.target} (container ${proxy.image})`, exited: () => proxy.exited() }, timeoutMs);
}

/** A start that failed: a config error (the check's complaint, as the target reads it) or the environment. */
/** A start that failed: a config error (the check's complaint, as the target reads it) or the environment. */
function startError(err: unknown, logs: string, config: RenderedConfig, options: StartOptions, image: string): Error {
  if (logs.includes(CHECK_FAILED)) return configCheckError(config, options.workdir, logs.replace(CHECK_FAILED, ''), `${config.checkCommand.bin} (in ${image})`);
  return new EnvironmentError(`${(err as Error).message}; container log: ${logs.split('\n').filter(Boolean).slice(-3).join(' | ') || 'empty'}`);
}

export function createContainerRuntime(opts: ContainerRuntimeOptions): ProxyRuntime {
  useEngine(opts.engine);
  return {
    name: 'container',
    async start(config: RenderedConfig, options: StartOptions): Promise<StartedProxy> {
      if (options.listen.host !== '127.0.0.1') throw new InputError('listen', undefined, `proxies listen on 127.0.0.1 only, not ${options.listen.host}`);
      const driver = getTarget(config.target);
      if (!driver) throw new Error(`internal: no target named ${config.target}`);
      writeConfigFiles(config, options.workdir);
      const image = opts.imageFor(config.target);
      const t0 = Date.now();
      const container = await startContainer(opts, config, options, image);
      const proxy = new ContainerProxy(config.target, image, container.getId(), await container.logs(), options);
      try {
        await waitReady(proxy, driver, config, options);
      } catch (err) {
        // Let the log catch up, then tell a config error from an environment one.
        await sleep(200);
        const logs = proxy.logs();
        await proxy.stop();
        throw startError(err, logs, config, options, image);
      }
      proxy.readyMs = Date.now() - t0;
      return proxy;
    },
  };
}
