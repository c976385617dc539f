import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec } from '../spec/load-spec.ts';
import { createSpecValidator } from '../spec/validate.ts';
import type { Spec } from '../model/spec.ts';
import { EnvironmentError } from '../model/errors.ts';
import { startMockFleet, startStandaloneMock, type MockFleet } from './mock-upstream.ts';
import { REQUEST_ID_HEADER, SERVED_BY_HEADER, type Endpoint } from '../model/upstream.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const SPEC_FILE = path.join(repoRoot, 'openapi/petstore.yaml');

let spec: Spec;
let fleet: MockFleet;
let counter = 0;
const rid = () => `req-${process.pid}-${++counter}`;
const url = (e: Endpoint, p: string) => `http://${e.host}:${e.port}${p}`;

beforeAll(async () => {
  spec = await loadSpec(SPEC_FILE);
  fleet = await startMockFleet(
    spec,
    [
      { name: 'pets', versions: ['v1', 'v2'], replicas: 2, operations: ['listPets', 'createPet', 'showPetById', 'deletePet'] },
      { name: 'misc', versions: ['v1'], replicas: 1 },
    ],
    { seed: 7 },
  );
});
afterAll(async () => {
  await fleet?.close();
});

describe('startMockFleet', () => {
  it('starts one server per upstream x version x replica on 127.0.0.1', () => {
    expect(Object.keys(fleet.endpoints)).toEqual(['pets', 'misc']);
    expect(Object.keys(fleet.endpoints.pets)).toEqual(['v1', 'v2']);
    const all = [...fleet.endpoints.pets.v1, ...fleet.endpoints.pets.v2, ...fleet.endpoints.misc.v1];
    expect(all).toHaveLength(5);
    expect(new Set(all.map((e) => e.port)).size).toBe(5);
    for (const e of all) expect(e.host).toBe('127.0.0.1');
    expect(fleet.operationsOf('pets').map((o) => o.id)).toEqual(['listPets', 'createPet', 'showPetById', 'deletePet']);
    expect(fleet.operationsOf('misc').map((o) => o.id)).toEqual(['health']);
    expect(fleet.operationsOf('nope')).toEqual([]);
  });

  it('answers with a response that validates, says who served, and journals the try', async () => {
    const id = rid();
    const res = await fetch(url(fleet.endpoints.pets.v2[1], '/v1/pets?limit=3'), { headers: { [REQUEST_ID_HEADER]: id, 'x-api-key': 'k' } });
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get(SERVED_BY_HEADER)).toBe('pets/v2/2');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(body).toBe('[{"id":1,"name":"Rex","tag":"dog"},{"id":2,"name":"Tom","tag":"cat"}]');
    const op = spec.operations.find((o) => o.id === 'listPets')!;
    expect(createSpecValidator(spec).validateResponse(op, res.status, { 'content-type': res.headers.get('content-type')! }, body)).toEqual({ documented: true, errors: [] });
    const [e] = fleet.journal.forRequest(id);
    expect(e).toMatchObject({ requestId: id, upstream: 'pets', version: 'v2', replica: 2, method: 'GET', path: '/v1/pets', query: 'limit=3', attempt: 1, operationId: 'listPets', status: 200, violations: [] });
    // The key is journaled as its tag, never raw.
    expect(e.headers['x-api-key']).toBe(fleet.credentialTag('k'));

    const created = await fetch(url(fleet.endpoints.pets.v1[0], '/v1/pets'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Rex"}' });
    expect(created.status).toBe(201);
    expect(created.headers.get(SERVED_BY_HEADER)).toBe('pets/v1/1');
    const pet = (await created.json()) as Record<string, unknown>;
    expect(typeof pet.id).toBe('number');
    expect(typeof pet.name).toBe('string');
    const deleted = await fetch(url(fleet.endpoints.pets.v1[1], '/v1/pets/3'), { method: 'DELETE' });
    expect([deleted.status, await deleted.text()]).toEqual([204, '']);
  });

  it('records violations for a bad request, and for an operation another upstream serves', async () => {
    const id = rid();
    const res = await fetch(url(fleet.endpoints.pets.v1[0], '/v1/pets?limit=abc'), { headers: { [REQUEST_ID_HEADER]: id } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(fleet.journal.forRequest(id)[0].violations).toEqual(["query parameter 'limit' must be integer"]);

    const id2 = rid();
    const res2 = await fetch(url(fleet.endpoints.pets.v1[0], '/v1/pets'), { method: 'POST', headers: { [REQUEST_ID_HEADER]: id2, 'content-type': 'text/plain' }, body: 'x' });
    await res2.arrayBuffer();
    expect(fleet.journal.forRequest(id2)[0].violations).toEqual(["content-type 'text/plain' does not match application/json"]);

    const id3 = rid();
    const res3 = await fetch(url(fleet.endpoints.pets.v1[0], '/v1/health'), { headers: { [REQUEST_ID_HEADER]: id3 } });
    expect(res3.status).toBe(200);
    expect(await res3.json()).toEqual({ status: 'ok' });
    expect(fleet.journal.forRequest(id3)[0].violations).toEqual(["operation 'health' is served by upstream 'misc', not 'pets'"]);
  });

  it('answers 404 JSON for a path no operation matches, and journals it', async () => {
    const id = rid();
    const res = await fetch(url(fleet.endpoints.misc.v1[0], '/v1/nothing/here'), { headers: { [REQUEST_ID_HEADER]: id } });
    expect(res.status).toBe(404);
    expect(res.headers.get(SERVED_BY_HEADER)).toBe('misc/v1/1');
    expect(await res.json()).toEqual({ error: 'no operation matches GET /v1/nothing/here' });
    expect(fleet.journal.forRequest(id)).toMatchObject([{ status: 404, violations: ['no operation matches GET /v1/nothing/here'] }]);
  });

  it('fault program: fail the first 2 tries, then succeed; attempts counted across replicas', async () => {
    const id = rid();
    fleet.faults.set(id, { failFirst: 2, status: 503 });
    const seen: number[] = [];
    const replicas = fleet.endpoints.pets.v1;
    for (let i = 0; i < 3; i++) {
      // A retrying client, each try to the next replica.
      const res = await fetch(url(replicas[i % 2], '/v1/pets/5'), { headers: { [REQUEST_ID_HEADER]: id } });
      seen.push(res.status);
      const body = (await res.json()) as Record<string, unknown>;
      if (res.status === 503) expect(body).toEqual({ error: 'injected fault', attempt: i + 1, servedBy: `pets/v1/${(i % 2) + 1}` });
    }
    expect(seen).toEqual([503, 503, 200]);
    expect(fleet.journal.forRequest(id).map((e) => [e.attempt, e.replica, e.status])).toEqual([[1, 1, 503], [2, 2, 503], [3, 1, 200]]);
  });

  it('fault program: delay the first try only', async () => {
    const id = rid();
    fleet.faults.set(id, { delayMs: 300, delayFirst: 1 });
    const e = fleet.endpoints.pets.v2[0];
    let t = performance.now();
    const r1 = await fetch(url(e, '/v1/pets/1'), { headers: { [REQUEST_ID_HEADER]: id } });
    await r1.arrayBuffer();
    const first = performance.now() - t;
    t = performance.now();
    const r2 = await fetch(url(e, '/v1/pets/1'), { headers: { [REQUEST_ID_HEADER]: id } });
    await r2.arrayBuffer();
    const second = performance.now() - t;
    expect(r1.status).toBe(200);
    expect(r2.status).toBe(200);
    expect(first).toBeGreaterThanOrEqual(290);
    expect(second).toBeLessThan(250);
  });

  it('a delayed try whose client went away does not crash the mock', async () => {
    const id = rid();
    fleet.faults.set(id, { delayMs: 400, delayFirst: 1 });
    const e = fleet.endpoints.pets.v1[0];
    const ac = new AbortController();
    const pending = fetch(url(e, '/v1/pets/2'), { headers: { [REQUEST_ID_HEADER]: id }, signal: ac.signal });
    await sleep(100);
    ac.abort();
    await expect(pending).rejects.toThrow();
    await sleep(450);
    const retry = await fetch(url(e, '/v1/pets/2'), { headers: { [REQUEST_ID_HEADER]: id } });
    expect(retry.status).toBe(200);
    await retry.arrayBuffer();
    expect(fleet.journal.forRequest(id).map((x) => x.attempt)).toEqual([1, 2]);
  });

  it('admin API on the control listener: set faults, read and clear the journal; admin calls are not journaled', async () => {
    const e = fleet.endpoints.misc.v1[0];
    const admin = (p: string, init: RequestInit = {}) => fetch(`${fleet.control.url}/__proxyproof/${p}`, { ...init, headers: { authorization: `Bearer ${fleet.control.token}` } });
    expect(new URL(fleet.control.url).hostname).toBe('127.0.0.1');
    const id = rid();
    const set = await admin('faults', { method: 'POST', body: JSON.stringify({ requestId: id, program: { failFirst: 1, status: 500 } }) });
    expect(set.status).toBe(204);
    const bad = await admin('faults', { method: 'POST', body: JSON.stringify({ requestId: id, program: { failFirst: 'x' } }) });
    expect([bad.status, await bad.json()]).toEqual([400, { error: 'fault program failFirst must be a non-negative integer' }]);
    const r = await fetch(url(e, '/v1/health'), { headers: { [REQUEST_ID_HEADER]: id } });
    expect(r.status).toBe(500);
    await r.arrayBuffer();
    const before = fleet.journal.lastSeq();
    const got = await admin(`journal?since=${before - 1}`);
    const body = (await got.json()) as { entries: { requestId?: string; status: number }[] };
    expect(body.entries.map((x) => [x.requestId, x.status])).toEqual([[id, 500]]);
    expect(fleet.journal.lastSeq()).toBe(before);
    const unknown = await admin('nothing');
    expect(unknown.status).toBe(404);
    await unknown.arrayBuffer();
    const del = await admin('journal', { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(fleet.journal.count()).toBe(0);
    const clear = await admin('faults', { method: 'DELETE' });
    expect(clear.status).toBe(204);
    expect(fleet.faults.get(id)).toBeUndefined();
  });
});

describe('close and standalone', () => {
  it('close() destroys open keep-alive sockets and leaves nothing listening', async () => {
    const f = await startMockFleet(spec, [{ name: 'all', versions: ['v1'], replicas: 1 }], { seed: 1 });
    const e = f.endpoints.all.v1[0];
    const agent = new http.Agent({ keepAlive: true });
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ host: e.host, port: e.port, path: '/v1/health', agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }).on('error', reject);
    });
    expect(status).toBe(200);
    const t = performance.now();
    await f.close();
    expect(performance.now() - t).toBeLessThan(1000);
    await f[Symbol.asyncDispose]();
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const s = net.connect(e.port, '127.0.0.1');
      s.on('connect', () => { s.destroy(); resolve(Object.assign(new Error('connected'), { code: 'CONNECTED' })); });
      s.on('error', (er) => resolve(er as NodeJS.ErrnoException));
    });
    expect(err.code).toBe('ECONNREFUSED');
    agent.destroy();
  });

  it('startStandaloneMock binds the given port and refuses a port in use with an EnvironmentError', async () => {
    const first = await startStandaloneMock(SPEC_FILE, 0, 3);
    try {
      const e = first.endpoints.mock.v1[0];
      expect(e.host).toBe('127.0.0.1');
      const res = await fetch(url(e, '/v1/pets/9'));
      expect(res.headers.get(SERVED_BY_HEADER)).toBe('mock/v1/1');
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      // Its admin API is on its own control port, not the given one.
      expect(first.control.url).not.toBe(`http://127.0.0.1:${e.port}`);
      const journal = await fetch(`${first.control.url}/__proxyproof/journal`, { headers: { authorization: `Bearer ${first.control.token}` } });
      expect(journal.status).toBe(200);
      expect(((await journal.json()) as { entries: unknown[] }).entries).toHaveLength(1);
      const err = await startStandaloneMock(SPEC_FILE, e.port, 3).then(() => undefined, (x: unknown) => x);
      expect(err).toBeInstanceOf(EnvironmentError);
      expect((err as Error).message).toBe(`port ${e.port} on 127.0.0.1 is already in use (choose another --port or stop what listens there)`);
    } finally {
      await first.close();
    }
  });
});
