// The security review's findings, each reproduced end to end and each now
// failing the attack:
//  1. the mocks' journal read (and wiped) through the proxy, with any valid
//     key or none, by paths the proxies' `[^/]+` patterns accept;
//  2. the admin API answering without a token;
//  3. config injection from an operationId, the suite name, an API key, the
//     JWT issuer, a fault regex, the basic user and a header value;
//  4. a spec reading /proc, /etc or the network during validate.
// Finer-grained tests of each defence live beside it: harness/upstream/
// admin-security.test.ts, harness/targets/injection.test.ts,
// harness/spec/hostile.test.ts; leftovers are suites/hygiene.test.ts and
// redaction suites/secret-scan.test.ts.

import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { describe, expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { main } from '../harness/cli/main.ts';
import type { RenderInput } from '../harness/model/target.ts';
import { REQUEST_ID_HEADER } from '../harness/model/upstream.ts';
import { configFor, loadAll } from '../harness/run/inputs.ts';
import { freePort } from '../harness/runtime/ports.ts';
import { processRuntime } from '../harness/runtime/process-runtime.ts';
import { it } from '../harness/testing/fixtures.ts';
import { startMockFleet } from '../harness/upstream/mock-upstream.ts';

const root = resolve(import.meta.dirname, '..');

/** One request with its target sent byte for byte (fetch would normalise `\` and `..` first). */
function raw(port: number, method: string, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (r) => {
      let body = '';
      r.on('data', (c: Buffer) => (body += c.toString()));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on('error', () => res({ status: 0, body: '' }));
    req.end();
  });
}

const TRAVERSALS = [
  '/v1/pets/..\\..\\__proxyproof\\journal',
  '/v1/pets/..%5c..%5c__proxyproof%5cjournal',
  '/v1/pets/%2e%2e/%2e%2e/__proxyproof/journal',
  '/v1/pets/..%2f..%2f__proxyproof%2fjournal',
  '/v1/pets/%252e%252e%252f%252e%252e%252f__proxyproof%252fjournal',
  '/v1/pets/.%2e/.%2e/__proxyproof/journal',
  '/v1/health/../../__proxyproof/journal',
];

const TARGETS: Array<[string, string, { config?: string; render?: true }]> = [
  ['rendered HAProxy', 'haproxy', { render: true }],
  ['rendered nginx', 'nginx', { render: true }],
  ['the example HAProxy config', 'haproxy', { config: join(root, 'fixtures/haproxy/petstore.cfg') }],
  ['the example nginx config', 'nginx', { config: join(root, 'fixtures/nginx/petstore.conf') }],
];

