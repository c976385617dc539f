// The node:http plumbing the data ports and the control listener share:
// bodies with a size cap, answers with a length, listening on 127.0.0.1 and
// stopping with every open socket destroyed.

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const MAX_BODY = 10 * 1024 * 1024;

export interface RunningServer {
  server: http.Server;
  sockets: Set<Socket>;
}

export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { reject(new Error('body too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  if (res.destroyed || res.writableEnded) return;
  const buf = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...headers, 'content-length': String(buf.length) });
  res.end(buf);
}

export function sendJson(res: http.ServerResponse, status: number, headers: Record<string, string>, value: unknown): void {
  send(res, status, { ...headers, 'content-type': 'application/json' }, JSON.stringify(value));
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/** Serve `handler` on 127.0.0.1:port (0: OS-given); a handler that throws gets `onError`'s answer. */
export async function serve(
  port: number,
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
  onError: (res: http.ServerResponse, err: unknown) => void,
): Promise<{ running: RunningServer; port: number }> {
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) onError(res, err);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  const bound = await listen(server, port);
  return { running: { server, sockets }, port: bound };
}

export async function stopServer(r: RunningServer): Promise<void> {
  await new Promise<void>((resolve) => {
    r.server.close(() => resolve());
    r.server.closeAllConnections();
    for (const s of r.sockets) s.destroy();
  });
}
