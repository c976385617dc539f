// The renderers' escaping, value by value: what a real nginx and HAProxy read
// back from each quoting function (they are started and asked), what Kong's
// YAML and templates and Envoy's JSON carry, what is refused and how it is
// said, and weights that used to recurse forever.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { describe, expect } from 'vitest';
import { it } from '../testing/fixtures.ts';
import { InputError } from '../model/errors.ts';
import { exampleInput } from '../testing/examples.ts';
import { escapeRegExp } from '../util/regex.ts';
import { renderEnvoyBootstrap } from './envoy/render.ts';
import * as hap from './haproxy/escape.ts';
import { haproxyTarget } from './haproxy/index.ts';
import { comment as kongComment, kongYaml, templateText } from './kong/escape.ts';
import { renderKong, renderKongDoc } from './kong/render.ts';
import * as ngx from './nginx/escape.ts';
import { nginxTarget } from './nginx/index.ts';
import { integerWeights } from './shared/plan.ts';
import { commentText, regexSource, type Source } from './shared/values.ts';

const SRC: Source = { file: '/s/x.suite.yaml', place: 'policies.x' };
const listen = { host: '127.0.0.1', port: 18_125 };

/** What a function throws, as an InputError (or the test fails). */
function inputErrorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** GET with the given headers; the body as text. */
function get(port: number, pathname: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}

/** Start `bin args`, wait until `port` answers, run `fn`, stop it (only this process, by its handle). */
async function withProxy<T>(bin: string, args: string[], port: number, fn: () => Promise<T>): Promise<T> {
  const proc: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    for (let i = 0; ; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(true)).on('error', () => resolve(false));
        s.on('connect', () => s.destroy());
      });
      if (up) break;
      if (i > 100 || proc.exitCode !== null) throw new Error(`${bin} did not start: ${stderr}`);
      await sleep(50);
    }
    return await fn();
  } finally {
    proc.kill('SIGTERM');
    await new Promise((resolve) => (proc.exitCode !== null ? resolve(null) : proc.once('exit', resolve)));
  }
}

// Values that break a naive quoting somewhere; all printable, so a client can send them back.
const VALUES = ['a,b)c', "it's", '"q"', 'back\\slash', '$HOME', '${HOME}', '#hash', 'sp ace', '%[src]', '100%', '-f /etc/passwd', '-i', '\\n', "''", ')', '(', '}', 'plain'];
const UNICODE = ['é€\u2028\u0085'];
/** Patterns inside { ... }: a lone } cannot be one (inBraces refuses it). */
const MATCHED = VALUES.filter((v) => v !== '}');

describe('comments', () => {
  it('every target writes control characters and line separators as visible escapes', () => {
    const text = 'op\nhttp-request return status 200\r\u2028\u0000#x';
    const want = 'op\\nhttp-request return status 200\\r\\u2028\\u0000#x';
    expect(commentText(text)).toBe(want);
    expect(ngx.comment(text)).toBe(`# ${want}`);
    expect(hap.comment(text)).toBe(`# ${want}`);
    expect(kongComment(text)).toBe(`# ${want}`);
    // Envoy's bootstrap is JSON: no comments; free text reaches it only through JSON.stringify.
  });
});

