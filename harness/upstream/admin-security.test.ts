// The security review's findings, reproduced against the mocks directly:
// 1. the admin API was reachable on the data ports through paths a proxy's
//    `[^/]+` pattern accepts (`..\..\__proxyproof\journal`) and the journal
//    held consumers' raw keys;
// 2. the admin API needed no credential.
// Raw request targets go through node:http, not fetch: fetch normalises
// `\` and `..` on the client side and would never send the attack.

import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec } from '../spec/load-spec.ts';
import type { Spec } from '../model/spec.ts';
import { REQUEST_ID_HEADER, type Endpoint, type JournalEntry } from '../model/upstream.ts';
import { startMockFleet, type MockFleet } from './mock-upstream.ts';
import { entersAdminPrefix } from './admin-path.ts';
import { bearerMatches } from './control.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const SPEC_FILE = path.join(repoRoot, 'openapi/petstore.yaml');

let spec: Spec;
let fleet: MockFleet;
let data: Endpoint;
let counter = 0;
const rid = () => `sec-${process.pid}-${++counter}`;

interface Answer {
  status: number;
  body: string;
}

/** One request with the target sent byte for byte. */
function raw(port: number, method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const controlPort = () => Number(new URL(fleet.control.url).port);
const bearer = () => ({ authorization: `Bearer ${fleet.control.token}` });

beforeAll(async () => {
  spec = await loadSpec(SPEC_FILE);
  // Two extra apiKey schemes: their names must be redacted because the spec says they carry credentials.
  spec = {
    ...spec,
    securitySchemes: {
      ...spec.securitySchemes,
      Tenant: { kind: 'apiKey', name: 'X-Tenant-Secret', in: 'header' },
      Signed: { kind: 'apiKey', name: 'sig', in: 'query' },
      Session: { kind: 'apiKey', name: 'sid', in: 'cookie' },
    },
  };
  fleet = await startMockFleet(spec, [{ name: 'pets', versions: ['v1'], replicas: 1 }], { seed: 5 });
  data = fleet.endpoints.pets.v1[0];
});
afterAll(async () => {
  await fleet?.close();
});

/** Every spelling of the admin prefix a proxy might forward and a server might resolve. */
const ADMIN_VARIANTS: Array<[string, string]> = [
  ['plain', '/__proxyproof/journal'],
  ['bare prefix', '/__proxyproof'],
  ['upper case', '/__PROXYPROOF/journal'],
  ['backslashes (the finding)', '/v1/pets/..\\..\\__proxyproof\\journal'],
  ['dot segments', '/v1/pets/../../__proxyproof/journal'],
  ['dot segments with single dots', '/v1/./pets/./../.././__proxyproof/./journal'],
  ['dot segments past the root', '/../../../__proxyproof/journal'],
  ['current-dir prefix', '/./__proxyproof/journal'],
  ['double slash', '//__proxyproof/journal'],
  ['encoded slashes %2F', '/v1/pets/..%2F..%2F__proxyproof%2Fjournal'],
  ['encoded slashes lower case %2f', '/v1/pets/..%2f..%2f__proxyproof%2fjournal'],
  ['encoded backslashes %5C', '/v1/pets/..%5C..%5C__proxyproof%5Cjournal'],
  ['encoded dots %2e%2e', '/v1/pets/%2e%2e/%2e%2e/__proxyproof/journal'],
  ['everything encoded', '/v1/pets/%2E%2E%2F%2E%2E%2F%5F%5Fproxyproof%2Fjournal'],
  ['encoded underscores', '/%5F%5Fproxyproof/journal'],
  ['double-encoded slashes %252F', '/v1/pets/..%252F..%252F__proxyproof%252Fjournal'],
  ['double-encoded dots and backslashes', '/v1/pets/%252e%252e%255c%252e%252e%255c__proxyproof%255cjournal'],
  ['triple-encoded', '/v1/pets/%25252e%25252e%25252f%25252e%25252e%25252f__proxyproof/journal'],
  ['mixed: half-encoded dots and both slashes', '/v1/pets/.%2e\\%2e.%5c__proxyproof/journal'],
  ['mixed: %2e. with / and %2F', '/v1/pets/%2e./..%2F__proxyproof%5cjournal'],
  ['path parameters ..;/', '/v1/pets/..;/..;/__proxyproof/journal'],
  ['encoded tab inside the name', '/__proxy%09proof/journal'],
  ['absolute form', 'http://127.0.0.1/__proxyproof/journal'],
  ['with a query', '/v1/pets/..%2F..%2F__proxyproof%2Fjournal?since=0'],
];

describe('finding 1: the admin API is not served on data ports', () => {
  it.each(ADMIN_VARIANTS)('%s: GET, DELETE and POST %s get 404 and the journal and faults stay as they were', async (_name, target) => {
    const seeded = rid();
    const first = await raw(data.port, 'GET', '/v1/pets/1', { [REQUEST_ID_HEADER]: seeded, 'x-api-key': 'seed-key-1' });
    expect(first.status).toBe(200);
    const entriesBefore = fleet.journal.entries().filter((e) => e.requestId === seeded);
    const victim = rid();
    const faultBody = JSON.stringify({ requestId: victim, program: { failFirst: 5 } });
    for (const [method, body] of [['GET', undefined], ['DELETE', undefined], ['POST', faultBody]] as const) {
      const target2 = method === 'POST' ? target.replace(/journal/i, 'faults') : target;
      const a = await raw(data.port, method, target2, { [REQUEST_ID_HEADER]: rid(), 'content-type': 'application/json' }, body);
      expect(a.status, `${method} ${target2}`).toBe(404);
      expect(a.body).not.toContain('entries');
      expect(a.body).not.toContain('hmac:');
    }
    // Intact: the seeded entry is still there, and no fault program was set.
    expect(fleet.journal.forRequest(seeded)).toEqual(entriesBefore);
    expect(fleet.faults.get(victim)).toBeUndefined();
    const after = await raw(data.port, 'GET', '/v1/pets/2', { [REQUEST_ID_HEADER]: victim });
    expect(after.status).toBe(200);
  });

  it('a target node:http cannot parse (a leading backslash) is dropped before any handler; entersAdminPrefix refuses it too', async () => {
    const target = '\\__proxyproof\\journal';
    const count = fleet.journal.count();
    await expect(raw(data.port, 'DELETE', target)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(fleet.journal.count()).toBe(count);
    expect(entersAdminPrefix(target)).toBe(true);
  });

  it('a refused try is journaled as what reached the upstream, marked, with no operation', async () => {
    const id = rid();
    const a = await raw(data.port, 'GET', '/v1/pets/..\\..\\__proxyproof\\journal', { [REQUEST_ID_HEADER]: id });
    expect(a.status).toBe(404);
    const [e] = fleet.journal.forRequest(id);
    expect(e).toMatchObject({ path: '/v1/pets/..\\..\\__proxyproof\\journal', status: 404 });
    expect(e.operationId).toBeUndefined();
    expect(e.violations[0]).toContain('enters the admin prefix');
  });

  it('a fault program set for the request id does not change the refusal', async () => {
    const id = rid();
    fleet.faults.set(id, { failFirst: 1, status: 503, delayMs: 200 });
    const t = performance.now();
    const a = await raw(data.port, 'GET', '/v1/pets/..%2F..%2F__proxyproof%2Fjournal', { [REQUEST_ID_HEADER]: id });
    expect(a.status).toBe(404);
    expect(performance.now() - t).toBeLessThan(150);
  });

  it('paths that only look similar still reach their operations', async () => {
    for (const target of ['/v1/pets/1', '/v1/pets/rex.dog', '/v1/pets/100%25', '/v1/pets/__proxyproof', '/v1/pets/a%2Fb', '/v1/pets/%2e']) {
      expect(entersAdminPrefix(target), target).toBe(false);
    }
    const ok = await raw(data.port, 'GET', '/v1/pets/__proxyproof');
    expect(ok.status).toBe(200);
  });

  it('every variant is recognised by entersAdminPrefix, and a path still changing after many decodings is refused', () => {
    for (const [, target] of ADMIN_VARIANTS) expect(entersAdminPrefix(target.split('?')[0]), target).toBe(true);
    expect(entersAdminPrefix(`/v1/pets/${'%25'.repeat(1)}${'25'.repeat(12)}2e`)).toBe(true);
  });
});

describe('finding 2: the control listener needs the fleet token', () => {
  it('is a 127.0.0.1 port of its own, never a data port', () => {
    const url = new URL(fleet.control.url);
    expect(url.hostname).toBe('127.0.0.1');
    const dataPorts = Object.values(fleet.endpoints).flatMap((v) => Object.values(v).flat().map((e) => e.port));
    expect(dataPorts).not.toContain(controlPort());
    expect(fleet.control.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('answers 401 without the token, with a wrong one or another scheme, and the journal and faults stay', async () => {
    const id = rid();
    await raw(data.port, 'GET', '/v1/pets/3', { [REQUEST_ID_HEADER]: id });
    const count = fleet.journal.count();
    const victim = rid();
    const { token } = fleet.control;
    const wrong: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { authorization: `Bearer ${token.slice(0, -1)}` },
      { authorization: `Bearer ${token}x` },
      { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` },
      { authorization: token },
      { 'x-api-key': token },
      { cookie: `token=${token}` },
    ];
    for (const headers of wrong) {
      for (const [method, target, body] of [
        ['GET', '/__proxyproof/journal', undefined],
        ['DELETE', '/__proxyproof/journal', undefined],
        ['POST', '/__proxyproof/faults', JSON.stringify({ requestId: victim, program: { failFirst: 1 } })],
        ['DELETE', '/__proxyproof/faults', undefined],
        ['GET', `/__proxyproof/journal?token=${token}`, undefined],
      ] as const) {
        const a = await raw(controlPort(), method, target, headers, body);
        expect(a.status, `${method} ${target} ${JSON.stringify(headers)}`).toBe(401);
        expect(a.body).not.toContain('entries');
      }
    }
    expect(fleet.journal.count()).toBe(count);
    expect(fleet.faults.get(victim)).toBeUndefined();
  });

  it('answers with the token (scheme in any case) and serves no operations', async () => {
    const got = await raw(controlPort(), 'GET', '/__proxyproof/journal', bearer());
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body)).toHaveProperty('entries');
    const lower = await raw(controlPort(), 'GET', '/__proxyproof/journal?since=0', { authorization: `bearer ${fleet.control.token}` });
    expect(lower.status).toBe(200);
    const before = fleet.journal.count();
    const op = await raw(controlPort(), 'GET', '/v1/pets/1', bearer());
    expect(op.status).toBe(404);
    // Admin routes are named exactly on the control port too.
    const sneaky = await raw(controlPort(), 'GET', '/x/..\\__proxyproof\\journal', bearer());
    expect(sneaky.status).toBe(404);
    expect(fleet.journal.count()).toBe(before);
  });

  it('bearerMatches compares the whole token', () => {
    expect(bearerMatches('Bearer abc', 'abc')).toBe(true);
    expect(bearerMatches('Bearer  abc ', 'abc')).toBe(true);
    expect(bearerMatches('Bearer abcd', 'abc')).toBe(false);
    expect(bearerMatches('Bearer ab', 'abc')).toBe(false);
    expect(bearerMatches('Bearer abc def', 'abc')).toBe(false);
    expect(bearerMatches(undefined, 'abc')).toBe(false);
    expect(bearerMatches('Bearer ', '')).toBe(false);
  });

  it('each fleet has its own token', async () => {
    const other = await startMockFleet(spec, [{ name: 'pets', versions: ['v1'], replicas: 1 }], { seed: 5 });
    try {
      expect(other.control.token).not.toBe(fleet.control.token);
      const cross = await raw(Number(new URL(other.control.url).port), 'GET', '/__proxyproof/journal', bearer());
      expect(cross.status).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('the journal holds credential tags, never credentials', () => {
  const secrets = {
    apiKey: 'alice-key-5f2c8e',
    bearer: 'eyJhbGciOiJIUzI1NiJ9.secret-bearer-token',
    basicUser: 'alice',
    basicPassword: 'pa55-w0rd-basic',
    session: 'sess-8c1f0e2d',
    cookieKey: 'cookie-api-key-77a1',
    queryKey: 'query-key-3e9b',
    tenant: 'tenant-secret-42aa',
    sig: 'signature-value-19ff',
    proxyAuth: 'proxy-cred-0b0b',
  };
  const basic = `Basic ${Buffer.from(`${secrets.basicUser}:${secrets.basicPassword}`).toString('base64')}`;

  async function sendAll(): Promise<JournalEntry[]> {
    const ids: string[] = [];
    const send = async (target: string, headers: Record<string, string>) => {
      const id = rid();
      ids.push(id);
      const a = await raw(data.port, 'GET', target, { [REQUEST_ID_HEADER]: id, ...headers });
      expect(a.status).toBe(200);
    };
    await send('/v1/pets/1', { 'x-api-key': secrets.apiKey, 'x-gateway': 'proxyproof' });
    await send('/v1/pets/1', { authorization: `Bearer ${secrets.bearer}` });
    await send('/v1/pets/1', { authorization: basic, 'proxy-authorization': `Basic ${secrets.proxyAuth}` });
    await send('/v1/pets/1', { cookie: `sid=${secrets.session}; api_key=${secrets.cookieKey}; theme=dark` });
    await send(`/v1/pets?limit=2&api_key=${secrets.queryKey}&sig=${encodeURIComponent(secrets.sig)}`, { 'x-tenant-secret': secrets.tenant });
    return ids.flatMap((id) => fleet.journal.forRequest(id));
  }

  it('tags every credential header, query parameter and cookie value, and credentialTag matches', async () => {
    const [key, bearerTry, basicTry, cookieTry, queryTry] = await sendAll();
    const tag = (v: string) => fleet.credentialTag(v);
    expect(tag(secrets.apiKey)).toMatch(/^hmac:[0-9a-f]{16}$/);
    expect(key.headers['x-api-key']).toBe(tag(secrets.apiKey));
    expect(key.headers['x-gateway']).toBe('proxyproof');
    expect(key.headers[REQUEST_ID_HEADER]).toBe(key.requestId);
    expect(bearerTry.headers.authorization).toBe(tag(`Bearer ${secrets.bearer}`));
    expect(basicTry.headers.authorization).toBe(tag(basic));
    expect(basicTry.headers['proxy-authorization']).toBe(tag(`Basic ${secrets.proxyAuth}`));
    expect(cookieTry.headers.cookie).toBe(`sid=${tag(secrets.session)}; api_key=${tag(secrets.cookieKey)}; theme=${tag('dark')}`);
    expect(queryTry.query).toBe(`limit=2&api_key=${tag(secrets.queryKey)}&sig=${tag(secrets.sig)}`);
    expect(queryTry.headers['x-tenant-secret']).toBe(tag(secrets.tenant));
    // Validation saw the real request: the limit still parsed as an integer.
    expect(queryTry.violations).toEqual([]);
  });

  it('no raw credential appears anywhere in the journal, in process or through the control listener', async () => {
    await sendAll();
    const got = await raw(controlPort(), 'GET', '/__proxyproof/journal', bearer());
    const b64 = basic.slice('Basic '.length);
    for (const text of [JSON.stringify(fleet.journal.entries()), got.body]) {
      for (const s of [...Object.values(secrets), b64, encodeURIComponent(secrets.sig)]) expect(text).not.toContain(s);
      expect(text).toContain('hmac:');
    }
  });

  it('tags are keyed per fleet: another fleet tags the same value differently', async () => {
    const other = await startMockFleet(spec, [{ name: 'pets', versions: ['v1'], replicas: 1 }], { seed: 5 });
    try {
      expect(other.credentialTag(secrets.apiKey)).not.toBe(fleet.credentialTag(secrets.apiKey));
      expect(other.credentialTag(secrets.apiKey)).toBe(other.credentialTag(secrets.apiKey));
    } finally {
      await other.close();
    }
  });
});
