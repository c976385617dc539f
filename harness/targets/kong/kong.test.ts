// The Kong render's kong.conf and the fixes a desk review against Kong 3.9.1's
// sources asked for (docs/targets/kong.md): the prefix and every path Kong
// writes in the workdir (the container runs as the workdir's owner), one nginx
// worker, status_listen on the runner's status port with /status/ready as the
// readiness, Kong 3.9's messages, and jwt secrets keyed by the issuer.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { RenderedConfig, RenderInput } from '../../model/target.ts';
import { loadSpec } from '../../spec/load-spec.ts';
import { exampleInput, REPO_ROOT } from '../../testing/examples.ts';
import { KONG_SERIAL_BURST_REASON, kongTarget } from './index.ts';
import { KONG_PLACEHOLDER_STATUS_PORT, kongFromUserConfig, kongPrefix, renderKong, renderKongDoc, tokenIssuer, validateKongConfig } from './render.ts';

const WORKDIR = '/tmp/proxyproof-kong-abc123';
const listen = { host: '127.0.0.1', port: 18123 };
const fixture = path.join(REPO_ROOT, 'fixtures/kong/petstore-kong.yml');

function input(statusPort?: number): RenderInput {
  return { ...exampleInput(WORKDIR, listen), statusPort };
}

/** kong.conf as Kong reads it: `name = value` lines, whole-line # comments left out. */
function settings(config: RenderedConfig): Record<string, string> {
  const lines = config.files['kong.conf'].split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]));
}

const renders: Array<[string, (i: RenderInput) => RenderedConfig]> = [
  ['rendered', (i) => renderKong(i, 'kong')],
  ["the user's kong.yml", (i) => kongFromUserConfig(i, fixture, 'kong')],
];

