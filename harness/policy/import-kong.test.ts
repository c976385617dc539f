// The Kong importer on decK samples (fixtures/realdata, verbatim public copies),
// openapi2kong outputs and the copy under fixtures/kong.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importKong, KONG_RETRY_NOTE } from './import-kong.ts';
import { importText } from './import.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const real = resolve(root, 'fixtures', 'realdata');

const kong = (file: string, upstreams?: Array<{ name: string; versions: string[]; replicas: number }>) => importKong(readFileSync(file, 'utf8'), { file, upstreams });

describe('fixtures/kong: key-auth + rate-limiting (decK validate sample)', () => {
  const r = kong(join(root, 'fixtures', 'kong', 'validate-kong-ee_key-auth_rate-limiting.yaml'));
  it('key-auth -> auth rejecting 401; consumers with their keys, plus one wrong key', () => {
    expect(r.policies.auth).toEqual({ reject: [401] });
    expect(r.consumers.map((c) => [c.name, c.valid, c.credential])).toEqual([
      ['alice', true, { kind: 'apiKey', key: 'alice-secret-key' }],
      ['bob', true, { kind: 'apiKey', key: 'bob-secret-key' }],
      ['kong-wrong-key', false, { kind: 'apiKey', key: 'proxyproof-wrong-key' }],
    ]);
  });
  it('rate-limiting minute 5 policy local -> 5 per minute by consumer', () => {
    expect(r.policies.rateLimit).toEqual({ limit: 5, windowMs: 60_000, by: 'consumer' });
  });
  it('no retry expectation: Kong does not retry HTTP 5xx, and says so', () => {
    expect(r.policies.retry).toBeUndefined();
    expect(r.notes.some((n) => n.message.includes(KONG_RETRY_NOTE))).toBe(true);
  });
});

describe('Kong semantics in small configs', () => {
  it('several windows: the smallest is checked, the others are listed', () => {
    const r = importKong('_format_version: "3.0"\nplugins:\n- name: rate-limiting\n  config: { second: 2, hour: 100, limit_by: ip }\n', { file: 'k.yaml' });
    expect(r.policies.rateLimit).toEqual({ limit: 2, windowMs: 1000, by: 'ip' });
    expect(r.notes.some((n) => n.kind === 'unexpressed' && /hour limit 100/.test(n.message))).toBe(true);
  });
  it('request-transformer: remove and replace+add become the transform expectation; the rest is listed', () => {
    const text = [
      '_format_version: "3.0"',
      'plugins:',
      '- name: request-transformer',
      '  config:',
      '    remove: { headers: [X-Internal-Debug], querystring: [debug] }',
      '    replace: { headers: ["X-Gateway:kong", "X-Only-Replaced:1"] }',
      '    add: { headers: ["X-Gateway:kong", "X-Only-Added:2"] }',
      '    append: { headers: ["X-Trace:a"] }',
      '',
    ].join('\n');
    const r = importKong(text, { file: 't.yaml' });
    expect(r.policies.transform).toEqual({ setHeaders: { 'X-Gateway': 'kong' }, removeHeaders: ['X-Internal-Debug'] });
    const notes = r.notes.filter((n) => n.kind === 'unexpressed').map((n) => n.message);
    expect(notes).toEqual(expect.arrayContaining([
      'add X-Only-Added without replace: set only when the client sends none; not checked',
      'replace X-Only-Replaced without add: changed only when the client sends it; not checked',
      'append has no proxyproof check',
      'remove of querystring or body has no proxyproof check',
    ]));
  });
  it('basic-auth consumers and an HS256 jwt secret', () => {
    const b = importKong('_format_version: "3.0"\nplugins: [{ name: basic-auth }]\nconsumers:\n- username: ann\n  basicauth_credentials: [{ username: ann, password: pw1 }]\n', { file: 'b.yaml' });
    expect(b.policies.auth).toEqual({ reject: [401] });
    expect(b.consumers[0]).toEqual({ name: 'ann', valid: true, credential: { kind: 'basic', user: 'ann', password: 'pw1' } });
    const j = importKong('_format_version: "3.0"\nplugins: [{ name: jwt }]\nconsumers:\n- username: ann\n  jwt_secrets: [{ key: ann-iss, secret: s3cret }]\n', { file: 'j.yaml' });
    expect(j.policies.auth).toEqual({ reject: [401], jwt: { alg: 'HS256', secret: 's3cret', issuer: 'ann-iss' } });
  });
  it('weighted targets map onto the suite upstream versions in order', () => {
    const text = '_format_version: "3.0"\nupstreams:\n- name: reviews\n  targets:\n  - { target: "a:80", weight: 90 }\n  - { target: "b:80", weight: 10 }\n';
    const r = importKong(text, { file: 'u.yaml', upstreams: [{ name: 'reviews', versions: ['v1', 'v2'], replicas: 1 }] });
    expect(r.policies.canary).toMatchObject({ upstream: 'reviews', weights: { v1: 90, v2: 10 } });
  });
});

