// Bad input through the real CLI: every case gives exit 2, one line on stderr
// naming the file and the place, no stack trace, and no report written.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'proxyproof.js');
const dir = mkdtempSync(join(tmpdir(), 'pp-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const petstore = join(root, 'openapi', 'petstore.yaml');
const nginxConf = join(root, 'fixtures', 'nginx', 'petstore.conf');
const goodSuite = readFileSync(join(root, 'suites', 'petstore.suite.yaml'), 'utf8')
  .replace('../openapi/petstore.yaml', petstore)
  .replace('../fixtures/nginx/petstore.conf', nginxConf);

function write(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

interface Case {
  name: string;
  args: () => string[];
  /** The one line on stderr. */
  line: RegExp;
}

const suiteWith = (name: string, edit: (s: string) => string) => write(name, edit(goodSuite));
const specWith = (name: string, text: string) => {
  const spec = write(name, text);
  return suiteWith(`${name}.suite.yaml`, (s) => s.replace(petstore, spec));
};
const nginxWith = (name: string, text: string) => {
  const conf = write(name, text);
  return suiteWith(`${name}.suite.yaml`, (s) => s.replace(nginxConf, conf).replace('haproxy: { render: true }', ''));
};
const haproxyWith = (name: string, text: string) => {
  const conf = write(name, text);
  return suiteWith(`${name}.suite.yaml`, (s) => s.replace(`nginx: { config: ${nginxConf} }`, '').replace('haproxy: { render: true }', `haproxy: { config: ${conf} }`));
};
const run = (suite: string, ...more: string[]) => ['run', suite, ...more];

const cases: Case[] = [
  { name: 'suite: YAML syntax error', args: () => run(suiteWith('s1.yaml', (s) => s.replace('name: petstore', 'name: [petstore'))), line: /s1\.yaml:line \d+: / },
  { name: 'suite: unknown top-level key', args: () => run(suiteWith('s2.yaml', (s) => `${s}\npolicy: {}\n`)), line: /s2\.yaml:line \d+: .*policy/ },
  { name: 'suite: bad duration', args: () => run(suiteWith('s3.yaml', (s) => s.replace('window: 1s', 'window: soon'))), line: /s3\.yaml:line \d+: .*soon/ },
  { name: 'suite: canary weight for a missing version', args: () => run(suiteWith('s4.yaml', (s) => s.replace('v2: 10', 'v3: 10'))), line: /s4\.yaml:line \d+: .*v3/ },
  { name: 'suite: retry attempts not an integer', args: () => run(suiteWith('s5.yaml', (s) => s.replace('attempts: 2', 'attempts: two'))), line: /s5\.yaml:line \d+: .*attempts/ },
  { name: 'suite: spec file missing', args: () => run(suiteWith('s6.yaml', (s) => s.replace(petstore, join(dir, 'nope.yaml')))), line: /nope\.yaml/ },
  { name: 'suite: rate limit on an unknown operation', args: () => run(suiteWith('s7.yaml', (s) => s.replace('operations: [listPets]', 'operations: [listPetz]'))), line: /s7\.yaml:policies\.rateLimit\.operations: operation listPetz is not in / },
  { name: 'suite: auth scheme not in the spec', args: () => run(suiteWith('s8.yaml', (s) => s.replace('scheme: ApiKeyAuth', 'scheme: Oauth'))), line: /s8\.yaml:policies\.auth\.scheme: security scheme Oauth is not in / },
  { name: 'spec: YAML syntax error', args: () => run(specWith('p1.yaml', 'openapi: 3.0.3\ninfo: [\n')), line: /p1\.yaml:line \d+: / },
  { name: 'spec: not an OpenAPI document', args: () => run(specWith('p2.yaml', 'hello: world\n')), line: /p2\.yaml/ },
  { name: 'spec: unsupported version', args: () => run(specWith('p3.yaml', 'openapi: 4.0.0\ninfo: { title: x, version: "1" }\npaths: {}\n')), line: /p3\.yaml.*4\.0\.0/ },
  {
    name: 'spec: a schema cycle with no base case',
    args: () => run(specWith('p4.yaml', [
      'openapi: 3.0.3', 'info: { title: x, version: "1" }', 'paths:', '  /a:', '    get:', '      responses:',
      "        '200':", '          description: ok', '          content:', '            application/json:',
      "              schema: { $ref: '#/components/schemas/Loop' }", 'components:', '  schemas:', '    Loop:',
      '      type: object', '      required: [next]', '      properties:', "        next: { $ref: '#/components/schemas/Loop' }", '',
    ].join('\n'))),
    line: /p4\.yaml.*#\/components\/schemas\/Loop/,
  },
  { name: 'nginx config: unknown placeholder', args: () => run(nginxWith('n1.conf', readFileSync(nginxConf, 'utf8').replace('{{listen}}', '{{listen.addr}}'))), line: /n1\.conf:line \d+: .*listen\.addr/ },
  { name: 'nginx config: rejected by nginx -t', args: () => run(nginxWith('n2.conf', readFileSync(nginxConf, 'utf8').replace('proxy_pass', 'proxy_passs'))), line: /n2\.conf.*proxy_passs/ },
  { name: 'haproxy config: rejected by haproxy -c', args: () => run(haproxyWith('h1.cfg', readFileSync(join(root, 'fixtures', 'haproxy', 'petstore.cfg'), 'utf8').replace(/\bbalance\b/, 'balanse'))), line: /h1\.cfg.*balanse/ },
  { name: 'flags: unknown flag', args: () => ['run', join(root, 'suites', 'petstore.suite.yaml'), '--fast'], line: /^proxyproof: .*--fast/ },
  { name: 'flags: bad --seed', args: () => ['run', join(root, 'suites', 'petstore.suite.yaml'), '--seed', 'abc'], line: /^proxyproof: .*seed/ },
  { name: 'flags: --target the suite does not name', args: () => ['run', join(root, 'suites', 'petstore.suite.yaml'), '--target', 'envoy'], line: /petstore\.suite\.yaml.*envoy/ },
  { name: 'flags: unknown command', args: () => ['launch'], line: /^proxyproof: .*launch/ },
  { name: 'flags: unknown --check', args: () => ['run', join(root, 'suites', 'petstore.suite.yaml'), '--check', 'timeouts'], line: /^proxyproof: --check timeouts: no such check \(checks: auth, contract, transform, retry, timeout, canary, routing, fault, rateLimit\)$/ },
];

describe('bad input gives exit 2, one line, no stack, nothing written', () => {
  it(`has at least 15 cases (${cases.length})`, () => expect(cases.length).toBeGreaterThanOrEqual(15));
  for (const c of cases) {
    it(c.name, () => {
      const reports = join(dir, `reports-${c.name.replace(/\W+/g, '-')}`);
      const r = spawnSync(process.execPath, [cli, ...c.args(), '--report-dir', reports], { encoding: 'utf8', timeout: 30_000 });
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines, r.stderr + r.stdout).toHaveLength(1);
      expect(lines[0]).toMatch(c.line);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.status, r.stderr).toBe(2);
      expect(existsSync(reports)).toBe(false);
    });
  }
});
