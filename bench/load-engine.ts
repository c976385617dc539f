// The load engine measured against its peers in the same run, on the same
// proxied path (127.0.0.1 only; every run bounded in time):
//
//   closed  the engine, wrk, autocannon and a plain undici Pool loop, 50
//           connections each, alternating rounds through HAProxy and nginx:
//           throughput ratios and p99s
//   open    constant arrival rate at 2,000 and 5,000 req/s through HAProxy:
//           achieved rate against asked, the engine's own scheduling lag
//   ceiling the engine straight at the mock upstream (closed, 50 connections)
//   soak    closed model through HAProxy until at least --soak-requests
//           (default 1,000,000): the accounting identity and peak RSS
//
//   npx tsx bench/load-engine.ts [--seconds 5] [--rounds 3] [--soak-requests 1000000] [--skip soak] [--upstream static|mock]
//
// Upstream: by default every proxy forwards to one static nginx server (a
// fixed JSON body, no access log) so the path is limited by the generator and
// the proxy, not by the Node mock upstreams (which peak near 20k req/s on one
// core here); --upstream mock measures through the suite's mocks instead.
//
// A benchmark, not a test: it prints figures and ratios, and asserts nothing.

import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAll } from '../harness/run/inputs.ts';
import { startTargetFor } from '../harness/run/start-target.ts';
import { runEngine, type Model, type RequestTemplate } from '../harness/load/engine.ts';
import { startMockProcess } from '../harness/load/mock-process.ts';
import { accountingGap } from '../harness/model/load-report.ts';
import { templatesFor } from '../harness/load/scenario.ts';
import { REPO_ROOT } from '../harness/testing/examples.ts';
import { processRuntime } from '../harness/runtime/process-runtime.ts';
import { freePort } from '../harness/runtime/ports.ts';
import type { Endpoint } from '../harness/model/upstream.ts';
import { LatencyHistogram } from '../harness/load/histogram.ts';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    'soak-requests': { type: 'string', default: '1000000' },
    skip: { type: 'string', multiple: true, default: [] },
    upstream: { type: 'string', default: 'static' },
    target: { type: 'string', multiple: true },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNS = Number(values.connections);
const skip = new Set(values.skip);

interface Figure {
  rps: number;
  p99: number;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(t);
      resolve(out);
    });
  });
}

/** The request the peers send: the template's request line and headers. */
function decode(t: RequestTemplate): { path: string; headers: string[] } {
  const lines = t.bytes.toString('latin1').split('\r\n\r\n')[0].split('\r\n');
  const path = lines[0].split(' ')[1];
  return { path, headers: lines.slice(1).filter((h) => !/^host:/i.test(h)) };
}

const UNIT: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

