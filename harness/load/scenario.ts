// From a suite's load scenario to what the engine sends: one pre-encoded
// request per operation x consumer (generated from the spec, credentials placed
// as the auth scheme says), weighted per scenario; and the engine model.

import type { Spec } from '../model/spec.ts';
import type { LoadScenario, Suite } from '../model/suite.ts';
import { generateRequest } from '../spec/generate-request.ts';
import { hasSuccessResponse } from '../checks/shared/select.ts';
import { authSchemeOf, placeCredential, validConsumers } from '../checks/shared/credentials.ts';
import { forkRng } from '../util/rng.ts';
import type { Model, RequestTemplate } from './engine.ts';
import { InputError } from '../model/errors.ts';

/** Encode one HTTP/1.1 request. */
export function encodeRequest(method: string, path: string, headers: Record<string, string>, body?: string): Buffer {
  let head = `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    const n = k.toLowerCase();
    if (n === 'host' || n === 'content-length' || n === 'connection') continue;
    head += `${k}: ${v}\r\n`;
  }
  const b = body !== undefined ? Buffer.from(body, 'utf8') : undefined;
  if (b || method === 'POST' || method === 'PUT' || method === 'PATCH') head += `content-length: ${b?.length ?? 0}\r\n`;
  head += '\r\n';
  return b ? Buffer.concat([Buffer.from(head, 'latin1'), b]) : Buffer.from(head, 'latin1');
}

/** The requests of a scenario. Operations default to every GET with a success response. */
export function templatesFor(suite: Suite, spec: Spec, sc: Pick<LoadScenario, 'operations' | 'consumers' | 'name'>, seed: number): RequestTemplate[] {
  const ops = sc.operations
    ? Object.entries(sc.operations).map(([id, w]) => {
        const op = spec.operations.find((o) => o.id === id);
        if (!op) throw new InputError(suite.file, `load.scenarios.${sc.name}.operations`, `operation ${id} is not in ${spec.file}`);
        return { op, w };
      })
    : spec.operations.filter((o) => o.method === 'GET' && hasSuccessResponse(o)).map((op) => ({ op, w: 1 }));
  if (!ops.length) throw new InputError(suite.file, `load.scenarios.${sc.name}`, 'no operation to drive (give operations:)');
  const scheme = authSchemeOf(suite.policies, spec)?.scheme;
  const consumers = sc.consumers ? suite.consumers.filter((c) => sc.consumers!.includes(c.name)) : validConsumers(suite);
  const out: RequestTemplate[] = [];
  for (const { op, w } of ops) {
    const who = consumers.length ? consumers : [undefined];
    for (const c of who) {
      const req = generateRequest(spec, op, forkRng(seed, `load:${sc.name}:${op.id}:${c?.name ?? '-'}`));
      const cred = placeCredential(c, scheme);
      let path = req.path;
      const q = new URLSearchParams(cred.query).toString();
      if (q) path += (path.includes('?') ? '&' : '?') + q;
      out.push({ name: op.id, weight: w / who.length, head: op.method === 'HEAD', bytes: encodeRequest(op.method, path, { ...req.headers, ...cred.headers }, req.body) });
    }
  }
  return out;
}

/** The engine model of a scenario (rates converted to per second). */
export function modelFor(sc: LoadScenario): Model {
  const perSec = (r: number) => (r * 1000) / sc.timeUnitMs;
  if (sc.executor === 'constant-vus') return { kind: 'closed', connections: sc.vus ?? 1, durationMs: sc.durationMs! };
  if (sc.executor === 'constant-arrival-rate') {
    const rate = perSec(sc.rate!);
    // Enough connections for the rate at a few ms of latency, unless the suite says.
    const pre = sc.preAllocatedVUs ?? Math.min(256, Math.max(4, Math.ceil(rate / 500)));
    return { kind: 'constant-arrival-rate', rate, durationMs: sc.durationMs!, connections: pre, maxConnections: sc.maxVUs ?? Math.max(pre, 256) };
  }
  const peak = Math.max(sc.startRate ?? 0, ...sc.stages!.map((s) => s.target));
  const pre = sc.preAllocatedVUs ?? Math.min(256, Math.max(4, Math.ceil(perSec(peak) / 500)));
  return {
    kind: 'ramping-arrival-rate',
    startRate: perSec(sc.startRate ?? 0),
    stages: sc.stages!.map((s) => ({ target: perSec(s.target), durationMs: s.durationMs })),
    connections: pre,
    maxConnections: sc.maxVUs ?? Math.max(pre, 256),
  };
}

/** The upstream serving the scenario's first operation: the direct path's endpoints. */
export function directUpstream(operations: Record<string, string[]>, templates: RequestTemplate[]): string | undefined {
  const first = templates[0]?.name;
  return Object.keys(operations).find((u) => operations[u].includes(first));
}