describe('HAProxy reads back what the quoting functions write', () => {
  it('arg() in parentheses, logFormat() in set-header, str() patterns after --: each value exactly', async ({ tmp }) => {
    const port = await freePort();
    const all = [...VALUES, ...UNICODE];
    const lines = [
      'defaults',
      '    mode http',
      '    timeout connect 1s',
      '    timeout client 5s',
      '    timeout server 5s',
      'frontend f',
      `    bind 127.0.0.1:${port}`,
      ...all.map((v, i) => `    http-request set-var(txn.a${i}) str(${hap.arg(v, SRC)})`),
      ...all.map((v, i) => `    http-request set-header x-v${i} ${hap.logFormat(v, SRC)}`),
      `    http-request set-header x-empty ${hap.logFormat('', SRC)}`,
      ...MATCHED.map((v, i) => `    http-request set-var(txn.m${i}) bool(1) if { req.fhdr(x-k${i}) -m str ${hap.patterns([{ raw: v, text: hap.str(v, SRC), src: SRC }])} }`),
      `    http-request return status 200 content-type text/plain lf-string "${all.map((_, i) => `%[var(txn.a${i}),base64] %[req.fhdr(x-v${i}),base64]`).join(' ')} ${MATCHED.map((_, i) => `%[var(txn.m${i})]`).join(',')} %[req.hdr_cnt(x-empty)]"`,
    ];
    const cfg = path.join(tmp, 'haproxy.cfg');
    writeFileSync(cfg, `${lines.join('\n')}\n`);
    const body = await withProxy('haproxy', ['-db', '-f', cfg], port, () => get(port, '/', Object.fromEntries(MATCHED.map((v, i) => [`x-k${i}`, v]))));
    const words = body.trim().split(' ');
    const decoded = words.slice(0, all.length * 2).map((w) => Buffer.from(w, 'base64').toString('utf8'));
    expect(decoded).toEqual(all.flatMap((v) => [v, v]));
    expect(words[all.length * 2]).toBe(MATCHED.map(() => '1').join(','));
    expect(words[all.length * 2 + 1]).toBe('1');
  });

  it('arg() keeps plain values as they were; quoted for the JWT key argument', () => {
    expect(hap.arg('X-API-Key', SRC)).toBe('X-API-Key');
    expect(hap.arg('/tmp/w/jwt-key-0.pem', SRC, true)).toBe('"/tmp/w/jwt-key-0.pem"');
    expect(hap.arg('a,b', SRC)).toBe(`"'a,b'"`);
  });

  it('refuses what it cannot write, naming the setting', () => {
    expect(inputErrorOf(() => hap.str('a\nb', SRC)).message).toBe('/s/x.suite.yaml:policies.x: haproxy.cfg cannot carry a newline in this value; remove it');
    expect(inputErrorOf(() => hap.arg('a\u0000', SRC)).detail).toMatch(/cannot carry NUL/);
    expect(inputErrorOf(() => hap.patterns([{ raw: '', text: '""', src: SRC }])).detail).toMatch(/cannot match an empty value/);
    expect(inputErrorOf(() => hap.inBraces('}', SRC)).detail).toMatch(/cannot match the value '}' inside a condition/);
    expect(inputErrorOf(() => hap.userName('a:b', SRC)).detail).toMatch(/cannot contain ":"/);
    expect(hap.patterns([{ raw: '-f', text: '"-f"', src: SRC }])).toBe('-- "-f"');
  });
});

describe('nginx reads back what the quoting functions write', () => {
  it('expanded() in return text and str() as a regex map key: each value exactly', async ({ tmp }) => {
    const port = await freePort();
    const all = [...VALUES, ...UNICODE];
    const lines = [
      'daemon off;',
      `pid ${path.join(tmp, 'nginx.pid')};`,
      'events { worker_connections 64; }',
      'http {',
      '    access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${path.join(tmp, t)};`),
      `    ${ngx.dollarGeo()}`,
      ...VALUES.map((v, i) => `    map $http_x_k${i} $pp_m${i} { default 0; ${ngx.str(`~^${escapeRegExp(v)}$`, SRC)} 1; }`),
      `    server { listen 127.0.0.1:${port};`,
      ...all.map((v, i) => `        location = /e${i} { return 200 ${ngx.expanded(v, SRC)}; }`),
      `        location = /m { return 200 "${VALUES.map((_, i) => `$pp_m${i}`).join(',')}"; }`,
      '    }',
      '}',
    ];
    const conf = path.join(tmp, 'nginx.conf');
    mkdirSync(tmp, { recursive: true });
    writeFileSync(conf, `${lines.join('\n')}\n`);
    const args = ['-p', `${tmp}/`, '-c', conf, '-e', path.join(tmp, 'error.log')];
    const [bodies, matched] = await withProxy('nginx', args, port, async () => [
      await Promise.all(all.map((_, i) => get(port, `/e${i}`))),
      await get(port, '/m', Object.fromEntries(VALUES.map((v, i) => [`x-k${i}`, v]))),
    ]);
    expect(bodies).toEqual(all);
    expect(matched).toBe(VALUES.map(() => '1').join(','));
  });

  it('variables: a header name must fit in $http_, a query parameter or cookie in $arg_ / $cookie_', () => {
    expect(ngx.headerVar('X-API-Key', SRC)).toBe('$http_x_api_key');
    expect(inputErrorOf(() => ngx.headerVar('X.Key', SRC)).detail).toMatch(/takes letters, digits, - and _ only; "X.Key"/);
    expect(inputErrorOf(() => ngx.nameVar('arg', 'api-key', SRC)).detail).toMatch(/\$arg_<name>, which takes letters, digits and _ only/);
    expect(inputErrorOf(() => ngx.htpasswdUser('#root', SRC)).detail).toMatch(/comment/);
    expect(ngx.word('X-Gateway', SRC)).toBe('X-Gateway');
    expect(ngx.word('#x', SRC)).toBe('"#x"');
  });

  it('a $ in a transform value renders through $pp_dollar; the transform check is no longer notSupported for it', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    input.suite.policies.transform = { setHeaders: { 'X-Price': '$5 "net"' }, removeHeaders: [] };
    const conf = nginxTarget.render(input).files['nginx.conf'];
    expect(conf).toContain('    geo $pp_dollar { default "$"; }\n');
    expect(conf).toContain('proxy_set_header X-Price "${pp_dollar}5 \\"net\\"";');
    expect(nginxTarget.cannotRender!(input.suite.policies).transform).toBeUndefined();
    // Without a $, no geo block: renders stay as they were.
    expect(nginxTarget.render(exampleInput(tmp, listen)).files['nginx.conf']).not.toContain('pp_dollar');
  });
});

