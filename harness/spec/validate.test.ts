import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec } from './load-spec.ts';
import { createSpecValidator, matchOperation } from './validate.ts';
import type { Operation, Spec } from '../model/spec.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const JSON_CT = { 'content-type': 'application/json' };

let tmp: string;
let pet: Spec;
let extra: Spec;
let extra31: Spec;
const op = (s: Spec, id: string): Operation => s.operations.find((o) => o.id === id)!;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'proxyproof-validate-'));
  pet = await loadSpec(path.join(repoRoot, 'openapi/petstore.yaml'));
  const file = path.join(tmp, 'extra.yaml');
  await writeFile(file, `openapi: 3.0.3
info: {title: extra, version: '1'}
paths:
  /pets/mine:
    get:
      operationId: minePets
      responses: {'200': {description: ok}}
  /pets/{id}:
    get:
      operationId: onePet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, pattern: '^[a-z]+$'}}
        - {name: X-Trace, in: header, required: true, schema: {type: string}}
        - {name: tags, in: query, schema: {type: array, items: {type: integer}}}
        - {name: flag, in: query, schema: {type: boolean}}
        - {name: session, in: cookie, required: true, schema: {type: string}}
      responses:
        '2XX':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [name]
                properties:
                  name: {type: string, nullable: true}
                  secret: {type: string, writeOnly: true}
                  kind: {type: string, enum: [a, b], nullable: true}
                  at: {type: string, format: date-time}
        '404':
          description: none
          content:
            application/problem+json:
              schema: {type: object}
        default:
          description: error
          content:
            application/json:
              schema: {type: object, required: [code], properties: {code: {type: integer}}}
  /{a}/{b}:
    get:
      operationId: twoTemplated
      parameters:
        - {name: a, in: path, required: true, schema: {type: string}}
        - {name: b, in: path, required: true, schema: {type: string}}
      responses: {'200': {description: ok}}
  /pets/{id}/toys:
    post:
      operationId: addToy
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [id, name]
              properties:
                id: {type: integer, readOnly: true}
                name: {type: string}
      responses: {'201': {description: created}}
`);
  extra = await loadSpec(file);
  const file31 = path.join(tmp, 'extra31.yaml');
  await writeFile(file31, `openapi: 3.1.0
info: {title: extra31, version: '1'}
paths:
  /items:
    post:
      operationId: addItem
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: [string, 'null']}
                tags: {type: array, prefixItems: [{const: first}]}
      responses: {'204': {description: ok}}
`);
  extra31 = await loadSpec(file31);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('matchOperation', () => {
  it('matches by method and concrete path, preferring literal segments', () => {
    expect(matchOperation(pet, 'GET', '/v1/pets')?.id).toBe('listPets');
    expect(matchOperation(pet, 'post', '/v1/pets')?.id).toBe('createPet');
    expect(matchOperation(pet, 'GET', '/v1/pets/12')?.id).toBe('showPetById');
    expect(matchOperation(pet, 'DELETE', '/v1/pets/12')?.id).toBe('deletePet');
    expect(matchOperation(pet, 'PATCH', '/v1/pets/12')).toBeUndefined();
    expect(matchOperation(pet, 'GET', '/pets')).toBeUndefined();
    expect(matchOperation(pet, 'GET', '/v1/pets/12/x')).toBeUndefined();
    expect(matchOperation(extra, 'GET', '/pets/mine')?.id).toBe('minePets');
    expect(matchOperation(extra, 'GET', '/pets/abc')?.id).toBe('onePet');
    expect(matchOperation(extra, 'GET', '/x/y')?.id).toBe('twoTemplated');
  });
});

