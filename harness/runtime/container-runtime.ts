// Runs a proxy as a container through testcontainers, against Docker or
// Podman's Docker-compatible socket (DOCKER_HOST; scripts/podman-setup.sh).
//  - host networking: the proxy binds {{listen}} on 127.0.0.1 and reaches the
//    mocks there; nothing else is published;
//  - the workdir is bind-mounted at the same path, so rendered configs work as is;
//  - the config check (nginx -t, haproxy -c, kong config parse, envoy --mode
//    validate) runs first in the same container (sh -c 'check && exec run'),
//    and its complaint becomes an InputError naming file and line;
//  - labels on everything (proxyproof.run, .suite, .target, .pid, .host) and a
//    reaper of our own: containers are removed on stop, on SIGINT/SIGTERM
//    (cleanup.ts), and a run first sweeps containers whose proxyproof.pid is no
//    longer alive (a run killed with -9). Ryuk is used too where testcontainers
//    can run it (TESTCONTAINERS_RYUK_DISABLED unset);
//  - readiness per target (listening port; Kong: an HTTP answer), with a
//    timeout that says what it waited for; the container log is kept for the report.

import { existsSync } from 'node:fs';
import http from 'node:http';
import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import { EnvironmentError, InputError } from '../model/errors.ts';
import type { RenderedConfig } from '../model/target.ts';
import { registerDisposer } from './cleanup.ts';
import { parseCheckOutput } from './process-runtime.ts';
import type { ProxyRuntime, StartedProxy, StartOptions } from '../model/runtime.ts';
import { Wait, type WaitStrategy } from './wait.ts';
import { KONG_IMAGE } from '../targets/kong/render.ts';
import { ENVOY_IMAGE } from '../targets/envoy/render.ts';

export const LABEL_RUN = 'proxyproof.run';
export const LABEL_SUITE = 'proxyproof.suite';
export const LABEL_TARGET = 'proxyproof.target';
export const LABEL_PID = 'proxyproof.pid';
export const LABEL_HOST = 'proxyproof.host';

/** Pinned official images, the default per target. */
export const DEFAULT_IMAGES: Record<string, string> = {
  nginx: 'nginx:1.27',
  haproxy: 'haproxy:2.8',
  kong: KONG_IMAGE,
  envoy: ENVOY_IMAGE,
};
/** Images scripts/build-images.sh builds from Debian packages (no registry needed). */
export const LOCAL_IMAGES: Record<string, string> = {
  nginx: 'proxyproof/nginx:bookworm',
  haproxy: 'proxyproof/haproxy:bookworm',
};
/** How the skip message names an image family. */
export const IMAGE_FAMILY: Record<string, string> = { kong: 'kong:3.x', envoy: 'envoyproxy/envoy:v1.3x', nginx: 'nginx', haproxy: 'haproxy' };

const MAX_LOG_CHARS = 1_000_000;
const CHECK_FAILED = 'PROXYPROOF_CONFIG_CHECK_FAILED';
/** Printed once the config check passed: `nginx -t` binds the listen port itself, so readiness waits for this first. */
const CHECK_PASSED = 'PROXYPROOF_CONFIG_CHECK_PASSED';

// ---------------------------------------------------------------- engine

export interface Engine {
  /** unix socket path of the Docker-compatible API. */
  socket: string;
  source: string;
  /** e.g. "Podman Engine 4.3.1" or "Docker Engine 27.1". */
  name: string;
}

