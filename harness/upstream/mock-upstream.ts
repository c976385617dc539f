// Mock upstreams generated from the spec: one node:http server per
// upstream x version x replica on 127.0.0.1. Each one journals what it
// receives (credentials as keyed tags), checks it against the spec, obeys
// fault programs, and answers with a response that validates against the
// operation's schema. The admin API lives on the fleet's control listener
// (control.ts); a data port refuses any path that reaches for it.

import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import { EnvironmentError } from '../model/errors.ts';
import { forkRng } from '../util/rng.ts';
import type { HttpMethod, Operation, Spec } from '../model/spec.ts';
import type { UpstreamSpec } from '../model/suite.ts';
import { loadSpec } from '../spec/load-spec.ts';
import { createSpecValidator, matchOperation } from '../spec/validate.ts';
import { generateResponse, type GeneratedResponse } from '../spec/generate-request.ts';
import { ADMIN_PREFIX, REQUEST_ID_HEADER, SERVED_BY_HEADER, type ControlEndpoint, type Endpoint, type JournalEntry } from '../model/upstream.ts';
import { Journal } from './journal.ts';
import { FaultPrograms } from './fault-program.ts';
import { entersAdminPrefix } from './admin-path.ts';
import { credentialRedactor, type CredentialRedactor } from './credentials.ts';
import { startControl } from './control.ts';
import { readBody, send, sendJson, serve, stopServer, type RunningServer } from './server.ts';

export interface MockFleet extends AsyncDisposable {
  /** In-process access for the checks; tools use the control listener. */
  journal: Journal;
  faults: FaultPrograms;
  /** upstream -> version -> one endpoint per replica (replica i at index i-1). */
  endpoints: Record<string, Record<string, Endpoint[]>>;
  /** The admin API (journal, fault programs): its own 127.0.0.1 port, never a data port, bearer token required. */
  control: ControlEndpoint;
  /** The tag the journal holds instead of this credential value: `hmac:<16 hex>` (keyed per fleet). */
  credentialTag(value: string): string;
  /** The operations an upstream serves. */
  operationsOf(upstream: string): Operation[];
  /** Stop every server (data and control) and destroy open sockets; idempotent. */
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
  /** Credentials in journal entries become keyed tags (the key is random per fleet and never leaves it). */
  redactor: CredentialRedactor;
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

function newContext(spec: Spec, upstreams: UpstreamSpec[], seed: number, record?: boolean): FleetContext {
  return {
    spec,
    seed,
    journal: new Journal(),
    faults: new FaultPrograms(),
    owner: assignOperations(spec, upstreams),
    responses: new Map(),
    redactor: credentialRedactor(randomBytes(32), spec),
    ...(record !== undefined ? { record } : {}),
  };
}

function headersOf(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
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

interface Who {
  upstream: string;
  version: string;
  replica: number;
}

interface Received {
  entry: JournalEntry;
  method: HttpMethod;
  op?: Operation;
  /** The path enters the admin prefix under some reading: refused, never matched to an operation. */
  admin: boolean;
}

function violationsOf(ctx: FleetContext, validator: ReturnType<typeof createSpecValidator>, upstream: string, op: Operation, req: { path: string; headers: Record<string, string>; body: string }): string[] {
  const out: string[] = [];
  const owner = ctx.owner.get(op.id);
  if (owner !== undefined && owner !== upstream) out.push(`operation '${op.id}' is served by upstream '${owner}', not '${upstream}'`);
  out.push(...validator.validateRequest(op, { path: req.path, headers: req.headers, ...(req.body !== '' ? { body: req.body } : {}) }));
  return out;
}

/** Match, validate (against the raw request) and journal one try (credentials tagged). */
function receive(ctx: FleetContext, validator: ReturnType<typeof createSpecValidator>, who: Who, req: http.IncomingMessage, body: string): Received {
  const rawUrl = req.url ?? '/';
  const headers = headersOf(req);
  const requestId = headers[REQUEST_ID_HEADER];
  const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
  const qi = rawUrl.indexOf('?');
  const pathOnly = qi >= 0 ? rawUrl.slice(0, qi) : rawUrl;
  const query = qi >= 0 ? rawUrl.slice(qi + 1) : '';
  const admin = entersAdminPrefix(pathOnly);
  const op = admin ? undefined : matchOperation(ctx.spec, method, pathOnly);
  let violations: string[];
  if (admin) violations = [`path ${pathOnly} enters the admin prefix ${ADMIN_PREFIX}, which data ports refuse`];
  else if (!op) violations = [`no operation matches ${method} ${pathOnly}`];
  else violations = violationsOf(ctx, validator, who.upstream, op, { path: rawUrl, headers, body });
  const keep = ctx.record !== false;
  const fresh = {
    ...(requestId !== undefined ? { requestId } : {}),
    ...who,
    method,
    path: pathOnly,
    // Tagging costs an HMAC per credential: only for entries that are kept.
    query: keep ? ctx.redactor.query(query) : query,
    headers: keep ? ctx.redactor.headers(headers) : headers,
    time: Date.now(),
    ...(op ? { operationId: op.id } : {}),
    status: 0,
    violations,
  };
  const entry: JournalEntry = keep ? ctx.journal.append(fresh) : { ...fresh, seq: 0, attempt: 1 };
  return { entry, method, ...(op ? { op } : {}), admin };
}

/** Resolves true when the client went away before `ms` passed. */
function delay(res: http.ServerResponse, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => { res.off('close', onClose); resolve(false); }, ms);
    const onClose = () => { clearTimeout(timer); resolve(true); };
    res.once('close', onClose);
  });
}

