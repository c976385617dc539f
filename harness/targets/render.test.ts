import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { it } from '../testing/fixtures.ts';
import { checkRendered } from '../testing/config-check.ts';
import { generateKeyPairSync } from 'node:crypto';
import { InputError } from '../model/errors.ts';
import { haproxyTarget } from './haproxy/index.ts';
import { nginxRate } from './nginx/render.ts';
import { nginxTarget } from './nginx/index.ts';
import { integerWeights } from './shared/plan.ts';
import type { TargetDriver } from './target.ts';
import type { RenderInput } from '../model/target.ts';
import { getTarget, targetNames } from './registry.ts';
import { exampleInput, REPO_ROOT } from '../testing/examples.ts';


const check = checkRendered;

const listen = { host: '127.0.0.1', port: 18123 };
const drivers: TargetDriver[] = [nginxTarget, haproxyTarget];

describe('targets registry', () => {
  it('knows nginx, haproxy, kong and envoy', () => {
    expect(targetNames).toEqual(['nginx', 'haproxy', 'kong', 'envoy']);
    expect(getTarget('nginx')).toBe(nginxTarget);
    expect(getTarget('haproxy')).toBe(haproxyTarget);
    expect(getTarget('traefik')).toBeUndefined();
    expect(getTarget('toString')).toBeUndefined();
  });
});

describe('helpers', () => {
  it('keeps weight ratios in integers under a cap', () => {
    expect(integerWeights([45, 45, 5, 5], 256)).toEqual([9, 9, 1, 1]);
    expect(integerWeights([0.5, 0.5], 256)).toEqual([1, 1]);
    expect(integerWeights([999, 1], 256)).toEqual([256, 1]);
    expect(integerWeights([1, 0], 256)).toEqual([1, 0]);
  });
  it('writes nginx rates', () => {
    expect(nginxRate(5, 1000)).toBe('5r/s');
    expect(nginxRate(100, 60_000)).toBe('100r/m');
    expect(nginxRate(3, 2000)).toBe('90r/m');
  });
});

describe.each(drivers)('$name rendered from the example suite', (driver) => {
  it('passes the config check', ({ tmp }) => {
    const wd = tmp;
    const config = driver.render(exampleInput(wd, listen));
    expect(config.target).toBe(driver.name);
    const res = check(config, wd);
    expect(res.output).not.toMatch(/\[(ALERT|WARNING|emerg|warn)\]/);
    expect(res.status).toBe(0);
  });

  it('passes the config check with balance random and no policies but routing', ({ tmp }) => {
    const wd = tmp;
    const input = exampleInput(wd, listen);
    input.suite.targets = [{ name: driver.name, render: true, balance: 'random' }];
    input.suite.policies = {};
    const config = driver.render(input);
    expect(config.files[config.mainFile]).toMatch(/random/);
    expect(check(config, wd).status).toBe(0);
  });

  it('passes the config check with basic auth, rate limit by ip and all-methods retry', ({ tmp }) => {
    const wd = tmp;
    const input = exampleInput(wd, listen);
    input.spec.securitySchemes = { Basic: { kind: 'basic' } };
    input.spec.operations = input.spec.operations.map((o) => (o.security.length ? { ...o, security: [{ Basic: [] }] } : o));
    input.suite.consumers = [
      { name: 'alice', valid: true, credential: { kind: 'basic', user: 'alice', password: 'pa ss"w' } },
      { name: 'mallory', valid: false, credential: { kind: 'basic', user: 'mallory', password: 'x' } },
    ];
    input.suite.policies.auth = { scheme: 'Basic', reject: [401] };
    input.suite.policies.rateLimit = { limit: 3, windowMs: 2000, by: 'ip' };
    input.suite.policies.retry = { attempts: 5, on: [500, 503], methods: ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'] };
    const config = driver.render(input);
    const res = check(config, wd);
    expect(res.output).not.toMatch(/\[(ALERT|WARNING|emerg|warn)\]/);
    expect(res.status).toBe(0);
    if (driver.name === 'nginx') {
      // 6 tries need at least 6 entries: the 4 replicas are listed twice.
      expect(config.files[config.mainFile].match(/^\s*server 127/gm)).toHaveLength(8);
      expect(config.files.htpasswd).toMatch(/^alice:\{SHA\}/);
    }
  });

  it.for(['RS256', 'HS256'] as const)('passes the config check with bearer %s', (alg, { tmp }) => {
    const wd = tmp;
    const input = exampleInput(wd, listen);
    input.spec.securitySchemes = { Bearer: { kind: 'bearer', format: 'JWT' } };
    input.spec.operations = input.spec.operations.map((o) => (o.security.length ? { ...o, security: [{ Bearer: [] }] } : o));
    input.suite.consumers = [{ name: 'alice', valid: true, credential: { kind: 'bearer', token: 'x' } }];
    if (alg === 'RS256') {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const jwks = path.join(wd, 'input-jwks.json');
      writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1' }] }));
      input.suite.policies.auth = { scheme: 'Bearer', reject: [401], jwt: { alg, jwks } };
    } else {
      input.suite.policies.auth = { scheme: 'Bearer', reject: [401], jwt: { alg, secret: 's3cret' } };
    }
    const config = driver.render(input);
    const res = check(config, wd);
    expect(res.output).not.toMatch(/\[(ALERT|WARNING|emerg|warn)\]/);
    expect(res.status).toBe(0);
  });

  it('refuses an unknown auth scheme with an InputError', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    input.suite.policies.auth = { scheme: 'Nope', reject: [401] };
    expect(() => driver.render(input)).toThrow(InputError);
  });
});

