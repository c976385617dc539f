import { tempFolder } from '../testing/fixtures.ts';
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec } from './load-spec.ts';
import { createSpecValidator } from './validate.ts';
import { generateResponse } from './generate-request.ts';
import { createRng } from '../util/rng.ts';
import { InputError } from '../model/errors.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const REAL = path.resolve(repoRoot, 'fixtures/realdata/openapi');
const real = (p: string) => path.join(REAL, p);

const folder = tempFolder('proxyproof-spec-');
const write = folder.write;

async function loadError(file: string): Promise<InputError> {
  try {
    await loadSpec(file);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).not.toContain('\n');
    return err as InputError;
  }
  throw new Error(`expected ${file} to fail`);
}

describe('loadSpec: the example petstore (3.0)', () => {
  it('builds every operation with base path, regex, security and parameters', async () => {
    const spec = await loadSpec(path.join(repoRoot, 'openapi/petstore.yaml'));
    expect(spec.version).toBe('3.0');
    expect(spec.title).toBe('Petstore');
    expect(spec.basePath).toBe('/v1');
    expect(spec.operations.map((o) => `${o.method} ${o.path} ${o.id}`)).toEqual([
      'GET /v1/pets listPets',
      'POST /v1/pets createPet',
      'GET /v1/pets/{petId} showPetById',
      'DELETE /v1/pets/{petId} deletePet',
      'GET /v1/health health',
    ]);
    const show = spec.operations.find((o) => o.id === 'showPetById')!;
    expect(show.pathRegex).toBe('^/v1/pets/[^/]+$');
    expect(show.pointer).toBe('#/paths/~1pets~1{petId}/get');
    expect(show.security).toEqual([{ ApiKeyAuth: [] }]);
    expect(show.parameters).toEqual([{ name: 'petId', in: 'path', required: true, schema: { type: 'integer', format: 'int64', minimum: 1 } }]);
    expect(spec.operations.find((o) => o.id === 'health')!.security).toEqual([]);
    expect(spec.securitySchemes).toEqual({ ApiKeyAuth: { kind: 'apiKey', name: 'X-API-Key', in: 'header' } });
    const list = spec.operations.find((o) => o.id === 'listPets')!;
    expect(list.parameters[0].example).toBe(10);
    expect(list.responses.map((r) => r.status)).toEqual(['200', 'default']);
    expect(list.responses[0].example).toEqual([{ id: 1, name: 'Rex', tag: 'dog' }, { id: 2, name: 'Tom', tag: 'cat' }]);
    // Self-contained schema: the $ref chain Pets -> Pet -> NewPet is carried under $defs.
    expect(list.responses[0].schema).toEqual({
      $ref: '#/$defs/Pets',
      $defs: {
        Pets: { type: 'array', maxItems: 100, items: { $ref: '#/$defs/Pet' } },
        Pet: { allOf: [{ $ref: '#/$defs/NewPet' }, { type: 'object', required: ['id'], properties: { id: { type: 'integer', format: 'int64', minimum: 1 } } }] },
        NewPet: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', minLength: 1, maxLength: 40, pattern: '^[A-Za-z][A-Za-z ]*$' }, tag: { type: 'string', enum: ['dog', 'cat', 'bird'] } },
        },
      },
    });
    expect(spec.operations.find((o) => o.id === 'createPet')!.requestBody).toMatchObject({ required: true, contentType: 'application/json' });
  });
});

