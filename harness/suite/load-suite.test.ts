import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../model/errors.ts';
import { loadSuite } from './load-suite.ts';
import type { Suite } from '../model/suite.ts';

const repo = resolve(import.meta.dirname, '../..');
let root: string;
let suitesDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'proxyproof-suite-test-'));
  suitesDir = join(root, 'suites');
  await mkdir(suitesDir);
  await mkdir(join(root, 'openapi'));
  await mkdir(join(root, 'fixtures/nginx'), { recursive: true });
  await mkdir(join(root, 'fixtures/jwt'), { recursive: true });
  await copyFile(join(repo, 'openapi/petstore.yaml'), join(root, 'openapi/petstore.yaml'));
  await writeFile(join(root, 'fixtures/nginx/petstore.conf'), 'events {}\n');
  await writeFile(join(root, 'fixtures/jwt/jwks.json'), '{"keys":[]}\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function expected(dir: string): Suite {
  const top = resolve(dir, '..');
  return {
    file: join(dir, 'petstore.suite.yaml'),
    dir,
    name: 'petstore',
    spec: join(top, 'openapi/petstore.yaml'),
    upstreams: [{ name: 'petstore', versions: ['v1', 'v2'], replicas: 2 }],
    consumers: [
      { name: 'alice', valid: true, credential: { kind: 'apiKey', key: 'alice-key-5f2c8e' } },
      { name: 'bob', valid: true, credential: { kind: 'apiKey', key: 'bob-key-91ad07' } },
      { name: 'mallory', valid: false, credential: { kind: 'apiKey', key: 'wrong-key' } },
    ],
    targets: [
      { name: 'nginx', render: false, config: join(top, 'fixtures/nginx/petstore.conf') },
      { name: 'haproxy', render: true },
    ],
    policies: {
      auth: { scheme: 'ApiKeyAuth', reject: [401, 403] },
      rateLimit: { limit: 5, windowMs: 1000, by: 'consumer', operations: ['listPets'] },
      retry: { attempts: 2, on: [502, 503, 504], methods: ['GET'], perTryTimeoutMs: 500 },
      canary: { upstream: 'petstore', weights: { v1: 90, v2: 10 }, tolerance: 0.05, alpha: 1e-4, maxRequests: 6400 },
      contract: {},
      transform: { setHeaders: { 'X-Gateway': 'proxyproof' }, removeHeaders: ['X-Internal-Debug'] },
      timeout: { requestMs: 2000, status: [504] },
    },
    load: {
      scenarios: [{ name: 'steady', executor: 'constant-arrival-rate', timeUnitMs: 1000, rate: 2000, durationMs: 10_000, operations: { showPetById: 1 }, consumers: ['alice'] }],
      thresholds: [
        { key: 'http_req_duration', metric: 'http_req_duration', tags: {}, expression: 'p(95)<20', aggregation: 'p', percentile: 95, op: '<', value: 20, abortOnFail: false, delayAbortEvalMs: 0 },
        { key: 'http_req_duration', metric: 'http_req_duration', tags: {}, expression: 'p(99)<50', aggregation: 'p', percentile: 99, op: '<', value: 50, abortOnFail: false, delayAbortEvalMs: 0 },
        { key: 'http_req_failed', metric: 'http_req_failed', tags: {}, expression: 'rate<0.001', aggregation: 'rate', percentile: undefined, op: '<', value: 0.001, abortOnFail: false, delayAbortEvalMs: 0 },
        { key: 'proxy_overhead_p99', metric: 'proxy_overhead_p99', tags: {}, expression: 'value<5', aggregation: 'value', percentile: undefined, op: '<', value: 5, abortOnFail: false, delayAbortEvalMs: 0 },
      ],
      warmupMs: 1000,
      timeoutMs: 10_000,
      overhead: true,
    },
  };
}