describe('validateRequest', () => {
  it('accepts a good request and names each violation', () => {
    const v = createSpecValidator(pet);
    expect(v.validateRequest(op(pet, 'listPets'), { path: '/v1/pets?limit=10', headers: {} })).toEqual([]);
    expect(v.validateRequest(op(pet, 'listPets'), { path: '/v1/pets?limit=abc', headers: {} })).toEqual(["query parameter 'limit' must be integer"]);
    expect(v.validateRequest(op(pet, 'listPets'), { path: '/v1/pets?limit=500', headers: {} })).toEqual(["query parameter 'limit' must be <= 100"]);
    expect(v.validateRequest(op(pet, 'showPetById'), { path: '/v1/pets/0', headers: {} })).toEqual(["path parameter 'petId' must be >= 1"]);
    expect(v.validateRequest(op(pet, 'showPetById'), { path: '/v1/pets/abc', headers: {} })).toEqual(["path parameter 'petId' must be integer"]);
    const create = op(pet, 'createPet');
    expect(v.validateRequest(create, { path: '/v1/pets', headers: JSON_CT, body: '{"name":"Rex","tag":"dog"}' })).toEqual([]);
    expect(v.validateRequest(create, { path: '/v1/pets', headers: {} })).toEqual(['body is required']);
    expect(v.validateRequest(create, { path: '/v1/pets', headers: { 'Content-Type': 'text/plain' }, body: '{"name":"Rex"}' })).toEqual([
      "content-type 'text/plain' does not match application/json",
    ]);
    expect(v.validateRequest(create, { path: '/v1/pets', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"name":"Rex"' })).toEqual(['body is not valid JSON']);
    expect(v.validateRequest(create, { path: '/v1/pets', headers: JSON_CT, body: '{"name":"1x","tag":"fish"}' })).toEqual([
      'body/name must match pattern "^[A-Za-z][A-Za-z ]*$"',
      'body/tag must be equal to one of the allowed values ("dog", "cat", "bird")',
    ]);
  });

  it('checks required header and cookie parameters, array and boolean query values', () => {
    const v = createSpecValidator(extra);
    const one = op(extra, 'onePet');
    const headers = { 'x-trace': 't1', cookie: 'a=1; session=s' };
    expect(v.validateRequest(one, { path: '/pets/abc?tags=1&tags=2&flag=true', headers })).toEqual([]);
    expect(v.validateRequest(one, { path: '/pets/abc?tags=1,2', headers })).toEqual([]);
    expect(v.validateRequest(one, { path: '/pets/ABC?tags=x&flag=maybe', headers: {} })).toEqual([
      `path parameter 'id' must match pattern "^[a-z]+$"`,
      "header parameter 'X-Trace' is required",
      "query parameter 'tags'/0 must be integer",
      "query parameter 'flag' must be boolean",
      "cookie parameter 'session' is required",
    ]);
  });

  it('readOnly properties are not required in requests', () => {
    const v = createSpecValidator(extra);
    expect(v.validateRequest(op(extra, 'addToy'), { path: '/pets/a/toys', headers: JSON_CT, body: '{"name":"ball"}' })).toEqual([]);
  });

  it('3.1 schemas are validated as JSON Schema 2020-12', () => {
    const v = createSpecValidator(extra31);
    const add = op(extra31, 'addItem');
    expect(v.validateRequest(add, { path: '/items', headers: JSON_CT, body: '{"name":null,"tags":["first",2]}' })).toEqual([]);
    expect(v.validateRequest(add, { path: '/items', headers: JSON_CT, body: '{"name":1,"tags":["second"]}' })).toEqual([
      'body/name must be string,null',
      'body/tags/0 must be equal to constant',
    ]);
  });
});

describe('validateResponse', () => {
  it('picks exact status, then 2XX, then default; undocumented otherwise', () => {
    const v = createSpecValidator(extra);
    const one = op(extra, 'onePet');
    expect(v.validateResponse(one, 200, JSON_CT, '{"name":null,"kind":null,"at":"2024-01-02T03:04:05Z"}')).toEqual({ documented: true, errors: [] });
    expect(v.validateResponse(one, 201, JSON_CT, '{"name":"x"}')).toEqual({ documented: true, errors: [] });
    expect(v.validateResponse(one, 200, JSON_CT, '{"kind":"c","at":"yesterday"}')).toEqual({
      documented: true,
      errors: ["body must have required property 'name'", 'body/kind must be equal to one of the allowed values ("a", "b", null)', 'body/at must match format "date-time"'],
    });
    expect(v.validateResponse(one, 404, { 'content-type': 'application/problem+json' }, '{}')).toEqual({ documented: true, errors: [] });
    expect(v.validateResponse(one, 404, JSON_CT, '{}')).toEqual({
      documented: true,
      errors: ["content-type 'application/json' does not match application/problem+json documented for 404"],
    });
    expect(v.validateResponse(one, 500, JSON_CT, '{"code":"E1"}')).toEqual({ documented: true, errors: ['body/code must be integer'] });
    expect(v.validateResponse(op(pet, 'showPetById'), 500, JSON_CT, '{}')).toEqual({ documented: false, errors: [] });
    expect(v.validateResponse(one, 200, {}, '{"name":"x"}')).toEqual({ documented: true, errors: ["content-type '' does not match application/json documented for 2XX"] });
    expect(v.validateResponse(one, 200, JSON_CT, 'not json')).toEqual({ documented: true, errors: ['body is not valid JSON'] });
  });

  it('validates the example petstore responses, allOf and all', () => {
    const v = createSpecValidator(pet);
    expect(v.validateResponse(op(pet, 'listPets'), 200, JSON_CT, '[{"id":1,"name":"Rex"}]')).toEqual({ documented: true, errors: [] });
    expect(v.validateResponse(op(pet, 'listPets'), 200, JSON_CT, '[{"name":"Rex"}]').errors).toEqual(["body/0 must have required property 'id'"]);
    expect(v.validateResponse(op(pet, 'deletePet'), 204, {}, '')).toEqual({ documented: true, errors: [] });
  });
});