describe('loadSpec: real specs (fixtures/realdata)', () => {
  it('2.0 petstore.yaml and petstore.json load to the same operations', async () => {
    const y = await loadSpec(real('oai-spec-repo/v2.0/petstore.yaml'));
    const j = await loadSpec(real('oai-spec-repo/v2.0/petstore.json'));
    expect(y.version).toBe('2.0');
    expect(y.basePath).toBe('/v1');
    expect(y.operations.map((o) => o.id)).toEqual(['listPets', 'createPets', 'showPetById']);
    expect(j.operations.map((o) => [o.id, o.path])).toEqual(y.operations.map((o) => [o.id, o.path]));
    expect(y.operations[0].responses.map((r) => [r.status, r.contentType])).toEqual([['200', 'application/json'], ['default', 'application/json']]);
  });

  it('2.0 uber: ids from METHOD_path, apiKey in query, operation-level security', async () => {
    const s = await loadSpec(real('oai-spec-repo/v2.0/uber.yaml'));
    expect(s.operations.map((o) => o.id)).toEqual(['GET_/products', 'GET_/estimates/price', 'GET_/estimates/time', 'GET_/me', 'GET_/history']);
    expect(s.securitySchemes).toEqual({ apikey: { kind: 'apiKey', name: 'server_token', in: 'query' } });
    expect(s.operations[0].security).toEqual([{ apikey: [] }]);
    expect(s.operations[1].security).toEqual([]);
    expect(s.operations[0].parameters.map((p) => `${p.in}:${p.name}:${p.required}`)).toEqual(['query:latitude:true', 'query:longitude:true']);
  });

  it('2.0 petstore-minimal: an operation without operationId', async () => {
    const s = await loadSpec(real('oai-spec-repo/v2.0/petstore-minimal.yaml'));
    expect(s.operations.map((o) => `${o.id} ${o.path}`)).toEqual(['GET_/pets /api/pets']);
  });

  it('3.0 uspto: servers path with a variable, form body, path params', async () => {
    const s = await loadSpec(real('oai-spec-repo/v3.0/uspto.yaml'));
    expect(s.basePath).toBe('/ds-api');
    expect(s.operations.map((o) => `${o.method} ${o.path} ${o.id}`)).toEqual([
      'GET /ds-api/ list-data-sets',
      'GET /ds-api/{dataset}/{version}/fields list-searchable-fields',
      'POST /ds-api/{dataset}/{version}/records perform-search',
    ]);
    expect(s.operations[2].requestBody?.contentType).toBe('application/x-www-form-urlencoded');
  });

  it('3.0 link-example and petstore-expanded', async () => {
    const l = await loadSpec(real('oai-spec-repo/v3.0/link-example.yaml'));
    expect(l.operations.map((o) => o.id)).toEqual(['getUserByName', 'getRepositoriesByOwner', 'getRepository', 'getPullRequestsByRepository', 'getPullRequestsById', 'mergePullRequest']);
    expect(l.operations[0].pathRegex).toBe('^/2\\.0/users/[^/]+$');
    const p = await loadSpec(real('oai-spec-repo/v3.0/petstore-expanded.yaml'));
    expect(p.operations.map((o) => `${o.method} ${o.path}`)).toEqual(['GET /v2/pets', 'POST /v2/pets', 'GET /v2/pets/{id}', 'DELETE /v2/pets/{id}']);
  });

  it('3.1 tictactoe: security schemes of every kind, alternatives with scopes', async () => {
    const s = await loadSpec(real('learn-openapis/v3.1/tictactoe.yaml'));
    expect(s.version).toBe('3.1');
    expect(s.basePath).toBe('');
    expect(s.operations.map((o) => o.id)).toEqual(['get-board', 'get-square', 'put-square']);
    expect(s.securitySchemes).toEqual({
      defaultApiKey: { kind: 'apiKey', name: 'api-key', in: 'header' },
      basicHttpAuthentication: { kind: 'basic' },
      bearerHttpAuthentication: { kind: 'bearer', format: 'JWT' },
      app2AppOauth: { kind: 'other', type: 'oauth2' },
      user2AppOauth: { kind: 'other', type: 'oauth2' },
    });
    expect(s.operations[0].security).toEqual([{ defaultApiKey: [] }, { app2AppOauth: ['board:read'] }]);
  });

  it('3.1 webhook-example has no path operations', async () => {
    const s = await loadSpec(real('oai-spec-repo/v3.1/webhook-example.yaml'));
    expect(s.version).toBe('3.1');
    expect(s.operations).toEqual([]);
  });

  it('3.2 is refused as unsupported', async () => {
    const file = real('learn-openapis/v3.2/3.2-tags-example.yaml');
    const err = await loadError(file);
    expect(err.message).toBe(`${file}:#/openapi: unsupported OpenAPI version "3.2.0" (supported: 2.0, 3.0.x, 3.1.x)`);
  });

  it('big real-world specs load (times logged, not asserted)', async () => {
    for (const [file, version, count] of [
      ['real-world/adyen-CheckoutService-v71.yaml', '3.1', 28],
      ['real-world/box-openapi.json', '3.0', 296],
      ['real-world/slack_web_openapi_v2.json', '2.0', 174],
    ] as const) {
      const t = performance.now();
      const s = await loadSpec(real(file));
      console.log(`loadSpec ${file}: ${s.operations.length} operations in ${Math.round(performance.now() - t)} ms`);
      expect(s.version).toBe(version);
      expect(s.operations.length).toBe(count);
      expect(new Set(s.operations.map((o) => o.id)).size).toBe(count);
    }
  });
});