describe('the example suite', () => {
  it('loads to the exact Suite (same layout, in a temp dir)', async () => {
    const file = join(suitesDir, 'petstore.suite.yaml');
    await copyFile(join(repo, 'suites/petstore.suite.yaml'), file);
    const suite = await loadSuite(file);
    expect(suite).toStrictEqual(expected(suitesDir));
  });

  it.skipIf(!existsSync(join(repo, 'fixtures/nginx/petstore.conf')))('loads in place', async () => {
    const suite = await loadSuite(join(repo, 'suites/petstore.suite.yaml'));
    expect(suite).toStrictEqual(expected(join(repo, 'suites')));
  });
});

describe('defaults and other shapes', () => {
  it('fills defaults and resolves jwt paths', async () => {
    const file = join(suitesDir, 'defaults.suite.yaml');
    await writeFile(
      file,
      [
        'name: d',
        'spec: ../openapi/petstore.yaml',
        'upstreams:',
        '  api:',
        'consumers:',
        '  carol: { bearer: tok-123 }',
        '  dave: { basic: { user: dave, password: pw-456 } }',
        'targets:',
        '  haproxy: { render: true, balance: random }',
        'policies:',
        '  auth: { jwt: { alg: RS256, jwks: ../fixtures/jwt/jwks.json } }',
        '  retry: { attempts: 0, on: [503] }',
        '  canary: { upstream: api, relativeWeights: { v1: 1 }, tolerance: 0.1, alpha: 0.01, maxRequests: 100 }',
        '  contract:',
        '',
      ].join('\n'),
    );
    const s = await loadSuite(file);
    expect(s.upstreams).toStrictEqual([{ name: 'api', versions: ['v1'], replicas: 1 }]);
    expect(s.consumers).toStrictEqual([
      { name: 'carol', valid: true, credential: { kind: 'bearer', token: 'tok-123' } },
      { name: 'dave', valid: true, credential: { kind: 'basic', user: 'dave', password: 'pw-456' } },
    ]);
    expect(s.targets).toStrictEqual([{ name: 'haproxy', render: true, balance: 'random' }]);
    expect(s.policies).toStrictEqual({
      auth: { reject: [401, 403], jwt: { alg: 'RS256', jwks: join(root, 'fixtures/jwt/jwks.json') } },
      retry: { attempts: 0, on: [503], methods: ['GET'] },
      canary: { upstream: 'api', weights: { v1: 1 }, tolerance: 0.1, alpha: 0.01, maxRequests: 100 },
      contract: {},
    });
  });
});

// A valid suite; each malformed case changes one or two lines of it.
const BASE = [
  'name: petstore', // 1
  'spec: ../openapi/petstore.yaml', // 2
  'upstreams:', // 3
  '  petstore: { versions: [v1, v2], replicas: 2 }', // 4
  'consumers:', // 5
  '  alice: { apiKey: alice-key }', // 6
  '  mallory: { apiKey: wrong-key, valid: false }', // 7
  'targets:', // 8
  '  nginx: { config: ../fixtures/nginx/petstore.conf }', // 9
  '  haproxy: { render: true }', // 10
  'policies:', // 11
  '  auth: { scheme: ApiKeyAuth }', // 12
  '  rateLimit: { limit: 5, window: 1s, by: consumer }', // 13
  '  retry: { attempts: 2, on: [502, 503], perTryTimeout: 500ms }', // 14
  '  canary: { upstream: petstore, weights: { v1: 90, v2: 10 }, tolerance: 0.05 }', // 15
  '  contract: {}', // 16
];

/** Replace lines (1-based); a value of null deletes the line; an array inserts several. */
function edit(changes: Record<number, string | string[] | null>, extra: string[] = []): string {
  const out: string[] = [];
  BASE.forEach((line, i) => {
    const c = changes[i + 1];
    if (c === undefined) out.push(line);
    else if (c !== null) out.push(...(Array.isArray(c) ? c : [c]));
  });
  return [...out, ...extra, ''].join('\n');
}

let n = 0;
async function failure(text: string): Promise<{ file: string; message: string }> {
  const file = join(suitesDir, `bad-${++n}.suite.yaml`);
  await writeFile(file, text);
  try {
    await loadSuite(file);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return { file, message };
  }
  throw new Error(`expected ${file} to fail`);
}

