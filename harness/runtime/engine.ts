// Which Docker-compatible engine a container run talks to: DOCKER_HOST, else
// the usual Docker and Podman sockets, else the project's own Podman socket
// (scripts/podman-setup.sh). The first that answers /_ping wins, and
// testcontainers is pointed at it through DOCKER_HOST.

import { existsSync } from 'node:fs';
import http from 'node:http';

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

/**
 * One GET on the engine's socket. Only the probe that picks a socket speaks
 * HTTP by hand: testcontainers' client is bound to one engine per process
 * (DOCKER_HOST), so it cannot try several.
 */
function probe(socket: string, path: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
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

async function engineName(socket: string): Promise<string> {
  try {
    const v = JSON.parse((await probe(socket, '/version')).body) as { Components?: Array<{ Name: string; Version: string }>; Version?: string };
    const comp = v.Components?.[0];
    return comp ? `${comp.Name} ${comp.Version}` : `engine ${v.Version ?? '?'}`;
  } catch {
    return 'container engine'; // the name is informative only
  }
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
      const ping = await probe(c.socket, '/_ping');
      if (ping.status === 200) return { engine: { socket: c.socket, source: c.source, name: await engineName(c.socket) }, tried };
      tried.push(`${c.socket} (${c.source}): /_ping answered ${ping.status}`);
    } catch (err) {
      tried.push(`${c.socket} (${c.source}): ${(err as Error).message}`);
    }
  }
  return { tried };
}

/** Point testcontainers at the engine found (it reads DOCKER_HOST). */
export function useEngine(engine: Engine): void {
  process.env.DOCKER_HOST = `unix://${engine.socket}`;
  // Podman answers the API but runs no Ryuk here; our own reaper covers it.
  if (/podman/i.test(engine.name) && process.env.TESTCONTAINERS_RYUK_DISABLED === undefined) process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
}