/** Obey the fault program, then answer as the spec says. */
async function answer(ctx: FleetContext, res: http.ServerResponse, got: Received, common: Record<string, string>, servedBy: string): Promise<void> {
  const { entry, op, method } = got;
  const decision = ctx.faults.decide(entry.requestId, entry.attempt);
  if (decision.delayMs > 0 && ((await delay(res, decision.delayMs)) || res.destroyed)) {
    // The client (the proxy's per-try timeout) gave up; nothing to answer.
    entry.status = decision.failStatus ?? (op ? responseFor(ctx, op).status : 404);
    return;
  }
  if (decision.failStatus !== undefined) {
    entry.status = decision.failStatus;
    return sendJson(res, decision.failStatus, common, { error: 'injected fault', attempt: entry.attempt, servedBy });
  }
  if (!op) {
    entry.status = 404;
    return sendJson(res, 404, common, { error: `no operation matches ${method} ${entry.path}` });
  }
  const r = responseFor(ctx, op);
  entry.status = r.status;
  const h = r.contentType ? { ...common, 'content-type': r.contentType } : common;
  send(res, r.status, h, method === 'HEAD' ? '' : r.body);
}

function createHandler(ctx: FleetContext, who: Who) {
  const servedBy = `${who.upstream}/${who.version}/${who.replica}`;
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
    const got = receive(ctx, validator, who, req, body);
    if (got.entry.requestId !== undefined) common[REQUEST_ID_HEADER] = got.entry.requestId;
    if (got.admin) {
      // No fault program applies: the refusal must not depend on what a caller set up.
      got.entry.status = 404;
      return sendJson(res, 404, common, { error: `no operation matches ${got.method} ${got.entry.path}` });
    }
    return answer(ctx, res, got, common, servedBy);
  };
}

function startServer(ctx: FleetContext, who: Who, port: number): Promise<{ running: RunningServer; port: number }> {
  const servedBy = `${who.upstream}/${who.version}/${who.replica}`;
  return serve(port, createHandler(ctx, who), (res, err) =>
    sendJson(res, 500, { [SERVED_BY_HEADER]: servedBy }, { error: `mock failure: ${err instanceof Error ? err.message : String(err)}` }),
  );
}

function buildFleet(ctx: FleetContext, upstreams: UpstreamSpec[], running: RunningServer[], endpoints: MockFleet['endpoints'], control: ControlEndpoint): MockFleet {
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= Promise.all(running.map(stopServer)).then(() => undefined));
  return {
    journal: ctx.journal,
    faults: ctx.faults,
    endpoints,
    control,
    credentialTag: (value: string) => ctx.redactor.tag(value),
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

async function startDataPorts(ctx: FleetContext, upstreams: UpstreamSpec[], running: RunningServer[]): Promise<MockFleet['endpoints']> {
  const endpoints: MockFleet['endpoints'] = {};
  for (const u of upstreams) {
    endpoints[u.name] = {};
    for (const version of u.versions) {
      const list: Endpoint[] = [];
      for (let replica = 1; replica <= Math.max(1, u.replicas); replica++) {
        const { running: r, port } = await startServer(ctx, { upstream: u.name, version, replica }, 0);
        running.push(r);
        list.push({ host: '127.0.0.1', port });
      }
      endpoints[u.name][version] = list;
    }
  }
  return endpoints;
}

export async function startMockFleet(spec: Spec, upstreams: UpstreamSpec[], opts: { seed: number; record?: boolean }): Promise<MockFleet> {
  const ctx = newContext(spec, upstreams, opts.seed, opts.record);
  const running: RunningServer[] = [];
  try {
    const endpoints = await startDataPorts(ctx, upstreams, running);
    const { control, running: c } = await startControl(ctx);
    running.push(c);
    return buildFleet(ctx, upstreams, running, endpoints, control);
  } catch (err) {
    await Promise.all(running.map(stopServer));
    throw err;
  }
}

function portProblem(err: unknown, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new EnvironmentError(`port ${port} on 127.0.0.1 is already in use`, 'choose another --port or stop what listens there');
  if (code === 'EACCES') return new EnvironmentError(`not allowed to listen on 127.0.0.1:${port}`, 'use a port above 1023');
  return err;
}

/**
 * `proxyproof mock spec --port N`: one mock serving every operation on 127.0.0.1:port, and the admin API
 * on its control listener (fleet.control: an OS-given port and a token to print for the user).
 */
export async function startStandaloneMock(specFile: string, port: number, seed: number): Promise<MockFleet> {
  const spec = await loadSpec(specFile);
  const upstreams: UpstreamSpec[] = [{ name: 'mock', versions: ['v1'], replicas: 1 }];
  const ctx = newContext(spec, upstreams, seed);
  let started: { running: RunningServer; port: number };
  try {
    started = await startServer(ctx, { upstream: 'mock', version: 'v1', replica: 1 }, port);
  } catch (err) {
    throw portProblem(err, port);
  }
  try {
    const { control, running } = await startControl(ctx);
    return buildFleet(ctx, upstreams, [started.running, running], { mock: { v1: [{ host: '127.0.0.1', port: started.port }] } }, control);
  } catch (err) {
    await stopServer(started.running);
    throw err;
  }
}