describe('many and long values', () => {
  it('HAProxy: 120 API keys go 50 to an ACL line (64 words a line at most); haproxy -c accepts them', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    input.suite.consumers = Array.from({ length: 120 }, (_, i) => ({ name: `c${i}`, valid: true, credential: { kind: 'apiKey' as const, key: `key-${i}` } }));
    const config = haproxyTarget.render(input);
    const cfg = config.files['haproxy.cfg'];
    expect(cfg.match(/^\s+acl pp_credential_ok req\.fhdr\(X-API-Key\) -m str /gm)).toHaveLength(3);
    for (const [rel, content] of Object.entries(config.files)) writeFileSync(path.join(tmp, rel), content);
    const res = spawnSync(config.checkCommand.bin, config.checkCommand.args, { encoding: 'utf8' });
    expect(`${res.stdout}${res.stderr}`).not.toMatch(/\[(ALERT|WARNING)\]/);
    expect(res.status).toBe(0);
  });

  it('nginx: a value longer than its read buffer is an InputError naming it', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    input.suite.consumers[0].credential = { kind: 'apiKey', key: 'k'.repeat(5000) };
    const e = inputErrorOf(() => nginxTarget.render(input));
    expect(e.place).toBe('consumers.alice.apiKey');
    expect(e.detail).toBe('nginx reads a value of at most 4000 bytes as written; this one is 5005');
  });
});

describe('regexes', () => {
  it('compile, hold no control character, and read the same to JavaScript and the proxy', () => {
    expect(regexSource('ja(son|ne)', SRC, 'nginx.conf')).toBe('ja(son|ne)');
    expect(regexSource('\\d+\\.\\x41[^/]', SRC, 'nginx.conf')).toBe('\\d+\\.\\x41[^/]');
    expect(inputErrorOf(() => regexSource('a)|(.*', SRC, 'nginx.conf')).detail).toMatch(/^not a valid regular expression/);
    expect(inputErrorOf(() => regexSource('a\nb', SRC, 'nginx.conf')).detail).toMatch(/cannot carry a newline/);
    expect(inputErrorOf(() => regexSource('\\Y', SRC, 'nginx.conf')).detail).toMatch(/the escape \\Y is unknown to PCRE/);
    expect(inputErrorOf(() => regexSource('a[]', SRC, 'nginx.conf')).detail).toMatch(/an empty class/);
    expect(inputErrorOf(() => regexSource('(?<=a+)b', SRC, 'nginx.conf')).detail).toMatch(/lookbehind/);
    expect(regexSource('a(?=b)', SRC, 'nginx.conf')).toBe('a(?=b)');
    expect(inputErrorOf(() => regexSource('a(?=b)', SRC, 'Envoy', true)).detail).toMatch(/lookahead \(RE2 has none\)/);
  });
});

describe('Kong', () => {
  it('YAML by 1.1 rules (Kong reads yes and on as booleans), line separators escaped in double quotes', () => {
    const doc = { k: ['yes', 'on', 'y', '1:30', 'a\u2028b', 'x\u0085', 'c\u007f', 'plain', 'multi\nline'] };
    const text = kongYaml(doc);
    expect(text).not.toMatch(/[\u0085\u2028\u2029\u007f]/);
    expect(text).toContain('"a\\Lb"');
    expect(parse(text, { version: '1.1' })).toEqual(doc);
  });

  it('request-transformer values with $( or a leading colon become one Lua string template', () => {
    expect(templateText('proxyproof')).toBe('proxyproof');
    const t = templateText('$(os.exit()) (x)');
    expect(t).toBe('$("\\036\\040os\\046exit\\040\\041\\041 \\040x\\041")');
    // The template's ( ) are balanced (pl.template finds its end with %b()), and the string decodes back.
    const inner = t.slice(2, -1);
    expect(inner.replace(/[^()]/g, '')).toBe('');
    expect(Buffer.from(inner.slice(1, -1).replace(/\\(\d{3})/g, (_, d: string) => String.fromCharCode(Number(d))), 'latin1').toString('utf8')).toBe('$(os.exit()) (x)');
    expect(templateText(':colon')).toMatch(/^\$\("\\058colon"\)$/);
  });

  it('route names keep only name-safe characters of the operationId; the header comment stays one line', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    input.spec.operations[0].id = 'list pets\n- name: x';
    input.suite.name = 'pet\nstore';
    const yml = renderKong(input, 'kong').files['kong.yml'];
    expect(yml.split('\n')[0]).toBe('# Rendered by proxyproof from suite "pet\\nstore" (' + input.suite.file + ').');
    const routes = (renderKongDoc(input).doc.services as Array<{ routes: Array<{ name: string }> }>)[0].routes.map((r) => r.name);
    expect(routes[0]).toBe('op0-list_pets_-_name__x');
  });

  it('refuses a header name that is not a token and a header value with a control character', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    input.suite.policies.transform = { setHeaders: { 'X-A': 'a\r\nInjected: 1' }, removeHeaders: [] };
    expect(inputErrorOf(() => renderKongDoc(input)).place).toBe('policies.transform.request.setHeaders.X-A');
    input.suite.policies.transform = { setHeaders: { 'X:A': 'a' }, removeHeaders: [] };
    expect(inputErrorOf(() => renderKongDoc(input)).detail).toMatch(/is not an HTTP token/);
  });
});