function petstoreWith(dir: string, name: string, edit: (doc: Record<string, any>) => void): string {
  const doc = parse(readFileSync(join(root, 'suites/petstore.suite.yaml'), 'utf8')) as Record<string, any>;
  doc.spec = join(root, 'openapi/petstore.yaml');
  for (const t of Object.values(doc.targets as Record<string, { config?: string }>)) if (t.config) t.config = join(root, 'suites', t.config);
  delete doc.load;
  edit(doc);
  const file = join(dir, `${name}.suite.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: { write: (c: string) => (out += c) }, stderr: { write: (c: string) => (err += c) } });
  return { code, out, err };
}

describe('1. the journal cannot be read or wiped through a proxy', () => {
  it.for(TARGETS)('%s: every traversal variant, with a valid key, never reaches the admin API', async ([, target, spec], { tmp, proxies }) => {
    const suiteFile = petstoreWith(tmp, 'journal', (d) => (d.targets = { [target]: spec }));
    const [l] = await loadAll([suiteFile]);
    await using fleet = await startMockFleet(l.spec, l.suite.upstreams, { seed: 1 });
    const listen = { host: '127.0.0.1', port: await freePort() };
    const input: RenderInput = { suite: l.suite, spec: l.spec, listen, upstreams: fleet.endpoints, workdir: join(tmp, 'w') };
    const proxy = await proxies.start(processRuntime, configFor(l.suite.targets[0], input), { workdir: input.workdir, listen });
    const key = { 'x-api-key': 'alice-key-5f2c8e' };
    const before = await raw(listen.port, 'GET', '/v1/pets/1', { ...key, [REQUEST_ID_HEADER]: 'sec-before' });
    expect(before.status).toBe(200);
    for (const t of TRAVERSALS) {
      for (const method of ['GET', 'DELETE']) {
        const r = await raw(listen.port, method, t, key);
        expect(r.status, `${method} ${t} through ${proxy.baseUrl}`).not.toBe(200);
        expect(r.body).not.toMatch(/"entries"|alice-key|bob-key/);
      }
    }
    // Nothing was wiped: the request sent before the attacks is still in the journal.
    expect(fleet.journal.forRequest('sec-before')).toHaveLength(1);
    // And the journal never held the raw key to begin with.
    expect(JSON.stringify(fleet.journal.since(0))).not.toContain('alice-key-5f2c8e');
  });

  it('bookinfo behind rendered HAProxy, with no credential at all', async ({ tmp, proxies }) => {
    const [l] = await loadAll([join(root, 'suites/bookinfo-reviews.suite.yaml')]);
    await using fleet = await startMockFleet(l.spec, l.suite.upstreams, { seed: 1 });
    const listen = { host: '127.0.0.1', port: await freePort() };
    const t = l.suite.targets.find((x) => x.name === 'haproxy')!;
    await proxies.start(processRuntime, configFor(t, { suite: l.suite, spec: l.spec, listen, upstreams: fleet.endpoints, workdir: join(tmp, 'w') }), { workdir: join(tmp, 'w'), listen });
    for (const p of ['/reviews/..\\__proxyproof\\journal', '/reviews/%2e%2e/__proxyproof/journal', '/ratings/..%5c__proxyproof%5cjournal']) {
      const r = await raw(listen.port, 'GET', p);
      expect(r.status, p).not.toBe(200);
      expect(r.body).not.toContain('entries');
    }
  });
});

describe('2. the admin API answers only with the run token, on its own port', () => {
  it('no token: 401; wrong token: 401; the right one: 200', async () => {
    const [l] = await loadAll([join(root, 'suites/petstore.suite.yaml')]);
    await using fleet = await startMockFleet(l.spec, l.suite.upstreams, { seed: 1 });
    const port = Number(new URL(fleet.control.url).port);
    expect(Object.values(fleet.endpoints).flatMap((v) => Object.values(v).flat()).map((e) => e.port)).not.toContain(port);
    expect((await raw(port, 'GET', '/__proxyproof/journal')).status).toBe(401);
    expect((await raw(port, 'GET', '/__proxyproof/journal', { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await raw(port, 'GET', '/__proxyproof/journal', { authorization: `Bearer ${fleet.control.token}` })).status).toBe(200);
  });
});

describe('3. no value of a suite or spec can inject config', () => {
  const cases: Array<[string, (d: Record<string, any>) => void, RegExp]> = [
    ['suite name', (d) => (d.name = 'petstore\nlisten evil\n  bind 127.0.0.1:1'), /:line 1: name: a value must not hold control characters/],
    ['API key', (d) => (d.consumers.alice.apiKey = 'alice\n    http-request return status 200'), /consumers\.alice\.apiKey: a value must not hold control characters/],
    ['JWT issuer', (d) => (d.policies.auth = { scheme: 'ApiKeyAuth', jwt: { alg: 'HS256', secret: 's', issuer: 'x"\nserver { listen 1; }' } }), /policies\.auth\.jwt\.issuer: a value must not hold control characters/],
    ['fault regex', (d) => (d.policies.fault = { rules: [{ upstream: 'petstore', headers: [{ name: 'x-user', regex: 'a\n  http-request deny' }], abort: { status: 500 } }] }), /policies\.fault\.rules\[0\]\.headers\[0\]\.regex: a value must not hold control characters/],
    ['basic user', (d) => (d.consumers.carol = { basic: { user: 'carol\nuser evil insecure-password x', password: 'p' } }), /consumers\.carol\.basic\.user: a value must not hold control characters/],
    ['header value', (d) => (d.policies.transform = { request: { setHeaders: { 'X-Gateway': 'a\r\nX-Injected: 1' } } }), /policies\.transform\.request\.setHeaders\.X-Gateway/],
  ];
  for (const [what, edit, message] of cases) {
    it(`a newline in the ${what}: validate exits 2 naming the setting, before any config is written`, async ({ tmp }) => {
      const r = await cli('validate', petstoreWith(tmp, 'inject', edit));
      expect(r.code, r.out + r.err).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    });
  }

  it('an operationId holding a newline and a directive: the rendered configs pass their checks with the directive dead', async ({ tmp }) => {
    const spec = parse(readFileSync(join(root, 'openapi/petstore.yaml'), 'utf8')) as Record<string, any>;
    spec.paths['/pets'].get.operationId = 'listPets\nhttp-request return status 200 content-type text/plain string owned\n  server { listen 127.0.0.1:1; }';
    writeFileSync(join(tmp, 'spec.yaml'), stringify(spec));
    const suite = petstoreWith(tmp, 'opid', (d) => {
      d.spec = join(tmp, 'spec.yaml');
      d.targets = { nginx: { render: true }, haproxy: { render: true } };
      d.policies = { auth: d.policies.auth, contract: { operations: undefined } };
      delete d.policies.contract.operations;
    });
    const v = await cli('validate', suite);
    expect(v.code, v.err).toBe(0);
    expect(v.out).toMatch(/nginx \(nginx -t: ok\)/);
    expect(v.out).toMatch(/haproxy \(haproxy -c: ok\)/);
    for (const target of ['nginx', 'haproxy']) {
      const r = await cli('render', suite, '--target', target);
      // The text is there only inside a comment, its newlines written as \n: no line starts with the directive.
      expect(r.out).toContain('owned');
      expect(r.out.split('\n').filter((l) => /^\s*(http-request return status 200|server \{ listen 127\.0\.0\.1:1;)/.test(l)), target).toEqual([]);
    }
  });
});

describe('4. a spec reads no file outside its folder and no network', () => {
  const marker = `pp-marker-${process.pid}`;
  it.for([
    ['/proc/self/environ#/x', /outside the folders a spec may read/],
    ['/etc/passwd#/root', /outside the folders a spec may read/],
    ['http://0.0.0.0:PORT/x.yaml', /remote \$refs are off/],
    ['http://[::ffff:127.0.0.1]:PORT/x.yaml', /remote \$refs are off/],
  ] as const)('$ref %s: validate exits 2, echoes no content, makes no request', async ([ref, message], { tmp }) => {
    let hits = 0;
    const server = http.createServer((_q, s) => {
      hits++;
      s.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as { port: number }).port;
    try {
      const spec = parse(readFileSync(join(root, 'openapi/petstore.yaml'), 'utf8')) as Record<string, any>;
      spec.components.schemas.Pet = { $ref: ref.replace('PORT', String(port)) };
      writeFileSync(join(tmp, 'spec.yaml'), stringify(spec));
      const suite = petstoreWith(tmp, 'ref', (d) => (d.spec = join(tmp, 'spec.yaml')));
      // A separate process with a marker in its environment: the marker must not come back in the error.
      const r = spawnSync(process.execPath, [join(root, 'bin/proxyproof.js'), 'validate', suite], { encoding: 'utf8', env: { ...process.env, PP_MARKER: marker } });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain(marker);
      expect(r.stderr).not.toContain('root:x:0:0');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(hits).toBe(0);
    } finally {
      server.close();
    }
  });

  it('the CLI itself is reachable (sanity for the spawned runs above)', () => {
    expect(execFileSync(process.execPath, [join(root, 'bin/proxyproof.js'), '--version'], { encoding: 'utf8' })).toMatch(/^\d+\.\d+\.\d+/);
  });
});
