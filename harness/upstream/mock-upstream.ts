// Mock upstreams generated from the spec: one node:http server per
// upstream x version x replica on 127.0.0.1. Each one journals what it
// receives, checks it against the spec, obeys fault programs, and answers
// with a response that validates against the operation's schema.

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EnvironmentError } from '../model/errors.ts';
import { forkRng } from '../util/rng.ts';
import type { HttpMethod, Operation, Spec } from '../model/spec.ts';
import type { UpstreamSpec } from '../model/suite.ts';
import { loadSpec } from '../spec/load-spec.ts';
import { createSpecValidator, matchOperation } from '../spec/validate.ts';
import { generateResponse, type GeneratedResponse } from '../spec/generate-request.ts';
import { ADMIN_PREFIX } from '../model/upstream.ts';
import { Journal } from './journal.ts';
import { checkFaultProgram, FaultPrograms } from './fault-program.ts';
import { REQUEST_ID_HEADER, SERVED_BY_HEADER, type Endpoint, type JournalEntry } from '../model/upstream.ts';

const MAX_BODY = 10 * 1024 * 1024;

export interface MockFleet extends AsyncDisposable {
  journal: Journal;
  faults: FaultPrograms;
  /** upstream -> version -> one endpoint per replica (replica i at index i-1). */
  endpoints: Record<string, Record<string, Endpoint[]>>;
  /** The operations an upstream serves. */
  operationsOf(upstream: string): Operation[];
  /** Stop every server and destroy open sockets; idempotent. */
  close(): Promise<void>;
  /** Turn journaling on or off (off for long load runs: nothing kept, every try counts as attempt 1). */
  setRecording(on: boolean): void;
}

interface FleetContext {
  spec: Spec;
  seed: number;
  journal: Journal;
  faults: FaultPrograms;
  owner: Map<string, string>;
  responses: Map<string, GeneratedResponse>;
  /** false: do not keep journal entries (long load runs); attempts then count from 1 per try. */
  record?: boolean;
}

/** Which upstream serves each operation: explicit lists first, then the first upstream without a list takes the rest. */
function assignOperations(spec: Spec, upstreams: UpstreamSpec[]): Map<string, string> {
  const owner = new Map<string, string>();
  const known = new Set(spec.operations.map((o) => o.id));
  for (const u of upstreams) {
    for (const id of u.operations ?? []) {
      if (!known.has(id)) throw new Error(`upstream '${u.name}' lists operation '${id}', which the spec does not have`);
      if (!owner.has(id)) owner.set(id, u.name);
    }
  }
  const catchAll = upstreams.find((u) => u.operations === undefined);
  if (catchAll) for (const op of spec.operations) if (!owner.has(op.id)) owner.set(op.id, catchAll.name);
  return owner;
}

function headersOf(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function readBody(req: http.IncomingMessage): Promise<string> {
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

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  if (res.destroyed || res.writableEnded) return;
  const buf = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...headers, 'content-length': String(buf.length) });
  res.end(buf);
}

function sendJson(res: http.ServerResponse, status: number, headers: Record<string, string>, value: unknown): void {
  send(res, status, { ...headers, 'content-type': 'application/json' }, JSON.stringify(value));
}

function responseFor(ctx: FleetContext, op: Operation): GeneratedResponse {
  let r = ctx.responses.get(op.id);
  if (!r) {
    // One response per operation, from the seed and the operation id: independent of arrival order.
    r = generateResponse(ctx.spec, op, forkRng(ctx.seed, `response:${op.id}`));
    ctx.responses.set(op.id, r);
  }
  return r;
}

async function handleAdmin(ctx: FleetContext, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): Promise<void> {
  const what = url.pathname.slice(ADMIN_PREFIX.length);
  if (what === 'journal' && req.method === 'GET') {
    const since = Number(url.searchParams.get('since') ?? '0');
    return sendJson(res, 200, {}, { entries: ctx.journal.since(Number.isFinite(since) ? since : 0) });
  }
  if (what === 'journal' && req.method === 'DELETE') {
    ctx.journal.clear();
    return send(res, 204, {}, '');
  }
  if (what === 'faults' && req.method === 'POST') {
    try {
      const parsed = JSON.parse(body) as { requestId?: unknown; program?: unknown };
      if (typeof parsed.requestId !== 'string' || parsed.requestId === '') throw new Error('requestId must be a non-empty string');
      ctx.faults.set(parsed.requestId, checkFaultProgram(parsed.program));
    } catch (err) {
      return sendJson(res, 400, {}, { error: err instanceof Error ? err.message : String(err) });
    }
    return send(res, 204, {}, '');
  }
  if (what === 'faults' && req.method === 'DELETE') {
    ctx.faults.clear();
    return send(res, 204, {}, '');
  }
  return sendJson(res, 404, {}, { error: `no admin route ${req.method} ${url.pathname}` });
}

