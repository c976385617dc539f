// `proxyproof load` and `proxyproof k6` through the real CLI: thresholds
// decide the exit code (0 held, 1 crossed, 2 malformed), the rate limit under
// load catches a proxy that admits ten times its limit, and every example
// suite's exported k6 script type-checks against @types/k6.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { k6Tsconfig } from '../harness/load/k6-export.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'proxyproof.js');
const dir = mkdtempSync(join(tmpdir(), 'pp-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The petstore suite, paths made absolute, against one HAProxy target, with this load section. */
function suite(name: string, load: Record<string, unknown>, haproxy: Record<string, unknown> = { render: true }): string {
  const doc = parse(readFileSync(join(root, 'suites', 'petstore.suite.yaml'), 'utf8'));
  doc.spec = join(root, 'openapi', 'petstore.yaml');
  doc.targets = { haproxy };
  doc.load = load;
  const f = join(dir, `${name}.suite.yaml`);
  writeFileSync(f, stringify(doc));
  return f;
}

function cliRun(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const scenario = { steady: { executor: 'constant-arrival-rate', rate: 500, timeUnit: '1s', duration: '1s', operations: ['showPetById'], consumers: ['alice'] } };

describe('proxyproof load: thresholds decide the exit code', () => {
  it('a threshold that holds: exit 0, report.json has the load section', () => {
    const f = suite('pass', { scenarios: scenario, thresholds: { http_req_failed: ['rate<0.01'], 'http_reqs{status:200}': ['count>=400'] }, policies: [], warmup: '200ms' });
    const out = join(dir, 'r-pass');
    const r = cliRun(['load', f, '--report-dir', out, '--seed', '3']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/threshold http_req_failed: rate<0\.01 passed \(actual 0\)/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const run = report.load.runs[0];
    expect(run.proxied.outcomes.scheduled).toBe(500);
    expect(run.direct.outcomes.scheduled).toBe(500);
    expect(run.overhead.p99).toEqual(expect.any(Number));
    expect(report.summary.failed).toBe(0);
  });

  it('a crossed threshold: exit 1, named with its actual value', () => {
    const f = suite('fail', { scenarios: scenario, thresholds: { http_req_duration: ['p(50)<0.001'] }, policies: [], warmup: '200ms', overhead: false });
    const r = cliRun(['load', f, '--report-dir', join(dir, 'r-fail'), '--seed', '3']);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/threshold http_req_duration: p\(50\)<0\.001 FAILED \(actual [\d.]+\)/);
  });

  it('abortOnFail: a crossed threshold stops the scenario early, exit 1', () => {
    const long = { steady: { ...scenario.steady, duration: '20s' } };
    const f = suite('abort', { scenarios: long, thresholds: { http_req_duration: [{ threshold: 'p(50)<0.001', abortOnFail: true }] }, policies: [], warmup: '200ms', overhead: false });
    const out = join(dir, 'r-abort');
    const r = cliRun(['load', f, '--report-dir', out, '--seed', '3']);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/ABORTED \(abortOnFail\)/);
    const run = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).load.runs[0];
    expect(run.aborted).toBe(true);
    // 20 s at 500/s would be 10,000; it stopped within a few seconds
    expect(run.proxied.outcomes.scheduled).toBeLessThan(3000);
  });

  it('a malformed threshold: exit 2, one line naming the file and the expression, no report', () => {
    const f = suite('bad', { scenarios: scenario, thresholds: { http_req_duration: ['p(95) < two hundred'] } });
    const out = join(dir, 'r-bad');
    const r = cliRun(['load', f, '--report-dir', out]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${f}:load.thresholds.http_req_duration: bad threshold 'p(95) < two hundred': expected <aggregation> <comparison> <number>, e.g. p(95)<200\n`);
    expect(existsSync(out)).toBe(false);
  });

  it('bad flags: exit 2', () => {
    const f = suite('flags', { scenarios: scenario });
    expect(cliRun(['load', f, '--rate', '100', '--connections', '4']).err).toBe('proxyproof: give --rate or --connections, not both\n');
    const r = cliRun(['load', f, '--duration', '2 weeks']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("proxyproof: --duration must be a duration from 1ms to 1h such as 30s, got '2 weeks'\n");
  });
});

describe('rate limit under load', () => {
  const load = { scenarios: scenario, policies: ['rateLimit'], warmup: '200ms', overhead: false };
  it('holds on the example HAProxy config', { timeout: 60_000 }, () => {
    const f = suite('rl-ok', load, { config: join(root, 'fixtures', 'haproxy', 'petstore.cfg') });
    const r = cliRun(['load', f, '--report-dir', join(dir, 'r-rl-ok'), '--seed', '5']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/rateLimit under load: passed/);
  });
  it('fails on a mutant that admits 10 times the limit, saying how many got through', { timeout: 60_000 }, () => {
    const f = suite('rl-mutant', load, { config: join(root, 'fixtures', 'haproxy', 'mutants-load', 'rate-limit-10x.cfg') });
    const out = join(dir, 'r-rl-mut');
    const r = cliRun(['load', f, '--report-dir', out, '--seed', '5']);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/rateLimit under load: failed — rate limit \(5 per 1000 ms by consumer\) not enforced under load at 200\/s: admitted \d+ in 3 windows, more than 20/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const rl = report.load.policies.find((p: { policy: string }) => p.policy === 'rateLimit');
    expect(rl.data.admitted).toBeGreaterThan(100);
  });
});

describe('retry and canary under load catch their mutants', () => {
  const mutant = (name: string, policy: string, file: string) => suite(name, { scenarios: scenario, policies: [policy], warmup: '200ms', overhead: false }, { config: file });
  it('retry: a config that does not retry 502 lets 5xx through', { timeout: 60_000 }, () => {
    const r = cliRun(['load', mutant('retry-mut', 'retry', join(root, 'fixtures', 'haproxy', 'mutants-load', 'retry-no-502.cfg')), '--report-dir', join(dir, 'r-retry-mut'), '--seed', '5']);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/retry under load: failed — /);
  });
  it('canary: a 50/50 config against a 90/10 expectation', { timeout: 60_000 }, () => {
    const r = cliRun(['load', mutant('canary-mut', 'canary', join(root, 'fixtures', 'haproxy', 'mutants', 'canary.cfg')), '--report-dir', join(dir, 'r-canary-mut'), '--seed', '5']);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/canary under load: failed — canary weights for petstore not honoured under load: v1 got 5\d\.\d% \(interval [\d.]+%–[\d.]+%, weight 90\.0% ± 5\.0%\)/);
  });
  it('both hold on the example config', { timeout: 60_000 }, () => {
    const f = suite('rc-ok', { scenarios: scenario, policies: ['retry', 'canary'], warmup: '200ms', overhead: false }, { config: join(root, 'fixtures', 'haproxy', 'petstore.cfg') });
    const r = cliRun(['load', f, '--report-dir', join(dir, 'r-rc-ok'), '--seed', '5']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/retry under load: passed/);
    expect(r.out).toMatch(/canary under load: passed/);
  });
});

describe('proxyproof k6: exported scripts type-check against @types/k6', () => {
  const suites = readdirSync(join(root, 'suites')).filter((f) => f.endsWith('.suite.yaml') && /^load:/m.test(readFileSync(join(root, 'suites', f), 'utf8')));
  it('at least the petstore suite has a load section', () => expect(suites).toContain('petstore.suite.yaml'));
  for (const s of suites) {
    it(`${s}`, { timeout: 60_000 }, () => {
      const r = cliRun(['k6', join(root, 'suites', s), '--seed', '1']);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/"executor": "constant-arrival-rate"/);
      const script = join(dir, `${s}.k6.js`);
      writeFileSync(script, r.out);
      const tsconfig = join(dir, `${s}.tsconfig.json`);
      writeFileSync(tsconfig, k6Tsconfig(join(root, 'node_modules', '@types'), script));
      const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig], { encoding: 'utf8' });
      expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    });
  }
  it('a script that misuses the k6 API fails the same type-check (the check can fail)', () => {
    const script = join(dir, 'broken.k6.js');
    writeFileSync(script, "import http from 'k6/http';\nexport default function () { http.get(42, 'not params'); }\n");
    const tsconfig = join(dir, 'broken.tsconfig.json');
    writeFileSync(tsconfig, k6Tsconfig(join(root, 'node_modules', '@types'), script));
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig], { encoding: 'utf8' });
    expect(tsc.status).not.toBe(0);
  });
  it('--run without k6 on PATH: exit 3 and says so', () => {
    const r = spawnSync(process.execPath, [cli, 'k6', join(root, 'suites', 'petstore.suite.yaml'), '--run'], { encoding: 'utf8', env: { ...process.env, PATH: dirname(process.execPath) } });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^proxyproof: k6 not found on PATH: proxyproof k6 --run calls the k6 program \(install k6 /);
  });
});