describe('Envoy', () => {
  it('route names and the node id keep only name-safe characters; header values without control characters', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    input.spec.operations[0].id = 'list pets~x';
    input.suite.name = 'a.b~c';
    const boot = renderEnvoyBootstrap(input) as { node: { id: string; cluster: string }; static_resources: { listeners: Array<Record<string, any>> } };
    expect(boot.node).toEqual({ id: 'sidecar~127.0.0.1~proxyproof.a_b_c~proxyproof.svc.cluster.local', cluster: 'a_b_c' });
    const routes = boot.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;
    expect(routes[0].name).toBe('op0-list_pets~x');
    input.suite.policies.transform = { setHeaders: { 'X-A': 'a\nb' }, removeHeaders: [] };
    expect(inputErrorOf(() => renderEnvoyBootstrap(input)).message).toMatch(/setHeaders\.X-A: an HTTP header value cannot carry a newline/);
  });
});

describe('names and weights', () => {
  it('an upstream name, version or consumer name outside the schema pattern is an InputError naming it', ({ tmp }) => {
    for (const driver of [nginxTarget, haproxyTarget]) {
      const input = exampleInput(tmp, listen);
      input.suite.upstreams[0].name = 'pet store';
      expect(inputErrorOf(() => driver.render(input)).message).toMatch(/:upstreams\."pet store": an upstream name "pet store" must match/);
      const v = exampleInput(tmp, listen);
      v.suite.upstreams[0].versions = ['v1', 'v2\n'];
      expect(inputErrorOf(() => driver.render(v)).place).toBe('upstreams.petstore.versions');
      const c = exampleInput(tmp, listen);
      c.suite.consumers[0].name = 'al ice';
      expect(inputErrorOf(() => driver.render(c)).place).toBe('consumers."al ice"');
    }
  });

  it('integer weights end and stay sane at the extremes; non-finite or negative ones are refused', () => {
    expect(integerWeights([1e308, 1e308], 256)).toEqual([1, 1]);
    expect(integerWeights([1e308, 1e307], 256)).toEqual([10, 1]);
    expect(integerWeights([Number.MAX_VALUE, 1], 256)).toEqual([1, 0]);
    expect(integerWeights([5e-324, 1e-323], 256)).toEqual([1, 2]);
    expect(integerWeights([0.0001, 0.0003], 256)).toEqual([85, 256]);
    expect(() => integerWeights([Infinity, 1], 256)).toThrow(RangeError);
    expect(() => integerWeights([NaN], 256)).toThrow(RangeError);
    expect(() => integerWeights([-1, 2], 256)).toThrow(RangeError);
  });

  it('canary weights of 1e308 render; Infinity, NaN and negative ones are InputErrors naming the weight', ({ tmp }) => {
    const input = exampleInput(tmp, listen);
    input.suite.policies.canary!.weights = { v1: 1e308, v2: 1e307 };
    expect(haproxyTarget.render(input).files['haproxy.cfg']).toMatch(/server petstore-v1-0 \S+ weight 10\n\s+server petstore-v1-1 \S+ weight 10\n\s+server petstore-v2-0 \S+ weight 1\n\s+server petstore-v2-1 \S+ weight 1\n/);
    for (const bad of [Infinity, NaN, -1]) {
      input.suite.policies.canary!.weights = { v1: 90, v2: bad };
      for (const render of [() => nginxTarget.render(input), () => haproxyTarget.render(input), () => renderEnvoyBootstrap(input)]) {
        const e = inputErrorOf(render);
        expect(e.place).toBe('policies.canary.weights.v2');
        expect(e.detail).toBe(`a weight must be a finite number >= 0, not ${bad}`);
      }
    }
  });
});