const fixtures: Array<[TargetDriver, string]> = [];
for (const [driver, dir] of [
  [nginxTarget, 'fixtures/nginx'],
  [haproxyTarget, 'fixtures/haproxy'],
] as const) {
  for (const sub of ['.', 'mutants']) {
    for (const f of readdirSync(path.join(REPO_ROOT, dir, sub))) {
      if (/\.(conf|cfg)$/.test(f)) fixtures.push([driver, path.join(REPO_ROOT, dir, sub, f)]);
    }
  }
}

describe('the timeout policy in rendered configs', () => {
  it('nginx: tries bounded together, one-try methods get the whole timeout', ({ tmp }) => {
    const conf = nginxTarget.render(exampleInput(tmp, listen)).files['nginx.conf'];
    expect(conf).toContain('proxy_next_upstream_timeout 2000ms;');
    expect(conf).toMatch(/location @pp_once \{\n\s+proxy_next_upstream off;\n\s+proxy_read_timeout 2000ms;/);
    // Without a retry policy the read timeout is the request timeout.
    const input = exampleInput(tmp, listen);
    delete input.suite.policies.retry;
    const plain = nginxTarget.render(input).files['nginx.conf'];
    expect(plain).toContain('proxy_read_timeout 2000ms;');
    expect(plain).not.toContain('proxy_next_upstream_timeout');
  });
  it('HAProxy: per-try timeout server for retried GETs, the whole timeout for other methods', ({ tmp }) => {
    const cfg = haproxyTarget.render(exampleInput(tmp, listen)).files['haproxy.cfg'];
    expect(cfg).toContain('timeout server 500ms');
    expect(cfg).toContain('http-request set-timeout server 2000ms if !{ method GET }');
    const input = exampleInput(tmp, listen);
    delete input.suite.policies.retry;
    expect(haproxyTarget.render(input).files['haproxy.cfg']).toMatch(/retries 0\n\s+timeout server 2000ms/);
  });
});

describe('fault abort in a rendered nginx config', () => {
  it('a flag per rule from the operation, each header and a random share; nginx -t accepts it', ({ tmp }) => {
    const wd = tmp;
    const input = exampleInput(wd, listen);
    input.suite.policies.fault = { rules: [{ upstream: 'petstore', headers: [{ name: 'X-Fault', prefix: 'a.b' }, { name: 'end-user', regex: 'ja(son|ne)' }], abort: { status: 503, percent: 12.5 } }] };
    const config = nginxTarget.render(input);
    const conf = config.files['nginx.conf'];
    expect(conf).toContain('map $http_x_fault $pp_f0_h0 {');
    expect(conf).toContain('"~^a\\\\.b" 1;');
    expect(conf).toContain('"~^(?:ja(son|ne))$" 1;');
    expect(conf).toMatch(/split_clients "\$\{request_id\}" \$pp_f0_share \{\n\s+12\.5% 1;/);
    expect(conf).toMatch(/map "\$pp_op:\$pp_f0_h0:\$pp_f0_h1:\$pp_f0_share" \$pp_fault0 \{\n\s+default 0;\n\s+"~\^\(op0\|op1\|op2\|op3\|op4\):1:1:1\$" 1;/);
    expect(conf).toContain('if ($pp_fault0) { return 503; }');
    const res = check(config, wd);
    expect(res.output).not.toMatch(/\[(emerg|warn)\]/);
    expect(res.status).toBe(0);
  });
});

describe('fault delay in a rendered HAProxy config', () => {
  it('a Lua action holds matching requests; haproxy -c accepts it', ({ tmp }) => {
    const wd = tmp;
    const input = exampleInput(wd, listen);
    input.suite.policies.fault = { rules: [{ upstream: 'petstore', headers: [{ name: 'x-fault', exact: 'yes' }], delay: { fixedDelayMs: 1500, percent: 50 }, abort: { status: 503, percent: 100 } }] };
    const config = haproxyTarget.render(input);
    const cfg = config.files['haproxy.cfg'];
    expect(cfg).toContain(`lua-load ${path.join(wd, 'pp-fault-delay.lua')}`);
    // The delay comes first (as in Envoy's fault filter), then the abort.
    expect(cfg).toMatch(/http-request lua\.pp_delay 1500 if .*\{ req\.fhdr\(x-fault\) -m str "yes" \} \{ rand\(10000\) -m int lt 5000 \}\n\s+http-request return status 503 /);
    expect(config.files['pp-fault-delay.lua']).toContain('core.msleep(tonumber(ms))');
    const res = check(config, wd);
    expect(res.output).not.toMatch(/\[(ALERT|WARNING)\]/);
    expect(res.status).toBe(0);
  });
});

describe('user configs', () => {
  it('finds the fixtures and all mutants', () => {
    expect(fixtures).toHaveLength(17);
  });

  it.for(fixtures.map(([d, f]) => [d.name, path.relative(REPO_ROOT, f), d, f] as const))(
    '%s %s passes the config check',
    async ([, rel, driver, file], { tmp: wd }) => {
      const config = driver.fromUserConfig(exampleInput(wd, listen), file);
      const res = check(config, wd);
      expect(res.output).not.toMatch(/\[(ALERT|WARNING|emerg|warn)\]/);
      expect(res.status).toBe(0);
      if (rel.includes('mutants')) {
        const first = (await import('node:fs')).readFileSync(file, 'utf8').split('\n')[0];
        expect(first).toMatch(/^# mutant: (auth|rateLimit|retry|canary|contract|transform|timeout) — \S.* \[\w+\.\w+\]$/);
      }
    },
  );

  it('a missing user config is an InputError naming it', ({ tmp }) => {
    const input: RenderInput = exampleInput(tmp, listen);
    expect(() => nginxTarget.fromUserConfig(input, '/nope/missing.conf')).toThrow(/\/nope\/missing.conf/);
    expect(() => haproxyTarget.fromUserConfig(input, '/nope/missing.cfg')).toThrow(InputError);
  });

  it('adds daemon off only when the nginx config has no daemon directive', ({ tmp }) => {
    const wd = tmp;
    const file = path.join(wd, 'mine.conf');
    writeFileSync(file, 'events {}\nhttp { server { listen {{listen}}; } }\n');
    const config = nginxTarget.fromUserConfig(exampleInput(wd, listen), file);
    expect(config.command.args).toContain('-g');
    expect(config.command.args.join(' ')).toMatch(/daemon off;/);
    const fixture = nginxTarget.fromUserConfig(exampleInput(wd, listen), path.join(REPO_ROOT, 'fixtures/nginx/petstore.conf'));
    // The fixture sets daemon and pid itself; started by root, its workers must still enter the private workdir.
    const g = fixture.command.args.indexOf('-g');
    expect(g >= 0 ? fixture.command.args[g + 1] : undefined).toBe(process.getuid?.() === 0 ? 'user root;' : undefined);
  });
});

// Defects a read of nginx 1.22's and HAProxy 2.6's sources found (docs/targets/nginx.md, haproxy.md).
describe('what nginx and HAProxy can write', () => {
  it('nginx: a limit of 1 has no burst (burst=0 is refused); nginx -t accepts it', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    input.suite.policies.rateLimit = { ...input.suite.policies.rateLimit!, limit: 1, windowMs: 1000 };
    const config = nginxTarget.render(input);
    expect(config.files['nginx.conf']).toContain('limit_req zone=pp_rl nodelay;');
    expect(config.files['nginx.conf']).not.toContain('burst=0');
    const res = check(config, tmp);
    expect(res.output).not.toMatch(/\[(emerg|warn)\]/);
    expect(res.status).toBe(0);
  });

  it('nginx: a rate that is not a whole number per second or minute is notSupported with the reason', () => {
    const rl = exampleInput('/w', listen).suite.policies.rateLimit!;
    expect(nginxTarget.cannotRender!({ rateLimit: { ...rl, limit: 60, windowMs: 60_000 } }).rateLimit).toBeUndefined();
    expect(nginxTarget.cannotRender!({ rateLimit: { ...rl, limit: 1, windowMs: 120_000 } }).rateLimit).toBe(
      "nginx's limit_req rate is a whole number of requests per second or per minute; 1 per 120000 ms is 0.500 per minute",
    );
    expect(nginxTarget.cannotRender!({ rateLimit: { ...rl, limit: 7, windowMs: 9000 } }).rateLimit).toMatch(/^nginx's limit_req rate/);
  });

  it('nginx: an abort share below 0.005% (split_clients writes two decimals) is notSupported', () => {
    const rule = (percent: number) => ({ upstream: 'petstore', headers: [], abort: { status: 503, percent } });
    expect(nginxTarget.cannotRender!({ fault: { rules: [rule(0.01)] } }).fault).toBeUndefined();
    expect(nginxTarget.cannotRender!({ fault: { rules: [rule(0.001)] } }).fault).toBe("nginx's split_clients writes shares with two decimals; an abort on 0.001% of requests would be 0%");
  });

  it('HAProxy: a spec of 130 operations goes 50 to an ACL line (a line takes 64 words); haproxy -c accepts it', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    const base = input.spec.operations[0];
    input.spec.operations = Array.from({ length: 130 }, (_, i) => ({ ...base, id: `op${i}`, path: `/v1/r${i}`, pathRegex: `^/v1/r${i}$`, pointer: `/paths/~1v1~1r${i}/get` }));
    input.suite.policies.fault = { rules: [{ upstream: 'petstore', headers: [], abort: { status: 503, percent: 1 } }] };
    input.suite.policies.rateLimit!.operations = input.spec.operations.map((o) => o.id);
    const config = haproxyTarget.render(input);
    const cfg = config.files['haproxy.cfg'];
    for (const acl of ['pp_secured', 'pp_rl_scope', 'pp_fault0_ops', 'pp_to_petstore']) {
      const lines = cfg.match(new RegExp(`^\\s+acl ${acl} var\\(txn\\.pp_op\\) -m str (.*)$`, 'gm')) ?? [];
      expect(lines.length, acl).toBe(3);
      for (const l of lines) expect(l.trim().split(/\s+/).length, acl).toBeLessThanOrEqual(64);
    }
    const res = check(config, tmp);
    expect(res.output).not.toMatch(/\[(ALERT|WARNING)\]/);
    expect(res.status).toBe(0);
  });
});