describe.each(renders)('kong.conf, %s', (_, render) => {
  it('puts the prefix in the workdir and everything Kong writes under it or on /dev/stdout|stderr, for a user that is not the image\'s kong', () => {
    const config = render(input(40_123));
    const s = settings(config);
    expect(s.prefix).toBe(path.join(WORKDIR, 'kong-prefix'));
    expect(kongPrefix(WORKDIR)).toBe(s.prefix);
    // Every absolute path it names is the config in the workdir, the prefix, or a standard stream.
    const absolute = Object.entries(s).filter(([, v]) => v.startsWith('/'));
    for (const [k, v] of absolute) expect(v.startsWith(`${WORKDIR}/`) || ['/dev/stdout', '/dev/stderr'].includes(v), `${k} = ${v}`).toBe(true);
    // Logs Kong would otherwise write to <prefix>/logs go to the container's log; none is a relative path elsewhere.
    expect(s).toMatchObject({ proxy_access_log: '/dev/stdout', proxy_error_log: '/dev/stderr', status_error_log: '/dev/stderr' });
    for (const [k, v] of Object.entries(s)) if (/_log$/.test(k)) expect(v === 'off' || v.startsWith('/dev/std'), k).toBe(true);
    // A root master keeps root workers instead of handing them to kong, who cannot enter the 0700 workdir.
    expect(s.nginx_main_user).toBe('root root');
    // The reason sits next to the setting, with its sources.
    const text = config.files['kong.conf'];
    expect(text).toMatch(/USER is kong \(docker-kong 3\.9\.1 ubuntu\/Dockerfile L57/);
    expect(text).toMatch(/kong\/cmd\/utils\/prefix_handler\.lua/);
    expect(text).toMatch(/nginx_signals\.lua L169/);
  });

  it('runs one nginx worker, with the reason (rate-limiting policy local over-admits a concurrent burst)', () => {
    const config = render(input(40_123));
    expect(settings(config).nginx_worker_processes).toBe('1');
    expect(config.files['kong.conf']).toMatch(/rate-limiting\/handler\.lua L143, L212; policies\/init\.lua\n# L308, L322; Kong\/kong#5790\)/);
  });

  it('listens for status on the status port it was given, and on a documented placeholder in a dry render', () => {
    const started = settings(render(input(40_123)));
    expect(started.status_listen).toBe('127.0.0.1:40123');
    expect(started.proxy_listen).toBe('127.0.0.1:18123');
    expect(started.admin_listen).toBe('off');
    const dry = render(input());
    expect(settings(dry).status_listen).toBe(`127.0.0.1:${KONG_PLACEHOLDER_STATUS_PORT}`);
    expect(KONG_PLACEHOLDER_STATUS_PORT).toBe(8007);
    expect(dry.files['kong.conf']).toMatch(/# Dry render: no status port was given; 8007 \(Kong's default\) is a placeholder, never started\.\nstatus_listen = 127\.0\.0\.1:8007\n/);
    expect(render(input(40_123)).files['kong.conf']).not.toMatch(/Dry render/);
  });
});

describe('the Kong driver', () => {
  it('is ready when /status/ready on the status port answers 200, not on any answer of the proxy port', () => {
    expect(kongTarget.readiness).toEqual({ kind: 'http', path: '/status/ready', port: 'status', status: 200 });
  });

  it('says why the rate-limit burst goes to Kong serially, naming the files', () => {
    expect(KONG_SERIAL_BURST_REASON).toMatch(/kong\/plugins\/rate-limiting\/handler\.lua, policies\/init\.lua, Kong 3\.9; Kong\/kong#5790/);
    expect(KONG_SERIAL_BURST_REASON).toMatch(/one request after another/);
  });

  it("states Kong 3.9's retry rule: no HTTP 5xx, and no retry of a sent POST, PATCH or LOCK", () => {
    expect(kongTarget.unsupportedBecause?.['retry.status']).toBe('Kong retries only connection failures and timeouts (and not those of a POST, PATCH or LOCK once sent), never an HTTP 5xx answer');
    const { notes } = renderKongDoc(input());
    expect(notes).toContain('retry: Kong retries only connection failures and timeouts (service.retries 2; a sent POST, PATCH or LOCK not even those), never an HTTP 5xx');
  });

  it("names Kong 3.9's key-auth messages, not 3.5's, in its sources", () => {
    for (const file of ['harness/targets/kong/render.ts', 'harness/policy/import-kong.ts']) {
      const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
      expect(text, file).toMatch(/"No API key found in request"/);
      expect(text, file).toMatch(/wrong one, "Unauthorized"/);
      expect(text, file).toMatch(/3\.5 and\s+(\/\/\s+)?earlier said "Invalid authentication\s+(\/\/\s+)?credentials"/);
    }
  });
});

describe('the bundled Kong suite: key-auth only where the spec secures', () => {
  it('every secured operation\'s route carries key-auth, the open /v1/health route none, and nothing is global', async () => {
    const spec = await loadSpec(path.join(REPO_ROOT, 'openapi/petstore.yaml'));
    const doc = parse(readFileSync(fixture, 'utf8'));
    expect(validateKongConfig(doc)).toEqual([]);
    expect(doc.plugins ?? []).toEqual([]);
    const routes = doc.services[0].routes as Array<{ name: string; plugins?: Array<{ name: string }> }>;
    expect(routes.map((r) => r.name.replace('petstore_', '')).sort()).toEqual(spec.operations.map((o) => o.id).sort());
    for (const r of routes) {
      const op = spec.operations.find((o) => o.id === r.name.replace('petstore_', ''))!;
      expect((r.plugins ?? []).some((p) => p.name === 'key-auth'), r.name).toBe(op.security.length > 0);
    }
    expect(spec.operations.find((o) => o.id === 'health')!.security).toEqual([]);
    // What Kong is given (hosts mapped to the mocks) keeps the plugins where they are.
    const mapped = parse(kongFromUserConfig(input(40_123), fixture, 'kong').files['kong.yml']);
    expect(mapped.services[0].routes.find((r: { name: string }) => r.name === 'petstore_health').plugins).toBeUndefined();
    expect(mapped.plugins).toBeUndefined();
  });
});

describe('jwt: the secret is keyed by the iss the tokens carry', () => {
  const secret = 'a-shared-secret-of-some-length!!';
  async function token(claims: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  }
  async function bearerInput(issuer: string | undefined, iss: Array<string | undefined>): Promise<RenderInput> {
    const i = input(40_123);
    i.spec.securitySchemes = { Bearer: { kind: 'bearer', format: 'JWT' } };
    for (const o of i.spec.operations) if (o.security.length) o.security = [{ Bearer: [] }];
    i.suite.policies.auth = { scheme: 'Bearer', reject: [401], jwt: { alg: 'HS256', secret, ...(issuer ? { issuer } : {}) } };
    const exp = Math.floor(Date.now() / 1000) + 600;
    i.suite.consumers = await Promise.all(iss.map(async (v, n) => ({ name: `c${n}`, valid: true, credential: { kind: 'bearer' as const, token: await token({ sub: `c${n}`, exp, ...(v ? { iss: v } : {}) }) } })));
    return i;
  }
  const secretsOf = (i: RenderInput) => (renderKongDoc(i).doc.consumers as Array<{ jwt_secrets: Array<{ key: string; algorithm: string }> }>)[0].jwt_secrets;

  it("keys the secret by policies.auth.jwt.issuer, which is the tokens' iss (Kong: key_claim_name iss)", async () => {
    const i = await bearerInput('https://issuer.example', ['https://issuer.example']);
    expect(secretsOf(i)).toEqual([{ key: 'https://issuer.example', algorithm: 'HS256', secret }]);
    expect(tokenIssuer((i.suite.consumers[0].credential as { token: string }).token)).toBe(secretsOf(i)[0].key);
    expect(kongTarget.cannotRender!(i.suite.policies).auth).toBeUndefined();
    expect(renderKongDoc(i).notes.filter((n) => n.startsWith('auth:'))).toEqual([]);
    expect(validateKongConfig(renderKongDoc(i).doc)).toEqual([]);
  });

  it('notes a valid token whose iss is not the issuer (Kong answers it 401)', async () => {
    const i = await bearerInput('https://issuer.example', ['https://other.example']);
    expect(renderKongDoc(i).notes).toContain("auth: consumer c0's token has iss https://other.example, not https://issuer.example: Kong answers it 401");
  });

  it("without an issuer: the auth check cannot be rendered; the secrets are keyed by the valid tokens' iss for the other checks", async () => {
    const i = await bearerInput(undefined, ['a.example', 'b.example', 'a.example', undefined]);
    expect(kongTarget.cannotRender!(i.suite.policies).auth).toBe("Kong's jwt plugin picks the credential by the token's iss claim and has no setting for any issuer: set policies.auth.jwt.issuer to the iss your tokens carry");
    expect(secretsOf(i).map((s) => s.key)).toEqual(['a.example', 'b.example']);
    expect(renderKongDoc(i).notes).toContain("auth: no policies.auth.jwt.issuer: Kong's jwt finds the secret by the token's iss; keyed by the valid tokens' iss (a.example, b.example); the auth check is not run");
    expect(validateKongConfig(renderKongDoc(i).doc)).toEqual([]);
  });

  it('reads iss without verifying, and nothing from a token that is not a JWT', () => {
    const payload = Buffer.from(JSON.stringify({ iss: 'x' })).toString('base64url');
    expect(tokenIssuer(`e30.${payload}.sig`)).toBe('x');
    expect(tokenIssuer('not-a-jwt')).toBeUndefined();
    expect(tokenIssuer(`e30.${Buffer.from('{"iss":5}').toString('base64url')}.`)).toBeUndefined();
    expect(tokenIssuer(`e30.${Buffer.from('null').toString('base64url')}.`)).toBeUndefined();
  });
});
