import http from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { it } from '../testing/fixtures.ts';
import { EnvironmentError, InputError } from '../model/errors.ts';
import { haproxyTarget } from '../targets/haproxy/index.ts';
import { nginxTarget } from '../targets/nginx/index.ts';
import type { TargetDriver } from '../targets/target.ts';
import { processesMatching } from '../testing/processes.ts';
import { exampleInput, REPO_ROOT } from '../testing/examples.ts';
import type { Endpoint } from '../model/upstream.ts';
import { REQUEST_ID_HEADER } from '../model/upstream.ts';
import { groupAlive, processRuntime } from './process-runtime.ts';
import { freePort, portIsFree } from './ports.ts';

// A tiny upstream: 4 replicas sharing one journal of tries per request id.
// Request ids "fail2-*" fail their first 2 tries with 503; "slow-*" answer the first try after 1.5 s.
const tries = new Map<string, number>();
const servers: http.Server[] = [];
const replicas: Endpoint[] = [];
let headersSeen: http.IncomingHttpHeaders | undefined;

beforeAll(async () => {
  for (let i = 0; i < 4; i++) {
    const server = http.createServer((req, res) => {
      const id = String(req.headers[REQUEST_ID_HEADER] ?? '');
      const n = (tries.get(id) ?? 0) + 1;
      tries.set(id, n);
      headersSeen = req.headers;
      req.resume();
      req.on('end', () => {
        const reply = (status: number) => {
          res.writeHead(status, { 'content-type': 'application/json', 'x-replica': String(i) });
          res.end(JSON.stringify(status === 200 ? [{ id: 1, name: 'Rex' }] : { code: status, message: 'fault' }));
        };
        if (id.startsWith('fail2-') && n <= 2) return reply(503);
        if (id.startsWith('slow-') && n === 1) {
          setTimeout(() => !res.destroyed && reply(200), 1500).unref();
          return;
        }
        reply(200);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    if (typeof addr !== 'object' || !addr) throw new Error('no address');
    servers.push(server);
    replicas.push({ host: '127.0.0.1', port: addr.port });
  }
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});



async function get(baseUrl: string, p: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(baseUrl + p, { method, headers, body: method === 'POST' ? '{"name":"Rex"}' : undefined });
  const body = await res.text();
  return { status: res.status, headers: res.headers, body };
}

const alice = { 'x-api-key': 'alice-key-5f2c8e' };
const bob = { 'x-api-key': 'bob-key-91ad07' };

type Mode = 'fixture' | 'rendered';
const cases: Array<[string, TargetDriver, Mode]> = [
  ['nginx', nginxTarget, 'fixture'],
  ['haproxy', haproxyTarget, 'fixture'],
  ['nginx', nginxTarget, 'rendered'],
  ['haproxy', haproxyTarget, 'rendered'],
];
const fixtureFile: Record<string, string> = {
  nginx: path.join(REPO_ROOT, 'fixtures/nginx/petstore.conf'),
  haproxy: path.join(REPO_ROOT, 'fixtures/haproxy/petstore.cfg'),
};

describe.each(cases)('%s (%s) as a process', (name, driver, mode) => {
  it('proxies, enforces auth, rate limit and retry, and stops cleanly', async ({ tmp }) => {
    const wd = path.join(tmp, 'w');
    const listen = { host: '127.0.0.1', port: await freePort() };
    const input = exampleInput(wd, listen, replicas);
    const config = mode === 'fixture' ? driver.fromUserConfig(input, fixtureFile[name]) : driver.render(input);
    const proxy = await processRuntime.start(config, { workdir: wd, listen, readyTimeoutMs: 5000 });
    const pid = (proxy as unknown as { pid: number }).pid;
    try {
      expect(proxy.baseUrl).toBe(`http://127.0.0.1:${listen.port}`);
      expect(groupAlive(pid)).toBe(true);

      // open operation, request id and path pass through
      const health = await get(proxy.baseUrl, '/v1/health', { [REQUEST_ID_HEADER]: 'h-1' });
      expect(health.status).toBe(200);
      expect(headersSeen?.[REQUEST_ID_HEADER]).toBe('h-1');
      expect(health.headers.get('content-type')).toBe('application/json');

      // auth: missing and invalid keys never reach the upstream
      expect((await get(proxy.baseUrl, '/v1/pets/1', { [REQUEST_ID_HEADER]: `${name}-${mode}-nokey` })).status).toBe(401);
      expect(
        (await get(proxy.baseUrl, '/v1/pets/1', { 'x-api-key': 'wrong-key', [REQUEST_ID_HEADER]: `${name}-${mode}-bad` })).status,
      ).toBe(401);
      // keys compare exactly (nginx map and haproxy -m str are case-sensitive)
      expect((await get(proxy.baseUrl, '/v1/pets/1', { 'x-api-key': 'ALICE-KEY-5F2C8E' })).status).toBe(401);
      expect(tries.has(`${name}-${mode}-nokey`)).toBe(false);
      expect(tries.has(`${name}-${mode}-bad`)).toBe(false);
      expect((await get(proxy.baseUrl, '/v1/pets/1', bob)).status).toBe(200);

      // retry: GET tried 3 times (1 + 2 retries), POST once
      const getId = `fail2-${name}-${mode}-get`;
      expect((await get(proxy.baseUrl, '/v1/pets/7', { ...bob, [REQUEST_ID_HEADER]: getId })).status).toBe(200);
      expect(tries.get(getId)).toBe(3);
      const postId = `fail2-${name}-${mode}-post`;
      const post = await get(proxy.baseUrl, '/v1/pets', { ...bob, [REQUEST_ID_HEADER]: postId, 'content-type': 'application/json' }, 'POST');
      expect(post.status).toBe(503);
      expect(tries.get(postId)).toBe(1);
      // perTryTimeout: a slow first try is abandoned and retried
      const slowId = `slow-${name}-${mode}`;
      const slow = await get(proxy.baseUrl, '/v1/pets/8', { ...bob, [REQUEST_ID_HEADER]: slowId });
      expect(slow.status).toBe(200);
      expect(tries.get(slowId)).toBe(2);

      // rate limit: a burst of 10 listPets admits 5 for alice; bob is not affected
      const burst = await Promise.all(Array.from({ length: 10 }, () => get(proxy.baseUrl, '/v1/pets', alice)));
      const statuses = burst.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(5);
      expect(burst.find((r) => r.status === 429)?.headers.get('retry-after')).toBe('1');
      expect((await get(proxy.baseUrl, '/v1/pets', bob)).status).toBe(200);
      // other operations of alice are not limited
      expect((await get(proxy.baseUrl, '/v1/pets/2', alice)).status).toBe(200);

      // unknown operation
      expect((await get(proxy.baseUrl, '/v2/nothing', alice)).status).toBe(404);

      expect(proxy.logs()).toMatch(/\S/);
    } finally {
      await proxy.stop();
    }
    expect(groupAlive(pid)).toBe(false);
    expect(await portIsFree(listen.port)).toBe(true);
    await proxy.stop(); // idempotent
  });
});

describe('process runtime errors', () => {
  it('a config the binary rejects is an InputError naming the file and line', async ({ tmp }) => {
    const wd = path.join(tmp, 'w');
    const src = path.join(path.dirname(wd), 'broken.conf');
    writeFileSync(src, 'events {}\nhttp {\n  server { listen {{listen}}; bogus_directive on; }\n}\n');
    const listen = { host: '127.0.0.1', port: await freePort() };
    const config = nginxTarget.fromUserConfig(exampleInput(wd, listen, replicas), src);
    const err = await processRuntime.start(config, { workdir: wd, listen }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe(src);
    expect((err as InputError).place).toBe('line 3');
    expect((err as InputError).detail).toMatch(/unknown directive "bogus_directive"/);
  });

  it('a broken HAProxy config is an InputError with the line', async ({ tmp }) => {
    const wd = path.join(tmp, 'w');
    const src = path.join(path.dirname(wd), 'broken.cfg');
    writeFileSync(src, 'defaults\n    mode http\nfrontend x\n    bind {{listen}}\n    frobnicate yes\n');
    const listen = { host: '127.0.0.1', port: await freePort() };
    const config = haproxyTarget.fromUserConfig(exampleInput(wd, listen, replicas), src);
    const err = await processRuntime.start(config, { workdir: wd, listen }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe(src);
    expect((err as InputError).place).toBe('line 5');
    expect((err as InputError).detail).toMatch(/frobnicate/);
  });

  it('a missing binary is an EnvironmentError with the install hint', async ({ tmp }) => {
    const wd = path.join(tmp, 'w');
    const listen = { host: '127.0.0.1', port: await freePort() };
    const missing: TargetDriver = { ...nginxTarget, process: { ...nginxTarget.process, binary: 'nginx-does-not-exist' } };
    const config = missing.render(exampleInput(wd, listen, replicas));
    expect(config.command.bin).toBe('nginx-does-not-exist');
    const err = await processRuntime.start(config, { workdir: wd, listen }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toMatch(/nginx-does-not-exist/);
    expect((err as Error).message).toMatch(/apt-get install nginx-light libnginx-mod-http-js/);
  });

  it('a port already in use is an EnvironmentError', async ({ tmp }) => {
    const blocker = http.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const wd = path.join(tmp, 'w');
      const listen = { host: '127.0.0.1', port };
      const config = haproxyTarget.render(exampleInput(wd, listen, replicas));
      const err = await processRuntime.start(config, { workdir: wd, listen }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EnvironmentError);
      expect((err as Error).message).toMatch(/already in use/);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('parses nginx and haproxy complaints', () => {
    expect(nginxTarget.parseCheckOutput('nginx: [emerg] unknown directive "x" in /w/n.conf:12\nnginx: configuration file /w/n.conf test failed\n')).toEqual({
      message: 'unknown directive "x"',
      file: '/w/n.conf',
      line: 12,
    });
    expect(
      haproxyTarget.parseCheckOutput(
        "[NOTICE]   (1) : haproxy version is 2.6\n[ALERT]    (1) : config : parsing [/w/h.cfg:5] : unknown keyword 'x' in 'frontend' section\n[ALERT]    (1) : config : Fatal errors found in configuration.\n",
      ),
    ).toEqual({ file: '/w/h.cfg', line: 5, message: "unknown keyword 'x' in 'frontend' section" });
  });
});

describe('no proxy left behind', () => {
  it('leaves no nginx or haproxy started from a test workdir', () => {
    const lines = processesMatching('pp-rtp-').map((p) => p.command).filter((l) => /nginx|haproxy/.test(l));
    expect(lines).toEqual([]);
  });
});