async function wrk(url: string, t: RequestTemplate): Promise<Figure> {
  const { path, headers } = decode(t);
  const out = await run('wrk', ['-t2', `-c${CONNS}`, `-d${SECONDS}s`, '--latency', ...headers.flatMap((h) => ['-H', h]), url + path], (SECONDS + 20) * 1000);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  if (!rps || !p) throw new Error(`wrk: unexpected output: ${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  if (non2xx) throw new Error(`wrk saw ${non2xx} non-2xx responses`);
  return { rps, p99: Number(p[1]) * UNIT[p[2]] };
}

async function autocannon(url: string, t: RequestTemplate): Promise<Figure> {
  const { path, headers } = decode(t);
  const bin = join(REPO_ROOT, 'node_modules', 'autocannon', 'autocannon.js');
  const out = await run(process.execPath, [bin, '-j', '-c', String(CONNS), '-d', String(SECONDS), ...headers.flatMap((h) => ['-H', h]), url + path], (SECONDS + 20) * 1000);
  const j = JSON.parse(out.slice(out.indexOf('{')));
  if (j.non2xx) throw new Error(`autocannon saw ${j.non2xx} non-2xx responses`);
  return { rps: j.requests.total / (j.duration || SECONDS), p99: j.latency.p99 };
}

async function engine(ep: { host: string; port: number }, templates: RequestTemplate[], model: Model) {
  const r = await runEngine({ endpoints: [ep], templates, model, warmupMs: 1000 });
  return r.recorder;
}

async function engineClosed(ep: { host: string; port: number }, templates: RequestTemplate[]): Promise<Figure> {
  const rec = await engine(ep, templates, { kind: 'closed', connections: CONNS, durationMs: SECONDS * 1000 });
  if (rec.outcomes['2xx'] !== rec.outcomes.scheduled) throw new Error(`engine: ${JSON.stringify(rec.outcomes)}`);
  return { rps: rec.achievedRate(), p99: rec.latency.percentile(99) };
}

/**
 * A plain undici loop, the transport the engine would use if it sat on
 * undici's Pool: `dispatch` with a minimal handler (undici's cheapest API: no
 * body stream, no response object), CONNS requests kept in flight, one
 * connection each, warmed for a second before counting like the engine.
 */
async function undiciLoop(url: string, t: RequestTemplate): Promise<Figure> {
  const { path, headers } = decode(t);
  const hdrs: Record<string, string> = {};
  for (const h of headers) {
    const i = h.indexOf(':');
    hdrs[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  const pool = new Pool(url, { connections: CONNS, pipelining: 1, keepAliveTimeout: 60_000 });
  const lat = new LatencyHistogram();
  let counting = false;
  let stop = false;
  let done = 0;
  let bad = 0;
  let inflight = 0;
  let drained: (() => void) | undefined;
  const one = () => {
    const t0 = performance.now();
    let status = 0;
    inflight++;
    pool.dispatch(
      { origin: url, method: 'GET', path, headers: hdrs },
      {
        onConnect() {},
        onHeaders(s: number) {
          status = s;
          return true;
        },
        onData() {
          return true;
        },
        onComplete() {
          inflight--;
          if (counting) {
            done++;
            if (status < 200 || status >= 300) bad++;
            lat.record(performance.now() - t0);
          }
          if (!stop) one();
          else if (inflight === 0) drained?.();
        },
        onError() {
          inflight--;
          bad++;
          if (!stop) one();
          else if (inflight === 0) drained?.();
        },
      } as never,
    );
  };
  for (let k = 0; k < CONNS; k++) one();
  await sleep(1000);
  counting = true;
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  counting = false;
  const elapsed = (performance.now() - t0) / 1000;
  stop = true;
  await new Promise<void>((r) => (inflight === 0 ? r() : (drained = r)));
  await pool.close();
  if (bad) throw new Error(`undici loop saw ${bad} failed or non-2xx responses`);
  return { rps: done / elapsed, p99: lat.percentile(99) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);

/** One nginx worker answering every request with a fixed body valid for showPetById. */
async function staticUpstream(): Promise<{ endpoint: Endpoint } & AsyncDisposable> {
  const workdir = await mkdtemp(join(tmpdir(), 'pp-bench-static-'));
  const port = await freePort();
  const conf = [
    'worker_processes 1;',
    `pid ${workdir}/nginx.pid;`,
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    '  keepalive_requests 10000000;',
    `  server { listen 127.0.0.1:${port}; location / { default_type application/json; return 200 '{"id":656,"name":"doggie","tag":"v1"}'; } }`,
    '}',
  ].join('\n');
  const base = ['-p', `${workdir}/`, '-c', join(workdir, 'static.conf'), '-e', join(workdir, 'error.log')];
  const proxy = await processRuntime.start(
    { target: 'nginx', mainFile: 'static.conf', files: { 'static.conf': conf }, command: { bin: 'nginx', args: [...base, '-g', 'daemon off;'] }, checkCommand: { bin: 'nginx', args: ['-t', '-q', ...base, '-g', 'daemon off;'] } },
    { workdir, listen: { host: '127.0.0.1', port } },
  );
  return {
    endpoint: { host: '127.0.0.1', port },
    async [Symbol.asyncDispose]() {
      await proxy.stop();
      await rm(workdir, { recursive: true, force: true });
    },
  };
}

const suiteFile = join(REPO_ROOT, 'suites', 'petstore.suite.yaml');
const [l] = await loadAll([suiteFile]);
const templates = templatesFor(l.suite, l.spec, { name: 'bench', operations: { showPetById: 1 }, consumers: ['alice'] }, 1);
await using mocks = await startMockProcess(l.suite.spec, l.suite.upstreams, 1);
await using fixed = values.upstream === 'static' ? await staticUpstream() : undefined;
// Every upstream replica the proxies know, pointed at the static server (or the mocks as they are).
const upstreams = fixed
  ? Object.fromEntries(Object.entries(mocks.endpoints).map(([u, vs]) => [u, Object.fromEntries(Object.entries(vs).map(([v, eps]) => [v, eps.map(() => fixed.endpoint)]))]))
  : mocks.endpoints;
console.log(`proxyproof load engine benchmark: ${CONNS} connections, ${SECONDS} s per measurement, ${ROUNDS} alternating rounds; GET ${decode(templates[0]).path}; upstream ${fixed ? `static nginx at ${fixed.endpoint.port}` : 'the mock upstreams'}`);

if (!skip.has('closed')) {
  for (const t of l.suite.targets.filter((x) => !values.target?.length || values.target.includes(x.name))) {
    await using started = await startTargetFor(l, t, upstreams);
    const url = new URL(started.proxy.baseUrl);
    const ep = { host: url.hostname, port: Number(url.port) };
    const figs: Record<'engine' | 'wrk' | 'autocannon' | 'undici', Figure[]> = { engine: [], wrk: [], autocannon: [], undici: [] };
    for (let i = 0; i < ROUNDS; i++) {
      // Rotate the order each round so no tool always goes first.
      const order = (['engine', 'wrk', 'autocannon', 'undici'] as const).map((_, k, a) => a[(k + i) % a.length]);
      for (const tool of order) {
        const f =
          tool === 'engine'
            ? await engineClosed(ep, templates)
            : tool === 'wrk'
              ? await wrk(started.proxy.baseUrl, templates[0])
              : tool === 'autocannon'
                ? await autocannon(started.proxy.baseUrl, templates[0])
                : await undiciLoop(started.proxy.baseUrl, templates[0]);
        figs[tool].push(f);
      }
    }
    const m = (k: keyof typeof figs) => ({ rps: median(figs[k].map((f) => f.rps)), p99: median(figs[k].map((f) => f.p99)) });
    const e = m('engine');
    const w = m('wrk');
    const a = m('autocannon');
    const u = m('undici');
    const rounds = (k: keyof typeof figs) => figs[k].map((f) => f1(f.rps)).join(', ');
    console.log(`closed through ${t.name}: engine ${f1(e.rps)} req/s (p99 ${f2(e.p99)} ms), wrk ${f1(w.rps)} (p99 ${f2(w.p99)} ms), autocannon ${f1(a.rps)} (p99 ${f2(a.p99)} ms), undici Pool loop ${f1(u.rps)} (p99 ${f2(u.p99)} ms); engine/wrk ${f3(e.rps / w.rps)}, engine/autocannon ${f3(e.rps / a.rps)}, undici/wrk ${f3(u.rps / w.rps)} (medians of ${ROUNDS}; per round engine ${rounds('engine')}, wrk ${rounds('wrk')}, autocannon ${rounds('autocannon')}, undici ${rounds('undici')})`);
  }
}

const haproxy = l.suite.targets.find((t) => t.name === 'haproxy')!;

if (!skip.has('open')) {
  await using started = await startTargetFor(l, haproxy, upstreams);
  const url = new URL(started.proxy.baseUrl);
  const ep = { host: url.hostname, port: Number(url.port) };
  for (const rate of [2000, 5000]) {
    const durationMs = Math.max(5, SECONDS * 2) * 1000;
    const cpu0 = process.cpuUsage();
    const rec = await engine(ep, templates, { kind: 'constant-arrival-rate', rate, durationMs, connections: 32, maxConnections: 256 });
    const cpu = process.cpuUsage(cpu0);
    const o = rec.outcomes;
    console.log(`open through haproxy at ${rate}/s for ${durationMs / 1000} s: achieved ${f1(rec.achievedRate())} req/s (${f3((100 * (rec.achievedRate() - rate)) / rate)}% off), scheduling lag p50 ${f3(rec.lag.percentile(50))} ms p99 ${f3(rec.lag.percentile(99))} ms; latency p50 ${f3(rec.latency.percentile(50))} ms p99 ${f3(rec.latency.percentile(99))} ms; late starts ${rec.lateStarts}, not sent ${o.notSent}; accounting gap ${accountingGap(o)}; engine CPU ${f1((100 * (cpu.user + cpu.system)) / 1000 / (durationMs + 1000))}% of a core`);
  }
  for (const rate of [20, 200, 500]) {
    const cpu0 = process.cpuUsage();
    const rec = await engine(ep, templates, { kind: 'constant-arrival-rate', rate, durationMs: 3000, connections: 2 });
    const cpu = process.cpuUsage(cpu0);
    console.log(`open at ${rate}/s for 3 s: engine CPU ${f1((100 * (cpu.user + cpu.system)) / 1000 / 4000)}% of a core, lag p50 ${f3(rec.lag.percentile(50))} ms p99 ${f3(rec.lag.percentile(99))} ms`);
  }
}

if (!skip.has('ceiling')) {
  const direct = fixed ? fixed.endpoint : mocks.endpoints.petstore.v1[0];
  const e = await engineClosed(direct, templates);
  const w = await wrk(`http://${direct.host}:${direct.port}`, templates[0]);
  console.log(`ceiling, straight at ${fixed ? 'the static upstream' : 'one mock upstream'}: engine ${f1(e.rps)} req/s (p99 ${f2(e.p99)} ms), wrk ${f1(w.rps)} req/s; engine/wrk ${f3(e.rps / w.rps)}`);
}

if (!skip.has('soak')) {
  const want = Number(values['soak-requests']);
  await using started = await startTargetFor(l, haproxy, upstreams);
  const url = new URL(started.proxy.baseUrl);
  const ep = { host: url.hostname, port: Number(url.port) };
  // Size the run from a short probe of the closed rate, then add a margin.
  const probe = await engineClosed(ep, templates);
  // At least 60 s at the top rate (the memory goal), and long enough for the wanted count.
  const durationMs = Math.min(600_000, Math.max(60_000, Math.ceil((want / probe.rps) * 1.25 * 1000)));
  let rss = 0;
  const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 250);
  const rec = await engine(ep, templates, { kind: 'closed', connections: CONNS, durationMs });
  clearInterval(sampler);
  const o = rec.outcomes;
  const sum = o['1xx'] + o['2xx'] + o['3xx'] + o['4xx'] + o['5xx'] + o.timeout + o.connectionError + o.notSent;
  console.log(`soak through haproxy, closed ${CONNS} connections for ${f1(durationMs / 1000)} s: ${o.scheduled} scheduled = ${sum} ended (${o['2xx']} 2xx, ${o['4xx']} 4xx, ${o['5xx']} 5xx, ${o.timeout} timeouts, ${o.connectionError} connection errors, ${o.notSent} not sent); gap ${accountingGap(o)}; ${f1(rec.achievedRate())} req/s; peak RSS ${f1(rss / 2 ** 20)} MB`);
}