/** Sockets tried when DOCKER_HOST is unset, in order. */
export function candidateSockets(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Array<{ socket: string; source: string }> {
  const out: Array<{ socket: string; source: string }> = [];
  const dh = env.DOCKER_HOST;
  if (dh) {
    if (dh.startsWith('unix://')) out.push({ socket: dh.slice('unix://'.length), source: 'DOCKER_HOST' });
    return out;
  }
  out.push({ socket: '/var/run/docker.sock', source: 'the Docker socket' });
  out.push({ socket: '/run/podman/podman.sock', source: 'the rootful Podman socket' });
  if (env.XDG_RUNTIME_DIR) {
    out.push({ socket: `${env.XDG_RUNTIME_DIR}/podman/podman.sock`, source: 'the rootless Podman socket' });
    out.push({ socket: `${env.XDG_RUNTIME_DIR}/docker.sock`, source: 'the rootless Docker socket' });
  }
  out.push({ socket: `${cwd}/.podman/podman.sock`, source: 'scripts/podman-setup.sh' });
  return out;
}

function apiGet(socket: string, path: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: socket, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${socket} in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** The first engine that answers /_ping, or undefined with what was tried. */
export async function detectEngine(env: NodeJS.ProcessEnv = process.env): Promise<{ engine?: Engine; tried: string[] }> {
  const tried: string[] = [];
  for (const c of candidateSockets(env)) {
    if (!existsSync(c.socket)) {
      tried.push(`${c.socket} (${c.source}): no such socket`);
      continue;
    }
    try {
      const ping = await apiGet(c.socket, '/_ping');
      if (ping.status !== 200) {
        tried.push(`${c.socket} (${c.source}): /_ping answered ${ping.status}`);
        continue;
      }
      let name = 'container engine';
      try {
        const v = JSON.parse((await apiGet(c.socket, '/version')).body) as { Components?: Array<{ Name: string; Version: string }>; Version?: string };
        const comp = v.Components?.[0];
        name = comp ? `${comp.Name} ${comp.Version}` : `engine ${v.Version ?? '?'}`;
      } catch {
        // version is informative only
      }
      return { engine: { socket: c.socket, source: c.source, name }, tried };
    } catch (err) {
      tried.push(`${c.socket} (${c.source}): ${(err as Error).message}`);
    }
  }
  return { tried };
}

/** Is the image present locally (no pull)? */
export async function imagePresent(engine: Engine, image: string): Promise<boolean> {
  const res = await apiGet(engine.socket, `/images/${encodeURIComponent(image)}/json`);
  return res.status === 200;
}

/**
 * The image a target runs: the flag, else the suite's, else the pinned default
 * when present, else the local Debian-built one when present. `available`
 * false: nothing usable is present (these machines cannot pull).
 */
export async function resolveImage(engine: Engine, target: string, explicit?: string): Promise<{ image: string; available: boolean; tried: string[] }> {
  const tried: string[] = [];
  const candidates = explicit ? [explicit] : [DEFAULT_IMAGES[target], LOCAL_IMAGES[target]].filter((x): x is string => !!x);
  for (const image of candidates) {
    tried.push(image);
    if (await imagePresent(engine, image)) return { image, available: true, tried };
  }
  return { image: candidates[0] ?? `${target}:latest`, available: false, tried };
}

/** Point testcontainers at the engine found (it reads DOCKER_HOST). */
export function useEngine(engine: Engine): void {
  process.env.DOCKER_HOST = `unix://${engine.socket}`;
  // Podman answers the API but runs no Ryuk here; our own reaper covers it.
  if (/podman/i.test(engine.name) && process.env.TESTCONTAINERS_RYUK_DISABLED === undefined) process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
}

// ---------------------------------------------------------------- reaper

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Listed {
  Id: string;
  Labels?: Record<string, string>;
  State?: string;
  Names?: string[];
}

async function listOurs(engine: Engine): Promise<Listed[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [LABEL_RUN] }));
  const res = await apiGet(engine.socket, `/containers/json?all=true&filters=${filters}`);
  if (res.status !== 200) throw new EnvironmentError(`cannot list containers on ${engine.socket}: HTTP ${res.status}`);
  return JSON.parse(res.body) as Listed[];
}