describe('malformed suites: one line naming file and line', () => {
  it('the base suite itself is valid', async () => {
    const file = join(suitesDir, 'base.suite.yaml');
    await writeFile(file, edit({}));
    await expect(loadSuite(file)).resolves.toBeTruthy();
  });

  const cases: Array<[string, string, string]> = [
    ['YAML syntax error', edit({ 6: '  alice: { apiKey: alice-key' }), 'line 7: YAML syntax: Flow map in block collection must be sufficiently indented and end with a }'],
    ['duplicate key', edit({ 7: '  alice: { apiKey: other-key }' }), 'line 7: YAML syntax: Map keys must be unique'],
    ['unknown top-level key', edit({}, ['extras: 1']), "line 17: unknown top-level key 'extras' (expected one of name, spec, upstreams, consumers, targets, policies, routes, import, load)"],
    ['unknown nested key', edit({ 14: '  retry: { attempt: 2, on: [502] }' }), "line 14: policies.retry: unknown key 'attempt' (expected one of attempts, on, methods, perTryTimeout)"],
    ['unknown policy', edit({}, ['  cache: {}']), "line 17: policies: unknown key 'cache' (expected one of auth, contract, transform, retry, timeout, canary, routing, fault, rateLimit, from)"],
    ['fault rule with neither abort nor delay', edit({}, ['  fault: { rules: [{ upstream: petstore }] }']), 'line 17: policies.fault.rules[0]: give abort, delay or both'],
    ['fault delay over 30 s', edit({}, ['  fault: { rules: [{ upstream: petstore, delay: { fixedDelay: 45s } }] }']), 'line 17: policies.fault.rules[0].delay.fixedDelay: 45s is over 30s'],
    ['timeout out of range', edit({}, ['  timeout: { request: 45s }']), 'line 17: policies.timeout.request: 45s is outside 100ms..30s'],
    ['timeout status not a status', edit({}, ['  timeout: { request: 2s, status: [5040] }']), 'line 17: policies.timeout.status[0] must be <= 599'],
    ['wrong type (flow)', edit({ 14: '  retry: { attempts: two, on: [502] }' }), 'line 14: policies.retry.attempts must be integer'],
    ['wrong type (block, exact line)', edit({ 14: ['  retry:', '    on: [502]', '    attempts: 2.5'] }), 'line 16: policies.retry.attempts must be integer'],
    ['wrong type in a list', edit({ 14: ['  retry:', '    attempts: 2', '    on:', '      - 502', '      - five'] }), 'line 18: policies.retry.on[1] must be integer'],
    ['bad duration', edit({ 13: '  rateLimit: { limit: 5, window: 1 sec, by: consumer }' }), "line 13: policies.rateLimit.window: bad duration '1 sec' (use e.g. 500ms, 1s, 2m)"],
    ['duration as a number', edit({ 14: '  retry: { attempts: 2, on: [502], perTryTimeout: 500 }' }), 'line 14: policies.retry.perTryTimeout must be string'],
    ['canary weights name a missing version', edit({ 15: ['  canary:', '    upstream: petstore', '    tolerance: 0.05', '    weights:', '      v1: 90', '      v3: 10'] }), 'line 20: policies.canary.weights.v3: upstream petstore has no version v3 (versions: v1, v2)'],
    ['canary on an unknown upstream', edit({ 15: '  canary: { upstream: shop, weights: { v1: 1 }, tolerance: 0.05 }' }), 'line 15: policies.canary.upstream: no upstream named shop (upstreams: petstore)'],
    ['canary weights all zero', edit({ 15: '  canary: { upstream: petstore, weights: { v1: 0, v2: 0 }, tolerance: 0.05 }' }), 'line 15: policies.canary.weights: at least one weight must be positive'],
    ['canary without tolerance', edit({ 15: '  canary: { upstream: petstore, weights: { v1: 1 } }' }), "line 15: policies.canary: missing required key 'tolerance'"],
    ['tolerance of 1', edit({ 15: '  canary: { upstream: petstore, weights: { v1: 1 }, tolerance: 1 }' }), 'line 15: policies.canary.tolerance must be < 1'],
    ['tolerance of 0', edit({ 15: '  canary: { upstream: petstore, weights: { v1: 1 }, tolerance: 0 }' }), 'line 15: policies.canary.tolerance must be > 0'],
    ['target with both config and render', edit({ 9: '  nginx: { config: ../fixtures/nginx/petstore.conf, render: true }' }), 'line 9: targets.nginx: give either config or render: true, not both'],
    ['target with neither', edit({ 10: '  haproxy: { balance: random }' }), 'line 10: targets.haproxy: give config (your own file) or render: true'],
    ['target with nothing at all', edit({ 10: '  haproxy:' }), 'line 10: targets.haproxy: give config (your own file) or render: true'],
    ['missing config file', edit({ 9: '  nginx: { config: ../fixtures/nginx/missing.conf }' }), 'line 9: targets.nginx.config: no such file: ../fixtures/nginx/missing.conf'],
    ['unknown target kind', edit({ 10: '  traefik: { render: true }' }), 'line 10: targets.traefik: unknown target kind traefik (known: nginx, haproxy, kong, envoy)'],
    ['consumer without credential', edit({ 7: '  mallory: { valid: false }' }), 'line 7: consumers.mallory: no credential (give one of apiKey, bearer, basic)'],
    ['consumer with two credentials', edit({ 7: '  mallory: { apiKey: k, bearer: t }' }), 'line 7: consumers.mallory: more than one credential (apiKey, bearer); give exactly one'],
    ['two consumers with one credential', edit({ 7: '  mallory: { apiKey: alice-key }' }), 'line 7: consumers.mallory.apiKey: same credential as consumer alice'],
    ['negative limit', edit({ 13: '  rateLimit: { limit: -1, window: 1s, by: consumer }' }), 'line 13: policies.rateLimit.limit must be >= 1'],
    ['bad by', edit({ 13: ['  rateLimit:', '    limit: 5', '    window: 1s', '    by: user'] }), 'line 16: policies.rateLimit.by must be one of consumer, ip, global'],
    ['missing spec key', edit({ 2: null }), "line 1: missing required key 'spec'"],
    ['spec file missing', edit({ 2: 'spec: ../openapi/nope.yaml' }), 'line 2: spec: no such file: ../openapi/nope.yaml'],
    ['bad upstream name', edit({ 4: '  pet store: {}' }), "line 4: upstreams: bad name 'pet store' (use letters, digits, _ and -, starting with a letter)"],
    ['operation served by two upstreams', edit({ 4: ['  a: { operations: [listPets] }', '  b: { operations: [createPet, listPets] }'] }), 'line 5: upstreams.b.operations[1]: listPets is already served by upstream a'],
    ['HS256 without a secret', edit({ 12: '  auth: { jwt: { alg: HS256 } }' }), 'line 12: policies.auth.jwt: HS256 needs secret (the shared secret)'],
    ['bad jwt alg', edit({ 12: '  auth: { jwt: { alg: none } }' }), 'line 12: policies.auth.jwt.alg must be one of RS256, HS256'],
    ['auth without a valid consumer', edit({ 6: null }).replace('  mallory:', '  alice:'), 'line 11: policies.auth: needs at least one consumer with a valid credential (under consumers:)'],
    ['rate limit by consumer without consumers', edit({ 5: null, 6: null, 7: null, 12: null }), 'line 9: policies.rateLimit.by: consumer needs at least one consumer with a valid credential (under consumers:)'],
    ['suite is a list', '- a\n- b\n', 'line 1: the suite must be a mapping'],
    // Values that used to pass validate and fail (or inject) only at run time.
    ['a newline in the suite name', edit({ 1: 'name: "petstore\\nlisten x"' }), 'line 1: name: a value must not hold control characters (found U+000A)'],
    ['a control character in an API key', edit({ 6: '  alice: { apiKey: "alice\\u0007key" }' }), 'line 6: consumers.alice.apiKey: a value must not hold control characters (found U+0007)'],
    ['a line separator in a basic password', edit({ 7: '  mallory: { basic: { user: m, password: "a\\u2028b" }, valid: false }' }), 'line 7: consumers.mallory.basic.password: a value must not hold control characters (found U+2028)'],
    ['an alias bomb', ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', ''].join('\n'), 'line 2: YAML aliases: more than 100 expansions (a guard against alias bombs)'],
    ['no policy at all', edit({ 12: null, 13: null, 14: null, 15: null, 16: null, 11: 'policies: {}' }), 'line 11: policies: configures no policy and no route, so nothing would be checked: set one of auth, contract, transform, retry, timeout, canary, fault, rateLimit, add routes, or import them with policies.from'],
    ['a limit too large to burst', edit({ 13: '  rateLimit: { limit: 1e308, window: 1s, by: consumer }' }), 'line 13: policies.rateLimit.limit must be <= 1000000'],
    ['a window past any timer', edit({ 13: '  rateLimit: { limit: 5, window: 99999999999h, by: consumer }' }), 'line 13: policies.rateLimit.window: 99999999999h is longer than 24h'],
    ['canary percentages that do not sum to 100', edit({ 15: '  canary: { upstream: petstore, weights: { v1: 80, v2: 30 }, tolerance: 0.05 }' }), 'line 15: policies.canary.weights: percentages must sum to 100, they sum to 110 (for proportions, use relativeWeights)'],
    ['canary weights too large to add up', edit({ 15: '  canary: { upstream: petstore, relativeWeights: { v1: 1e308, v2: 1e308 }, tolerance: 0.05 }' }), 'line 15: policies.canary.relativeWeights: weights must be finite numbers with a finite sum'],
    ['canary with both kinds of weights', edit({ 15: '  canary: { upstream: petstore, weights: { v1: 100 }, relativeWeights: { v1: 1 }, tolerance: 0.05 }' }), 'line 15: policies.canary: give weights (percentages) or relativeWeights (proportions), one of them'],
    ['an invalid fault regex', edit({}, ['  fault: { rules: [{ upstream: petstore, headers: [{ name: end-user, regex: "(jason" }], abort: { status: 500 } }] }']), 'line 17: policies.fault.rules[0].headers[0].regex: not a regular expression: Invalid regular expression: /(jason/: Unterminated group'],
    ['a header name with a space', edit({}, ['  fault: { rules: [{ upstream: petstore, headers: [{ name: end user, exact: jason }], abort: { status: 500 } }] }']), "line 17: policies.fault.rules[0].headers[0].name must match ^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"],
  ];

  it(`covers at least 15 cases (${cases.length})`, () => expect(cases.length).toBeGreaterThanOrEqual(15));

  for (const [title, text, tail] of cases) {
    it(title, async () => {
      const { file, message } = await failure(text);
      expect(message).toBe(`${file}:${tail}`);
    });
  }

  it('a missing file: one line, no place', async () => {
    const file = join(suitesDir, 'nope.suite.yaml');
    const err = await loadSuite(file).catch((e: unknown) => e as InputError);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(`${file}: cannot read: ENOENT: no such file or directory, open '${file}'`);
  });

  it('an empty file', async () => {
    const file = join(suitesDir, 'empty.suite.yaml');
    await writeFile(file, '# nothing\n');
    await expect(loadSuite(file)).rejects.toThrow(`${file}: the suite is empty`);
  });

  it('keeps the file name as given', async () => {
    const text = await readFile(join(repo, 'suites/petstore.suite.yaml'), 'utf8');
    const file = join(suitesDir, 'given.suite.yaml');
    await writeFile(file, text.replace('limit: 5', 'limit: 0'));
    const rel = `${suitesDir}/../suites/given.suite.yaml`;
    await expect(loadSuite(rel)).rejects.toThrow(`${rel}:line 18: policies.rateLimit.limit must be >= 1`);
  });
});
