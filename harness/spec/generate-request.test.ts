import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec } from './load-spec.ts';
import { createSpecValidator, matchOperation } from './validate.ts';
import { generateRequest, generateResponse } from './generate-request.ts';
import { createRng } from '../util/rng.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const REAL = path.resolve(repoRoot, 'fixtures/realdata/openapi');

const SEEDS = 8;

async function checkAll(file: string): Promise<{ ops: number; checked: number }> {
  const spec = await loadSpec(file);
  const v = createSpecValidator(spec);
  let checked = 0;
  for (const op of spec.operations) {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const rng = createRng(seed);
      const req = generateRequest(spec, op, rng);
      expect(req.method).toBe(op.method);
      const pathOnly = req.path.split('?')[0];
      expect(new RegExp(op.pathRegex).test(pathOnly), `${op.id}: ${req.path}`).toBe(true);
      expect(matchOperation(spec, req.method, pathOnly)?.path, `${op.id}: ${req.path}`).toBe(op.path);
      expect(v.validateRequest(op, req), `${op.id} seed ${seed}: ${JSON.stringify(req)}`).toEqual([]);
      const res = generateResponse(spec, op, rng);
      const headers: Record<string, string> = res.contentType ? { 'content-type': res.contentType } : {};
      expect(v.validateResponse(op, res.status, headers, res.body), `${op.id} seed ${seed}: ${res.status} ${res.body}`).toEqual({ documented: true, errors: [] });
      checked++;
    }
  }
  return { ops: spec.operations.length, checked };
}

describe('generated requests and responses validate against their own spec', () => {
  it('the example petstore', async () => {
    expect(await checkAll(path.join(repoRoot, 'openapi/petstore.yaml'))).toEqual({ ops: 5, checked: 5 * SEEDS });
  });

  describe('real specs (fixtures/realdata)', () => {
    // Every operation of each listed file; none skipped.
    for (const [file, ops] of [
      ['oai-spec-repo/v2.0/petstore.yaml', 3],
      ['oai-spec-repo/v2.0/petstore.json', 3],
      ['oai-spec-repo/v2.0/petstore-minimal.yaml', 1],
      ['oai-spec-repo/v2.0/petstore-expanded.yaml', 4],
      ['oai-spec-repo/v2.0/petstore-with-external-docs.yaml', 4],
      ['oai-spec-repo/v2.0/uber.yaml', 5],
      ['oai-spec-repo/v3.0/petstore.yaml', 3],
      ['oai-spec-repo/v3.0/petstore-expanded.yaml', 4],
      ['oai-spec-repo/v3.0/uspto.yaml', 3],
      ['oai-spec-repo/v3.0/link-example.yaml', 6],
      ['learn-openapis/v3.1/tictactoe.yaml', 3],
    ] as const) {
      it(file, async () => {
        expect(await checkAll(path.join(REAL, file))).toEqual({ ops, checked: ops * SEEDS });
      });
    }

    it('real-world specs: generation validates for every operation (time logged)', async () => {
      for (const file of ['real-world/adyen-CheckoutService-v71.yaml', 'real-world/slack_web_openapi_v2.json', 'real-world/box-openapi.json']) {
        const t = performance.now();
        const r = await checkAllOnce(path.join(REAL, file));
        console.log(`generate ${file}: ${r.ops} operations, ${r.bad.length} invalid, ${Math.round(performance.now() - t)} ms`);
        expect(r.bad).toEqual([]);
      }
    });
  });
});

async function checkAllOnce(file: string): Promise<{ ops: number; bad: string[] }> {
  const spec = await loadSpec(file);
  const v = createSpecValidator(spec);
  const bad: string[] = [];
  for (const op of spec.operations) {
    const rng = createRng(7);
    const req = generateRequest(spec, op, rng);
    const e1 = v.validateRequest(op, req);
    if (e1.length) bad.push(`${op.id} request: ${e1.join('; ')}`);
    const res = generateResponse(spec, op, rng);
    const e2 = v.validateResponse(op, res.status, res.contentType ? { 'content-type': res.contentType } : {}, res.body);
    if (!e2.documented || e2.errors.length) bad.push(`${op.id} response ${res.status}: ${e2.errors.join('; ')}`);
  }
  return { ops: spec.operations.length, bad };
}

describe('generation details', () => {
  it('a seed reproduces the same requests and responses; another seed differs', async () => {
    const spec = await loadSpec(path.join(repoRoot, 'openapi/petstore.yaml'));
    const run = (seed: number) => {
      const rng = createRng(seed);
      return spec.operations.flatMap((op) => [generateRequest(spec, op, rng), generateRequest(spec, op, rng), generateResponse(spec, op, rng)]);
    };
    expect(run(42)).toEqual(run(42));
    expect(JSON.stringify(run(42))).not.toBe(JSON.stringify(run(43)));
  });

  it('examples come first; generated bodies are JSON with content-type', async () => {
    const spec = await loadSpec(path.join(repoRoot, 'openapi/petstore.yaml'));
    const list = spec.operations.find((o) => o.id === 'listPets')!;
    expect(generateResponse(spec, list, createRng(1))).toEqual({ status: 200, contentType: 'application/json', body: '[{"id":1,"name":"Rex","tag":"dog"},{"id":2,"name":"Tom","tag":"cat"}]' });
    const create = spec.operations.find((o) => o.id === 'createPet')!;
    const req = generateRequest(spec, create, createRng(1));
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body!)).toHaveProperty('name');
    expect(generateResponse(spec, create, createRng(1)).status).toBe(201);
    const del = spec.operations.find((o) => o.id === 'deletePet')!;
    expect(generateResponse(spec, del, createRng(1))).toEqual({ status: 204, body: '' });
  });

  it('consumer headers and overrides apply; path values are URL-encoded', async () => {
    const spec = await loadSpec(path.join(repoRoot, 'openapi/petstore.yaml'));
    const show = spec.operations.find((o) => o.id === 'showPetById')!;
    const req = generateRequest(spec, show, createRng(3), {
      consumerHeaders: { 'X-API-Key': 'k1' },
      overrides: { path: { petId: 'a b/c' }, query: { extra: '1&2' }, headers: { 'x-request-id': 'r1' } },
    });
    expect(req).toEqual({ method: 'GET', path: '/v1/pets/a%20b%2Fc?extra=1%262', headers: { 'X-API-Key': 'k1', 'x-request-id': 'r1' } });
    const create = spec.operations.find((o) => o.id === 'createPet')!;
    const bad = generateRequest(spec, create, createRng(3), { overrides: { body: { name: 5 } } });
    expect(bad.body).toBe('{"name":5}');
    expect(createSpecValidator(spec).validateRequest(create, bad)).toEqual(['body/name must be string']);
  });
});