function createHandler(ctx: FleetContext, upstream: string, version: string, replica: number) {
  const servedBy = `${upstream}/${version}/${replica}`;
  const validator = createSpecValidator(ctx.spec);
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const common: Record<string, string> = { [SERVED_BY_HEADER]: servedBy };
    let body: string;
    try {
      body = await readBody(req);
    } catch {
      if (!res.destroyed) sendJson(res, 413, common, { error: 'body too large' });
      return;
    }
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://127.0.0.1');
    if (url.pathname.startsWith(ADMIN_PREFIX)) return handleAdmin(ctx, req, res, url, body);

    const headers = headersOf(req);
    const requestId = headers[REQUEST_ID_HEADER];
    if (requestId !== undefined) common[REQUEST_ID_HEADER] = requestId;
    const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
    const qi = rawUrl.indexOf('?');
    const pathOnly = qi >= 0 ? rawUrl.slice(0, qi) : rawUrl;
    const query = qi >= 0 ? rawUrl.slice(qi + 1) : '';
    const op = matchOperation(ctx.spec, method, pathOnly);
    const violations: string[] = [];
    if (!op) violations.push(`no operation matches ${method} ${pathOnly}`);
    else {
      const owner = ctx.owner.get(op.id);
      if (owner !== undefined && owner !== upstream) violations.push(`operation '${op.id}' is served by upstream '${owner}', not '${upstream}'`);
      violations.push(...validator.validateRequest(op, { path: rawUrl, headers, ...(body !== '' ? { body } : {}) }));
    }
    const fresh = {
      ...(requestId !== undefined ? { requestId } : {}),
      upstream,
      version,
      replica,
      method,
      path: pathOnly,
      query,
      headers,
      time: Date.now(),
      ...(op ? { operationId: op.id } : {}),
      status: 0,
      violations,
    };
    const entry: JournalEntry = ctx.record === false ? { ...fresh, seq: 0, attempt: 1 } : ctx.journal.append(fresh);

    const decision = ctx.faults.decide(requestId, entry.attempt);
    if (decision.delayMs > 0) {
      const gone = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => { res.off('close', onClose); resolve(false); }, decision.delayMs);
        const onClose = () => { clearTimeout(timer); resolve(true); };
        res.once('close', onClose);
      });
      if (gone || res.destroyed) {
        // The client (the proxy's per-try timeout) gave up; nothing to answer.
        entry.status = decision.failStatus ?? (op ? responseFor(ctx, op).status : 404);
        return;
      }
    }
    if (decision.failStatus !== undefined) {
      entry.status = decision.failStatus;
      return sendJson(res, decision.failStatus, common, { error: 'injected fault', attempt: entry.attempt, servedBy });
    }
    if (!op) {
      entry.status = 404;
      return sendJson(res, 404, common, { error: `no operation matches ${method} ${pathOnly}` });
    }
    const r = responseFor(ctx, op);
    entry.status = r.status;
    const h = r.contentType ? { ...common, 'content-type': r.contentType } : common;
    send(res, r.status, h, method === 'HEAD' ? '' : r.body);
  };
}

interface RunningServer {
  server: http.Server;
  sockets: Set<Socket>;
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

async function startServer(ctx: FleetContext, upstream: string, version: string, replica: number, port: number): Promise<{ running: RunningServer; port: number }> {
  const handler = createHandler(ctx, upstream, version, replica);
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { [SERVED_BY_HEADER]: `${upstream}/${version}/${replica}` }, { error: `mock failure: ${err instanceof Error ? err.message : String(err)}` });
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

async function stopServer(r: RunningServer): Promise<void> {
  await new Promise<void>((resolve) => {
    r.server.close(() => resolve());
    r.server.closeAllConnections();
    for (const s of r.sockets) s.destroy();
  });
}

function buildFleet(ctx: FleetContext, upstreams: UpstreamSpec[], running: RunningServer[], endpoints: MockFleet['endpoints']): MockFleet {
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= Promise.all(running.map(stopServer)).then(() => undefined));
  return {
    journal: ctx.journal,
    faults: ctx.faults,
    endpoints,
    operationsOf(upstream: string): Operation[] {
      if (!upstreams.some((u) => u.name === upstream)) return [];
      return ctx.spec.operations.filter((o) => ctx.owner.get(o.id) === upstream);
    },
    close,
    setRecording(on: boolean) {
      ctx.record = on;
    },
    [Symbol.asyncDispose]: close,
  };
}

export async function startMockFleet(spec: Spec, upstreams: UpstreamSpec[], opts: { seed: number; record?: boolean }): Promise<MockFleet> {
  const ctx: FleetContext = {
    spec,
    seed: opts.seed,
    journal: new Journal(),
    faults: new FaultPrograms(),
    owner: assignOperations(spec, upstreams),
    responses: new Map(),
    record: opts.record,
  };
  const running: RunningServer[] = [];
  const endpoints: MockFleet['endpoints'] = {};
  try {
    for (const u of upstreams) {
      endpoints[u.name] = {};
      for (const version of u.versions) {
        const list: Endpoint[] = [];
        for (let replica = 1; replica <= Math.max(1, u.replicas); replica++) {
          const { running: r, port } = await startServer(ctx, u.name, version, replica, 0);
          running.push(r);
          list.push({ host: '127.0.0.1', port });
        }
        endpoints[u.name][version] = list;
      }
    }
  } catch (err) {
    await Promise.all(running.map(stopServer));
    throw err;
  }
  return buildFleet(ctx, upstreams, running, endpoints);
}

/** `proxyproof mock spec --port N`: one mock serving every operation on 127.0.0.1:port, with the admin API. */
export async function startStandaloneMock(specFile: string, port: number, seed: number): Promise<MockFleet> {
  const spec = await loadSpec(specFile);
  const upstreams: UpstreamSpec[] = [{ name: 'mock', versions: ['v1'], replicas: 1 }];
  const ctx: FleetContext = {
    spec,
    seed,
    journal: new Journal(),
    faults: new FaultPrograms(),
    owner: assignOperations(spec, upstreams),
    responses: new Map(),
  };
  let started: { running: RunningServer; port: number };
  try {
    started = await startServer(ctx, 'mock', 'v1', 1, port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new EnvironmentError(`port ${port} on 127.0.0.1 is already in use`, 'choose another --port or stop what listens there');
    if (code === 'EACCES') throw new EnvironmentError(`not allowed to listen on 127.0.0.1:${port}`, 'use a port above 1023');
    throw err;
  }
  return buildFleet(ctx, upstreams, [started.running], { mock: { v1: [{ host: '127.0.0.1', port: started.port }] } });
}
