// What proxyproof asks of the container engine besides starting containers,
// through testcontainers' runtime client (DOCKER_HOST, set by useEngine):
// is an image present, which containers are ours, a container's whole log,
// and removing one. Containers carry labels (proxyproof.run, .suite,
// .target, .pid, .host) so that a run can sweep what a killed run left.

import { hostname } from 'node:os';
import type { ContainerRuntimeClient } from 'testcontainers';
import { getTarget } from '../targets/registry.ts';
import { importOptional } from '../util/optional-dep.ts';

export const LABEL_RUN = 'proxyproof.run';
export const LABEL_SUITE = 'proxyproof.suite';
export const LABEL_TARGET = 'proxyproof.target';
export const LABEL_PID = 'proxyproof.pid';
export const LABEL_HOST = 'proxyproof.host';

export interface Listed {
  Id: string;
  Labels?: Record<string, string>;
  State?: string;
  Names?: string[];
}

/** testcontainers' client for the engine DOCKER_HOST names; loaded only by container runs. */
export async function runtimeClient(): Promise<ContainerRuntimeClient> {
  const { getContainerRuntimeClient } = await importOptional('testcontainers', () => import('testcontainers'));
  return getContainerRuntimeClient();
}

/** Is the image present locally (no pull)? */
export async function imagePresent(image: string): Promise<boolean> {
  const { ImageName } = await importOptional('testcontainers', () => import('testcontainers'));
  return (await runtimeClient()).image.exists(ImageName.fromString(image));
}

/**
 * The image a target runs: the flag, else the suite's, else the pinned default
 * when present, else the local Debian-built one when present. `available`
 * false: nothing usable is present (these machines cannot pull).
 */
export async function resolveImage(target: string, explicit?: string): Promise<{ image: string; available: boolean; tried: string[] }> {
  const c = getTarget(target)?.container;
  const candidates = explicit ? [explicit] : [c?.image, c?.localImage].filter((x): x is string => !!x);
  const tried: string[] = [];
  for (const image of candidates) {
    tried.push(image);
    if (await imagePresent(image)) return { image, available: true, tried };
  }
  return { image: candidates[0] ?? `${target}:latest`, available: false, tried };
}

/** Every container proxyproof labelled, running or not. */
export async function listOurs(): Promise<Listed[]> {
  const client = await runtimeClient();
  // The client's list() shows running containers only; its dockerode lists all, filtered by label.
  return (await client.container.dockerode.listContainers({ all: true, filters: JSON.stringify({ label: [LABEL_RUN] }) })) as Listed[];
}

/** Stop one container (SIGTERM, then SIGKILL after `timeoutS`); stopped or gone already is fine. */
export async function stopContainer(id: string, timeoutS = 3): Promise<void> {
  const client = await runtimeClient();
  try {
    await client.container.stop(client.container.getById(id), { timeout: timeoutS });
  } catch {
    // not running, or gone
  }
}

/** Remove one container by id, stopping it first (the reaper's one tool); gone already is fine. */
export async function removeContainer(id: string): Promise<void> {
  await stopContainer(id, 0);
  const client = await runtimeClient();
  const container = client.container.getById(id);
  try {
    await client.container.remove(container, { removeVolumes: true });
  } catch (err) {
    if (!/no such container|404/i.test((err as Error).message)) throw err;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove containers a killed earlier run left: labelled by proxyproof, started on this host by a process that is gone. */
export async function sweepStale(): Promise<string[]> {
  const host = hostname();
  const swept: string[] = [];
  for (const c of await listOurs()) {
    const labels = c.Labels ?? {};
    const pid = Number(labels[LABEL_PID]);
    if (labels[LABEL_HOST] === host && Number.isInteger(pid) && pid > 0 && pidAlive(pid)) continue;
    await removeContainer(c.Id);
    swept.push(c.Id);
  }
  return swept;
}

/** Containers of one run (tests, and the reaper after a failure). */
export async function containersOfRun(runId: string): Promise<Listed[]> {
  return (await listOurs()).filter((c) => c.Labels?.[LABEL_RUN] === runId);
}

/** A stopped container's whole log (stdout and stderr), demultiplexed by the client. */
export async function wholeLog(id: string, timeoutMs = 5_000): Promise<string> {
  const client = await runtimeClient();
  const stream = await client.container.logs(client.container.getById(id));
  return new Promise((resolve) => {
    let out = '';
    const done = () => {
      clearTimeout(timer);
      stream.destroy();
      resolve(out);
    };
    // The log stream follows until the container ends; a stopped one ends at once.
    const timer = setTimeout(done, timeoutMs);
    stream.on('data', (c: Buffer | string) => (out += c.toString()));
    stream.on('end', done);
    stream.on('error', done);
  });
}

/**
 * Run one command to completion in a fresh container of `image` (host
 * network, `mounts` bound at the same paths, as the workdir's owner) and give
 * back its exit code and whole log; the container is removed after. For the
 * proxies' own config checks where only their image exists (kong config parse,
 * envoy --mode validate).
 */
export async function runToCompletion(image: string, script: string, mounts: string[], labels: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number; log: string }> {
  const client = await runtimeClient();
  const container = await client.container.create({
    Image: image,
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: [script],
    User: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
    Labels: { ...labels, [LABEL_PID]: String(process.pid), [LABEL_HOST]: hostname() },
    HostConfig: { NetworkMode: 'host', Binds: mounts.map((m) => `${m}:${m}:rw`) },
  });
  try {
    await client.container.start(container);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await client.container.inspect(container);
      if (!info.State.Running) return { code: info.State.ExitCode, log: await wholeLog(container.id) };
      if (Date.now() > deadline) throw new Error(`${image}: the command did not finish in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await removeContainer(container.id);
  }
}