describe('loadSpec: 2.0 specifics', () => {
  it('basePath, body/formData parameters, path-level parameters, examples per mime, securityDefinitions', async () => {
    const file = await write('s2.yaml', `swagger: '2.0'
info: {title: two, version: '1'}
basePath: /api/
consumes: [application/json]
produces: [application/xml, application/json]
securityDefinitions:
  b: {type: basic}
  k: {type: apiKey, name: X-Key, in: header}
security: [{k: []}]
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, type: integer}
      - {name: trace, in: header, type: string}
    put:
      operationId: putThing
      security: [{b: []}]
      parameters:
        - {name: trace, in: header, type: string, required: true}
        - {name: body, in: body, required: true, schema: {$ref: '#/definitions/Thing'}}
      responses:
        '200':
          description: ok
          schema: {$ref: '#/definitions/Thing'}
          examples: {application/json: {name: a, size: null}}
    post:
      operationId: postForm
      security: []
      consumes: [application/x-www-form-urlencoded]
      parameters:
        - {name: n, in: formData, type: integer, required: true, minimum: 1, exclusiveMinimum: true}
      responses:
        '204': {description: none}
definitions:
  Thing:
    type: object
    required: [name]
    properties:
      name: {type: string}
      size: {type: integer, x-nullable: true}
`);
    const s = await loadSpec(file);
    expect(s.basePath).toBe('/api');
    expect(s.securitySchemes).toEqual({ b: { kind: 'basic' }, k: { kind: 'apiKey', name: 'X-Key', in: 'header' } });
    const put = s.operations[0];
    expect(put.path).toBe('/api/things/{id}');
    expect(put.security).toEqual([{ b: [] }]);
    expect(put.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'integer' } },
      { name: 'trace', in: 'header', required: true, schema: { type: 'string' } },
    ]);
    expect(put.requestBody).toEqual({
      required: true,
      contentType: 'application/json',
      schema: { $ref: '#/$defs/Thing', $defs: { Thing: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, size: { type: ['integer', 'null'] } } } } },
    });
    expect(put.responses[0]).toMatchObject({ status: '200', contentType: 'application/json', example: { name: 'a', size: null } });
    const post = s.operations[1];
    expect(post.security).toEqual([]);
    expect(post.requestBody).toEqual({
      required: true,
      contentType: 'application/x-www-form-urlencoded',
      schema: { type: 'object', required: ['n'], properties: { n: { type: 'integer', exclusiveMinimum: 1 } } },
    });
    expect(post.responses).toEqual([{ status: '204' }]);
  });
});

