// Readiness waits: a port that accepts connections, or an HTTP answer.

import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import net from 'node:net';

export interface WaitTarget {
  host: string;
  port: number;
  /** What is being waited for, for messages (e.g. "nginx"). */
  name?: string;
  /** undefined while the process runs; a description once it exited. */
  exited: () => string | undefined;
}

export interface WaitStrategy {
  readonly description: string;
  waitUntilReady(target: WaitTarget, timeoutMs: number): Promise<void>;
}

const POLL_MS = 50;

function tryConnect(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (state: string | undefined) => {
      socket.destroy();
      resolve(state);
    };
    socket.setTimeout(timeoutMs, () => done('connection attempt timed out'));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(`last attempt: ${err.code ?? err.message}`));
  });
}

function tryHttp(
  host: string,
  port: number,
  path: string,
  predicate: (status: number) => boolean,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(predicate(status) ? undefined : `last answer: HTTP ${status}`);
    });
    req.once('timeout', () => {
      req.destroy();
      resolve('request timed out');
    });
    req.once('error', (err: NodeJS.ErrnoException) => resolve(`last attempt: ${err.code ?? err.message}`));
  });
}

async function poll(
  target: WaitTarget,
  timeoutMs: number,
  what: string,
  attempt: () => Promise<string | undefined>,
): Promise<void> {
  const started = Date.now();
  let state = 'no attempt made';
  // Bounded: stops at the deadline or when the process exits.
  while (true) {
    const exited = target.exited();
    if (exited !== undefined) {
      throw new Error(
        `${target.name ?? 'process'} did not ${what} on ${target.host}:${target.port} after ${Date.now() - started} ms (${exited})`,
      );
    }
    const result = await attempt();
    if (result === undefined) return;
    state = result;
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) {
      const exitedLate = target.exited();
      throw new Error(
        `${target.name ?? 'process'} did not ${what} on ${target.host}:${target.port} after ${timeoutMs} ms (${exitedLate ?? state})`,
      );
    }
    await sleep(Math.min(POLL_MS, Math.max(1, timeoutMs - elapsed)));
  }
}

export const Wait = {
  /** Ready when a TCP connection to host:port succeeds. */
  forListeningPort(): WaitStrategy {
    return {
      description: 'a listening port',
      waitUntilReady: (target, timeoutMs) =>
        poll(target, timeoutMs, 'accept connections', () => tryConnect(target.host, target.port, 1000)),
    };
  },
  /** Ready when GET path answers with a status the predicate accepts (default: any status). */
  forHttp(path: string, predicate: (status: number) => boolean = () => true): WaitStrategy {
    return {
      description: `an HTTP answer on ${path}`,
      waitUntilReady: (target, timeoutMs) =>
        poll(target, timeoutMs, `answer GET ${path}`, () => tryHttp(target.host, target.port, path, predicate, 1000)),
    };
  },
};

/** Where and how a target says it is ready (harness/targets/target.ts Readiness), as a wait. */
export function readinessWait(
  r: { kind: 'port' } | { kind: 'http'; path: string; port?: 'listen' | 'status'; status?: number } | { kind: 'admin-file'; file: string; path: string; status: number },
  where: { listen: { host: string; port: number }; statusPort?: number; workdir: string },
): { wait: WaitStrategy; port: number } {
  if (r.kind === 'port') return { wait: Wait.forListeningPort(), port: where.listen.port };
  if (r.kind === 'http') {
    const port = r.port === 'status' ? where.statusPort : where.listen.port;
    if (port === undefined) throw new Error('internal: readiness on the status port, but the target was given none');
    return { wait: Wait.forHttp(r.path, (s) => r.status === undefined || s === r.status), port };
  }
  return { wait: forAdminFile(path.join(where.workdir, r.file), r.path, r.status), port: where.listen.port };
}

/** Ready when the proxy has written its admin address to `file` and GET `urlPath` there answers `status`. */
function forAdminFile(file: string, urlPath: string, status: number): WaitStrategy {
  return {
    description: `${urlPath} on the admin address in ${path.basename(file)}`,
    waitUntilReady: (target, timeoutMs) =>
      poll(target, timeoutMs, `write its admin address and answer GET ${urlPath}`, async () => {
        let addr: string;
        try {
          addr = readFileSync(file, 'utf8').trim();
        } catch {
          return `no admin address in ${path.basename(file)} yet`;
        }
        const m = /^(?:([\d.]+)|\[([\da-f:]+)\]):(\d+)$/i.exec(addr);
        if (!m) return `admin address file holds ${JSON.stringify(addr.slice(0, 40))}`;
        return tryHttp(m[1] ?? m[2], Number(m[3]), urlPath, (s) => s === status, 1000);
      }),
  };
}
