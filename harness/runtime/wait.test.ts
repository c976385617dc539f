import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, portIsFree } from './ports.ts';
import { Wait } from './wait.ts';

describe('ports', () => {
  it('gives a free port on 127.0.0.1', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await portIsFree(port)).toBe(true);
  });
});

describe('Wait', () => {
  it('forListeningPort resolves once something listens', async () => {
    const port = await freePort();
    const server = net.createServer((s) => s.end());
    setTimeout(() => server.listen(port, '127.0.0.1'), 150);
    try {
      await Wait.forListeningPort().waitUntilReady({ host: '127.0.0.1', port, exited: () => undefined }, 3000);
    } finally {
      server.close();
    }
  });

  it('says what it waited for, what it found and after how long', async () => {
    const port = await freePort();
    const err = await Wait.forListeningPort()
      .waitUntilReady({ host: '127.0.0.1', port, name: 'nginx', exited: () => undefined }, 300)
      .catch((e: Error) => e);
    expect((err as Error).message).toBe(`nginx did not accept connections on 127.0.0.1:${port} after 300 ms (last attempt: ECONNREFUSED)`);
  });

  it('stops at once when the process exited', async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await Wait.forListeningPort()
      .waitUntilReady({ host: '127.0.0.1', port, name: 'haproxy', exited: () => 'process exited with code 1: [ALERT] boom' }, 5000)
      .catch((e: Error) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((err as Error).message).toMatch(
      new RegExp(`^haproxy did not accept connections on 127\\.0\\.0\\.1:${port} after \\d+ ms \\(process exited with code 1: \\[ALERT\\] boom\\)$`),
    );
  });

  it('forHttp waits for an accepted status', async () => {
    let calls = 0;
    const server = http.createServer((_req, res) => {
      calls++;
      res.writeHead(calls < 3 ? 503 : 200);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      await Wait.forHttp('/ready', (s) => s === 200).waitUntilReady({ host: '127.0.0.1', port, exited: () => undefined }, 3000);
      expect(calls).toBe(3);
      server.removeAllListeners('request');
      server.on('request', (_req, res) => {
        res.writeHead(500);
        res.end();
      });
      const err = await Wait.forHttp('/ready', (s) => s === 200)
        .waitUntilReady({ host: '127.0.0.1', port, name: 'mock', exited: () => undefined }, 200)
        .catch((e: Error) => e);
      expect((err as Error).message).toBe(`mock did not answer GET /ready on 127.0.0.1:${port} after 200 ms (last answer: HTTP 500)`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