function apiDelete(socket: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, path, method: 'DELETE', timeout: 20_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A container's whole log (stdout and stderr), demultiplexed from the Docker stream format. */
export function fetchLogs(engine: Engine, id: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: engine.socket, path: `/containers/${id}/logs?stdout=true&stderr=true`, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        // Frames: [stream, 0, 0, 0, size32be] payload; raw text when the engine sends no frames.
        let out = '';
        let i = 0;
        const framed = buf.length >= 8 && buf[0] <= 2 && buf[1] === 0 && buf[2] === 0 && buf[3] === 0;
        if (!framed) return resolve(buf.toString('utf8'));
        while (i + 8 <= buf.length) {
          const size = buf.readUInt32BE(i + 4);
          out += buf.subarray(i + 8, i + 8 + size).toString('utf8');
          i += 8 + size;
        }
        resolve(out);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Force-remove one container by id (the reaper's one tool). */
export async function removeContainer(engine: Engine, id: string): Promise<void> {
  const status = await apiDelete(engine.socket, `/containers/${id}?force=true&v=true`);
  if (status >= 300 && status !== 404) throw new Error(`removing ${id.slice(0, 12)}: HTTP ${status}`);
}

/**
 * Remove containers a killed earlier run left: labelled by proxyproof, started
 * on this host by a process that is gone. Returns their ids.
 */
export async function sweepStale(engine: Engine): Promise<string[]> {
  const host = hostname();
  const swept: string[] = [];
  for (const c of await listOurs(engine)) {
    const labels = c.Labels ?? {};
    const pid = Number(labels[LABEL_PID]);
    const sameHost = labels[LABEL_HOST] === host;
    if (sameHost && Number.isInteger(pid) && pid > 0 && pidAlive(pid)) continue;
    await removeContainer(engine, c.Id);
    swept.push(c.Id);
  }
  return swept;
}

/** Containers of one run (tests, and the reaper after a failure). */
export async function containersOfRun(engine: Engine, runId: string): Promise<Listed[]> {
  return (await listOurs(engine)).filter((c) => c.Labels?.[LABEL_RUN] === runId);
}

// ---------------------------------------------------------------- runtime

export interface ContainerRuntimeOptions {
  engine: Engine;
  runId: string;
  suite: string;
  /** The image for a target (already resolved and known present). */
  imageFor: (target: string) => string;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function readiness(target: string): WaitStrategy {
  // Kong opens its proxy port once the declarative config is loaded; a 404
  // "no Route matched" is an answer. Others: the listening port.
  return target === 'kong' ? Wait.forHttp('/__proxyproof_ready', () => true) : Wait.forListeningPort();
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
    private readonly engine: Engine,
    private readonly started: { stop: (o?: { timeout?: number; remove?: boolean }) => Promise<unknown> },
    stream: Readable,
    options: StartOptions,
  ) {
    this.baseUrl = `http://${options.listen.host}:${options.listen.port}`;
    stream.on('data', (chunk: Buffer | string) => {
      this.output += chunk.toString();
      if (this.output.length > MAX_LOG_CHARS) this.output = this.output.slice(-MAX_LOG_CHARS);
    });
    stream.on('end', () => {
      this.ended ??= 'the container stopped';
    });
    stream.on('error', () => {
      this.ended ??= 'the container log ended';
    });
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

  /** Read the whole log from the engine (the follow stream may lag a moment behind). */
  async flushLogs(): Promise<void> {
    try {
      const full = await fetchLogs(this.engine, this.id);
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
      await this.started.stop({ timeout: 3, remove: true });
    } catch {
      // fall through to the force remove
    }
    try {
      await removeContainer(this.engine, this.id);
    } catch {
      // gone already
    }
    this.unregister();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export function createContainerRuntime(opts: ContainerRuntimeOptions): ProxyRuntime {
  useEngine(opts.engine);
  return {
    name: 'container',
    async start(config: RenderedConfig, options: StartOptions): Promise<StartedProxy> {
      const { GenericContainer } = await import('testcontainers');
      const { workdir, listen } = options;
      if (listen.host !== '127.0.0.1') throw new InputError('listen', undefined, `proxies listen on 127.0.0.1 only, not ${listen.host}`);
      const { mkdirSync, writeFileSync, chmodSync } = await import('node:fs');
      const pathMod = await import('node:path');
      mkdirSync(workdir, { recursive: true });
      chmodSync(workdir, 0o755);
      for (const [rel, content] of Object.entries(config.files)) {
        const file = pathMod.resolve(workdir, rel);
        if (!file.startsWith(pathMod.resolve(workdir) + pathMod.sep)) throw new InputError(rel, undefined, `file escapes the workdir ${workdir}`);
        mkdirSync(pathMod.dirname(file), { recursive: true });
        writeFileSync(file, content, { mode: 0o644 });
      }
      const image = opts.imageFor(config.target);
      const check = [config.checkCommand.bin, ...config.checkCommand.args].map(shellQuote).join(' ');
      const run = [config.command.bin, ...config.command.args].map(shellQuote).join(' ');
      const script = `${check} 2>&1 || { echo ${CHECK_FAILED}; exit 97; }; echo ${CHECK_PASSED}; exec ${run}`;
      const t0 = Date.now();
      const container = await new GenericContainer(image)
        .withNetworkMode('host')
        .withLabels({
          [LABEL_RUN]: opts.runId,
          [LABEL_SUITE]: opts.suite,
          [LABEL_TARGET]: config.target,
          [LABEL_PID]: String(process.pid),
          [LABEL_HOST]: hostname(),
        })
        .withBindMounts([{ source: workdir, target: workdir, mode: 'rw' }])
        .withWorkingDir(workdir)
        .withEntrypoint(['/bin/sh', '-c'])
        .withCommand([script])
        .withStartupTimeout(options.readyTimeoutMs ?? 30_000)
        .start();
      const id = container.getId();
      const stream = await container.logs();
      const proxy = new ContainerProxy(config.target, image, id, opts.engine, container, stream, options);
      try {
        const checkDeadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
        while (!proxy.logs().includes(CHECK_PASSED)) {
          if (proxy.logs().includes(CHECK_FAILED) || proxy.exited() !== undefined) throw new Error(`${config.target} (container ${image}): the config check did not pass (${proxy.exited() ?? 'check failed'})`);
          if (Date.now() > checkDeadline) throw new Error(`${config.target} (container ${image}): waited ${options.readyTimeoutMs ?? 30_000} ms for the config check (${config.checkCommand.bin}) to finish`);
          await new Promise((r) => setTimeout(r, 20));
        }
        await readiness(config.target).waitUntilReady(
          { host: listen.host, port: listen.port, name: `${config.target} (container ${image})`, exited: () => proxy.exited() },
          options.readyTimeoutMs ?? 30_000,
        );
      } catch (err) {
        // Let the log catch up, then tell a config error from an environment one.
        await new Promise((r) => setTimeout(r, 200));
        const logs = proxy.logs();
        await proxy.stop();
        if (logs.includes(CHECK_FAILED)) {
          const parsed = parseCheckOutput(logs.replace(CHECK_FAILED, ''));
          const source = (config as RenderedConfig & { sourceFile?: string }).sourceFile;
          throw new InputError(source ?? parsed.file ?? pathMod.join(workdir, config.mainFile), parsed.line ? `line ${parsed.line}` : undefined, `${config.checkCommand.bin} (in ${image}) rejects the config: ${parsed.message}`);
        }
        throw new EnvironmentError(`${(err as Error).message}; container log: ${logs.split('\n').filter(Boolean).slice(-3).join(' | ') || 'empty'}`);
      }
      proxy.readyMs = Date.now() - t0;
      return proxy;
    },
  };
}