describe('OpenAPI with x-kong-* extensions (openapi2kong) as a policy source', () => {
  it('document plugins apply to the service, operation plugins to <service>_<operationId>', () => {
    const text = `openapi: 3.0.3
info: { title: Petstore, version: "1" }
x-kong-plugin-key-auth:
  config: { key_names: [X-API-Key] }
paths:
  /v1/pets:
    get:
      operationId: listPets
      x-kong-plugin-rate-limiting:
        config: { second: 5, policy: local }
      responses: { '200': { description: ok } }
`;
    const r = importText(text, 'petstore-kong.yaml');
    expect(r.policies.auth).toEqual({ reject: [401] });
    expect(r.policies.rateLimit).toEqual({ limit: 5, windowMs: 1000, by: 'consumer', operations: ['listPets'] });
  });
});

describe(`real Kong samples (${real})`, () => {
  it('openapi2kong inputs (go-apiops) import; plugins without an expectation are listed', () => {
    for (const f of ['09-generic-plugins.yaml', '13-request-validator-plugin.yaml', 'learnservice_oas.yaml']) {
      const file = join(real, 'kong', 'go-apiops', f);
      const r = importText(readFileSync(file, 'utf8'), file);
      expect(r.notes.some((n) => n.kind === 'unexpressed' && /plugin \S+ has no proxyproof expectation/.test(n.message)), f).toBe(true);
    }
  });

  it('kong2tf weighted upstream: a 100/200 split onto the versions', () => {
    const r = kong(join(real, 'kong', 'deck', 'kong2tf-upstream-target-input_weighted.yaml'), [{ name: 'example-api.com', versions: ['v1', 'v2'], replicas: 1 }]);
    expect(r.policies.canary?.weights).toEqual({ v1: 100, v2: 200 });
    expect(r.notes.some((n) => /healthchecks/.test(n.message))).toBe(true);
  });
  it('a conditional key-auth plugin: auth, with the condition listed', () => {
    const r = kong(join(real, 'kong', 'deck', 'sync-003-key-auth-conditional.yaml'));
    expect(r.policies.auth).toEqual({ reject: [401] });
    expect(r.notes.some((n) => n.kind === 'unexpressed' && /condition/.test(n.message))).toBe(true);
  });
  it('every decK sample and openapi2kong output imports; nothing unreadable is silent', () => {
    const files = [
      ...readdirSync(join(real, 'kong', 'deck')).map((f) => join(real, 'kong', 'deck', f)),
      ...readdirSync(join(real, 'kong', 'go-apiops')).filter((f) => f.endsWith('.expected.json')).map((f) => join(real, 'kong', 'go-apiops', f)),
    ];
    for (const f of files) {
      const r = importText(readFileSync(f, 'utf8'), f);
      const anything = Object.keys(r.policies).length + r.consumers.length + r.notes.length;
      expect(anything, f).toBeGreaterThan(0);
    }
    const full = kong(join(real, 'kong', 'deck', 'kong2tf-input_full.yaml'));
    expect(full.notes.some((n) => /rate-limiting-advanced/.test(n.message))).toBe(true);
  });
});
