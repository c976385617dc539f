// Real proxies rendered with basic and bearer (JWT) auth: valid credentials
// pass, missing/invalid/expired ones are rejected and never reach the upstream.

import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { it, type Fixtures } from '../testing/fixtures.ts';
import { haproxyTarget } from '../targets/haproxy/index.ts';
import { nginxTarget } from '../targets/nginx/index.ts';
import type { TargetDriver } from '../targets/target.ts';
import type { RenderInput } from '../model/target.ts';
import { exampleInput } from '../testing/examples.ts';
import type { Endpoint } from '../model/upstream.ts';
import { freePort } from './ports.ts';
import { processRuntime } from './process-runtime.ts';

let hits = 0;
let server: http.Server;
let replica: Endpoint;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('[]');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  replica = { host: '127.0.0.1', port: (server.address() as { port: number }).port };
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});


async function withProxy(fx: Fixtures, driver: TargetDriver, setup: (input: RenderInput) => void, body: (baseUrl: string) => Promise<void>) {
  const wd = path.join(fx.tmp, 'w');
  const listen = { host: '127.0.0.1', port: await freePort() };
  const input = exampleInput(wd, listen, [replica]);
  input.suite.policies = { auth: { reject: [401, 403] } };
  setup(input);
  const proxy = await fx.proxies.start(processRuntime, driver.render(input), { workdir: wd, listen, readyTimeoutMs: 5000 });
  try {
    await body(proxy.baseUrl);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- proxy logs\n${proxy.logs().slice(-3000)}`);
  }
}

async function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers });
  await res.text();
  return res.status;
}

function useScheme(input: RenderInput, name: string, scheme: RenderInput['spec']['securitySchemes'][string]) {
  input.spec.securitySchemes = { [name]: scheme };
  input.spec.operations = input.spec.operations.map((o) => (o.security.length ? { ...o, security: [{ [name]: [] }] } : o));
  input.suite.policies.auth = { scheme: name, reject: [401, 403], jwt: input.suite.policies.auth?.jwt };
}

const drivers = [nginxTarget, haproxyTarget];

describe.each(drivers)('$name rendered auth', (driver) => {
  it('basic: valid user passes, wrong password and none are rejected', async ({ tmp, proxies }) => {
    await withProxy(
      { tmp, proxies },
      driver,
      (input) => {
        useScheme(input, 'Basic', { kind: 'basic' });
        input.suite.consumers = [
          { name: 'alice', valid: true, credential: { kind: 'basic', user: 'alice', password: 'open sesame' } },
          { name: 'mallory', valid: false, credential: { kind: 'basic', user: 'alice', password: 'guess' } },
        ];
      },
      async (base) => {
        const b = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
        const before = hits;
        expect(await status(`${base}/v1/pets`)).toBe(401);
        expect(await status(`${base}/v1/pets`, b('alice', 'guess'))).toBe(401);
        expect(hits).toBe(before);
        expect(await status(`${base}/v1/pets`, b('alice', 'open sesame'))).toBe(200);
        expect(await status(`${base}/v1/health`)).toBe(200);
      },
    );
  });

  it.for(['HS256', 'RS256'] as const)('bearer %s: valid token passes; forged, expired, wrong alg and none are rejected', async (alg, { tmp, proxies }) => {
    const secret = new TextEncoder().encode('a-shared-secret-of-some-length!!');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Math.floor(Date.now() / 1000);
    const sign = async (claims: Record<string, unknown>, key: 'good' | 'bad', a: string = alg) => {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: a, kid: 'k1' });
      if (a === 'HS256') return jwt.sign(key === 'good' ? secret : new TextEncoder().encode('another-secret-of-some-length!!!'));
      return jwt.sign(key === 'good' ? privateKey : other.privateKey);
    };
    await withProxy(
      { tmp, proxies },
      driver,
      (input) => {
        if (alg === 'HS256') {
          input.suite.policies.auth = { reject: [401], jwt: { alg, secret: 'a-shared-secret-of-some-length!!' } };
        } else {
          const jwks = path.join(path.dirname(input.workdir), 'jwks.json');
          writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' }] }));
          input.suite.policies.auth = { reject: [401], jwt: { alg, jwks } };
        }
        useScheme(input, 'Bearer', { kind: 'bearer', format: 'JWT' });
      },
      async (base) => {
        const good = await sign({ sub: 'alice', exp: now + 600 }, 'good');
        const forged = await sign({ sub: 'mallory', exp: now + 600 }, 'bad');
        const expired = await sign({ sub: 'alice', exp: now - 60 }, 'good');
        const early = await sign({ sub: 'alice', exp: now + 7200, nbf: now + 3600 }, 'good');
        const before = hits;
        expect(await status(`${base}/v1/pets`)).toBe(401);
        expect(await status(`${base}/v1/pets`, { authorization: `Bearer ${forged}` })).toBe(401);
        expect(await status(`${base}/v1/pets`, { authorization: `Bearer ${expired}` })).toBe(401);
        expect(await status(`${base}/v1/pets`, { authorization: `Bearer ${early}` })).toBe(401);
        expect(await status(`${base}/v1/pets`, { authorization: 'Bearer not.a.token' })).toBe(401);
        const [h, p] = good.split('.');
        const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`;
        expect(await status(`${base}/v1/pets`, { authorization: `Bearer ${none}` })).toBe(401);
        expect(await status(`${base}/v1/pets`, { authorization: `Bearer ${h}.${p}.AAAA` })).toBe(401);
        expect(hits).toBe(before);
        expect(await status(`${base}/v1/pets`, { authorization: `Bearer ${good}` })).toBe(200);
        expect(await status(`${base}/v1/pets/3`, { authorization: `Bearer ${good}` })).toBe(200);
        expect(await status(`${base}/v1/health`)).toBe(200);
      },
    );
  });
});
