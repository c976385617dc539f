// Test helpers: the example petstore suite and spec as literals (no loaders),
// and a RenderInput with fake endpoints.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Operation, Spec } from '../model/spec.ts';
import type { Suite } from '../model/suite.ts';
import type { Endpoint } from '../model/upstream.ts';
import type { RenderInput } from '../model/target.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const secured = [{ ApiKeyAuth: [] }];

function op(id: string, method: Operation['method'], p: string, pathRegex: string, security = secured): Operation {
  return { id, method, path: p, pathRegex, security, parameters: [], responses: [], pointer: `/paths/${p}/${method.toLowerCase()}` };
}

export function exampleSpec(): Spec {
  return {
    file: path.join(REPO_ROOT, 'openapi/petstore.yaml'),
    version: '3.0',
    title: 'Petstore',
    basePath: '/v1',
    operations: [
      op('listPets', 'GET', '/v1/pets', '^/v1/pets$'),
      op('createPet', 'POST', '/v1/pets', '^/v1/pets$'),
      op('showPetById', 'GET', '/v1/pets/{petId}', '^/v1/pets/[^/]+$'),
      op('deletePet', 'DELETE', '/v1/pets/{petId}', '^/v1/pets/[^/]+$'),
      op('health', 'GET', '/v1/health', '^/v1/health$', []),
    ],
    securitySchemes: { ApiKeyAuth: { kind: 'apiKey', name: 'X-API-Key', in: 'header' } },
    doc: {},
  };
}

export function exampleSuite(): Suite {
  return {
    file: path.join(REPO_ROOT, 'suites/petstore.suite.yaml'),
    dir: path.join(REPO_ROOT, 'suites'),
    name: 'petstore',
    spec: path.join(REPO_ROOT, 'openapi/petstore.yaml'),
    upstreams: [{ name: 'petstore', versions: ['v1', 'v2'], replicas: 2 }],
    consumers: [
      { name: 'alice', valid: true, credential: { kind: 'apiKey', key: 'alice-key-5f2c8e' } },
      { name: 'bob', valid: true, credential: { kind: 'apiKey', key: 'bob-key-91ad07' } },
      { name: 'mallory', valid: false, credential: { kind: 'apiKey', key: 'wrong-key' } },
    ],
    targets: [
      { name: 'nginx', config: path.join(REPO_ROOT, 'fixtures/nginx/petstore.conf'), render: false },
      { name: 'haproxy', render: true },
    ],
    policies: {
      auth: { scheme: 'ApiKeyAuth', reject: [401, 403] },
      rateLimit: { limit: 5, windowMs: 1000, by: 'consumer', operations: ['listPets'] },
      retry: { attempts: 2, on: [502, 503, 504], methods: ['GET'], perTryTimeoutMs: 500 },
      canary: { upstream: 'petstore', weights: { v1: 90, v2: 10 }, tolerance: 0.05, alpha: 1e-4, maxRequests: 6400 },
      contract: {},
      timeout: { requestMs: 2000, status: [504] },
    },
  };
}

/** A RenderInput; every replica at the given endpoints (or fake ports 20001..). */
export function exampleInput(workdir: string, listen: Endpoint, replicas?: Endpoint[]): RenderInput {
  const ep = (i: number): Endpoint => replicas?.[i % replicas.length] ?? { host: '127.0.0.1', port: 20001 + i };
  return {
    suite: exampleSuite(),
    spec: exampleSpec(),
    listen,
    upstreams: { petstore: { v1: [ep(0), ep(1)], v2: [ep(2), ep(3)] } },
    workdir,
  };
}