describe('loadSpec: bad input is one line naming the file and the place', () => {
  it('missing file', async () => {
    const file = path.join(folder.path, 'nope.yaml');
    expect((await loadError(file)).message).toBe(`${file}: no such file`);
  });

  it('YAML syntax error names the line', async () => {
    const file = await write('bad-yaml.yaml', 'openapi: 3.0.3\ninfo:\n  title: x\n  title: y\n  version: 1\npaths: {}\n');
    expect((await loadError(file)).message).toBe(`${file}:line 4: YAML syntax error: Map keys must be unique`);
    const flow = await write('bad-flow.yaml', 'openapi: 3.0.3\ninfo:\n  title: x\n  version: [1\npaths: {}\n');
    const err = await loadError(flow);
    // yaml reports an unclosed flow sequence where it notices it: the next line.
    expect(err.place).toBe('line 5');
    expect(err.message).toBe(`${flow}:line 5: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]`);
  });

  it('JSON syntax error names the line', async () => {
    const file = await write('bad.json', '{\n  "openapi": "3.0.3",\n  "info": {,\n}');
    const err = await loadError(file);
    expect(err.place).toBe('line 3');
    expect(err.message.startsWith(`${file}:line 3: JSON syntax error: `)).toBe(true);
  });

  it('not an OpenAPI document', async () => {
    const file = await write('other.yaml', 'name: my suite\nsteps: []\n');
    expect((await loadError(file)).message).toBe(`${file}: not an OpenAPI document (no \`openapi\` or \`swagger\` field)`);
    const list = await write('list.yaml', '- a\n- b\n');
    expect((await loadError(list)).message).toBe(`${list}: not an OpenAPI document (expected a mapping with an \`openapi\` or \`swagger\` field)`);
  });

  it('unsupported versions', async () => {
    const f1 = await write('v12.yaml', 'swagger: "1.2"\ninfo: {title: x, version: "1"}\npaths: {}\n');
    expect((await loadError(f1)).message).toBe(`${f1}:#/swagger: unsupported Swagger version "1.2" (supported: 2.0, 3.0.x, 3.1.x)`);
  });

  it('a version written as a number, and a document without paths', async () => {
    const num = await write('num.yaml', "swagger: 2.0\ninfo: {title: x, version: '1'}\npaths: {}\n");
    expect((await loadError(num)).message).toBe(`${num}:#/swagger: the version must be a string (quote it: swagger: "2.0"), not the number 2`);
    const nopaths = await write('nopaths.yaml', "openapi: 3.0.3\ninfo: {title: x, version: '1'}\n");
    expect((await loadError(nopaths)).message).toBe(`${nopaths}: no \`paths\` (3.0 needs paths; 3.1 needs paths or webhooks)`);
  });

  it('a path template parameter the operation does not define', async () => {
    const file = await write('tmpl.yaml', "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      responses: {'200': {description: ok}}\n");
    expect((await loadError(file)).message).toBe(`${file}:#/paths/~1a~1{id}/get: path template /a/{id} uses {id} but the operation defines no path parameter 'id'`);
  });

  it('duplicate parameters (2.0) name the parameters list', async () => {
    const file = await write('dupparam.yaml', `swagger: '2.0'
info: {title: x, version: '1'}
paths:
  /a:
    get:
      parameters:
        - {name: q, in: query, type: string}
        - {name: q, in: query, type: string}
      responses: {'200': {description: ok}}
`);
    expect((await loadError(file)).message).toBe(`${file}:#/paths/~1a/get/parameters: must NOT have duplicate items (items ## 0 and 1 are identical)`);
  });

  it('schema validation failure names the deepest pointer', async () => {
    const file = await write('badtype.yaml', `openapi: 3.0.3
info: {title: x, version: '1'}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: objectx}
`);
    expect((await loadError(file)).message).toBe(
      `${file}:#/paths/~1a/get/responses/200/content/application~1json/schema/type: must be equal to one of the allowed values (array, boolean, integer, number, object, string)`,
    );
  });

  it('a $ref to nothing names the pointer', async () => {
    const file = await write('badref.yaml', `openapi: 3.0.3
info: {title: x, version: '1'}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Missing'}
`);
    expect((await loadError(file)).message).toBe(`${file}:#/components/schemas/Missing: $ref target does not exist`);
  });

  it('a cycle with no base case is refused; an ordinary recursive schema loads and generates', async () => {
    const doc = (node: string) => `openapi: 3.0.3
info: {title: x, version: '1'}
paths:
  /tree:
    get:
      operationId: tree
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
${node}`;
    const bad = await write('cycle.yaml', doc(`    Node:
      type: object
      required: [value, next]
      properties:
        value: {type: integer}
        next: {$ref: '#/components/schemas/Link'}
    Link:
      allOf:
        - $ref: '#/components/schemas/Node'
`));
    expect((await loadError(bad)).message).toBe(
      `${bad}:#/components/schemas/Link: schema has no finite instance: it requires itself through a cycle with no base case (#/components/schemas/Link, #/components/schemas/Node)`,
    );

    const good = await write('tree.yaml', doc(`    Node:
      type: object
      required: [value, children]
      properties:
        value: {type: integer}
        parent: {$ref: '#/components/schemas/Node'}
        children:
          type: array
          items: {$ref: '#/components/schemas/Node'}
        next:
          nullable: true
          allOf: [{$ref: '#/components/schemas/Node'}]
`));
    const spec = await loadSpec(good);
    const op = spec.operations[0];
    const v = createSpecValidator(spec);
    for (let seed = 1; seed <= 20; seed++) {
      const r = generateResponse(spec, op, createRng(seed));
      expect(r.status).toBe(200);
      expect(v.validateResponse(op, r.status, { 'content-type': 'application/json' }, r.body)).toEqual({ documented: true, errors: [] });
    }
    // Deep instances validate too.
    const deep = { value: 1, children: [{ value: 2, children: [{ value: 3, children: [] }] }], parent: { value: 0, children: [] }, next: null };
    expect(v.validateResponse(op, 200, { 'content-type': 'application/json' }, JSON.stringify(deep)).errors).toEqual([]);
    expect(v.validateResponse(op, 200, { 'content-type': 'application/json' }, JSON.stringify({ value: 1, children: [{ value: 'x' }] })).errors).toEqual([
      "body/children/0 must have required property 'children'",
      'body/children/0/value must be integer',
    ]);
  });

  it('duplicate operationIds are refused', async () => {
    const file = await write('dup.yaml', `openapi: 3.0.3
info: {title: x, version: '1'}
paths:
  /a:
    get: {operationId: same, responses: {'200': {description: ok}}}
  /b:
    get: {operationId: same, responses: {'200': {description: ok}}}
`);
    const err = await loadError(file);
    expect(err.message).toContain(file);
    expect(err.message).toContain('same');
  });
});
