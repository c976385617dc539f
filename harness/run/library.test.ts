import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../model/errors.ts';
import { defineSuite } from '../suite/define.ts';
import { loadSuite } from '../suite/load-suite.ts';
import { missingDependency } from '../util/optional-dep.ts';
import fixtureSuite from '../../fixtures/library/petstore-auth.suite.ts';
import { planSuite, runSuite, startTarget, suiteFrom } from './library.ts';
import { SUITE_INPUT_FILE, suiteTypesText } from '../../scripts/suite-types.ts';

const fixture = fileURLToPath(new URL('../../fixtures/library/petstore-auth.suite.ts', import.meta.url));
// The same suite as data (a .ts suite's value), under its own name.
const asData = defineSuite({ ...fixtureSuite, name: 'petstore-auth-data' });

describe('suites in TypeScript and as data', () => {
  it('SuiteInput (defineSuite\'s type) is what scripts/write-suite-types.ts writes from the current schema', async () => {
    expect(readFileSync(SUITE_INPUT_FILE, 'utf8')).toBe(await suiteTypesText());
  });

  it('a .ts suite file loads as its YAML twin would, paths relative to the file', async () => {
    const s = await loadSuite(fixture);
    expect(s.name).toBe('petstore-auth-ts');
    expect(s.spec).toMatch(/openapi\/petstore\.yaml$/);
    expect(s.policies.auth?.scheme).toBe('ApiKeyAuth');
    expect(s.targets.map((t) => t.name)).toEqual(['haproxy']);
  });

  it('a suite given as data is checked by the schema; the error names the file and the path in it', async () => {
    const bad = { ...asData, policies: { auth: { scheme: 'ApiKeyAuth', bogus: 1 } } };
    const err = await suiteFrom(bad as never, fixture).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe(fixture);
    expect((err as InputError).place).toBe('policies.auth.bogus');
    expect((err as InputError).detail).toMatch(/bogus/);
  });

  it('a module without a default export is an input error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-lib-'));
    try {
      const file = join(dir, 'x.suite.mjs');
      await import('node:fs').then((fs) => fs.writeFileSync(file, 'export const suite = {};\n'));
      await expect(loadSuite(file)).rejects.toThrow(/default export/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('runSuite', () => {
  it('runs a suite given as data, returns one result per planned test, and writes nothing', async () => {
    const cwd = readdirSync(process.cwd()).sort();
    const suite = await suiteFrom(asData, fixture);
    const plan = await planSuite(suite);
    const { report, exitCode } = await runSuite(asData, { file: fixture, seed: 3 });
    expect(report.results.map((r) => `${r.target}/${r.check}/${r.route ?? ''}`)).toEqual(plan.map((p) => `${p.target}/${p.check}/${p.route ?? ''}`));
    expect(report.results.find((r) => r.check === 'auth')?.status).toBe('passed');
    expect(exitCode).toBe(0);
    expect(readdirSync(process.cwd()).sort()).toEqual(cwd);
  });

  it('startTarget: the proxy in front of the mocks enforces the suite, and is gone once disposed', async () => {
    let base: string;
    {
      await using t = await startTarget(fixture);
      base = t.baseUrl;
      const denied = await fetch(`${base}/v1/pets`, { headers: { 'X-API-Key': 'wrong-key' } });
      expect(denied.status).toBe(401);
      const key = await fetch(`${base}/v1/pets`, { headers: { 'X-API-Key': 'alice-key-5f2c8e' } });
      expect(key.status).toBe(200);
    }
    await expect(fetch(`${base}/v1/pets`)).rejects.toThrow();
  });
});

describe('optional dependencies', () => {
  it('an absent one is an environment error (exit 3) whose one line says what to install', () => {
    const e = missingDependency('testcontainers');
    expect(e.name).toBe('EnvironmentError');
    expect(e.message).toBe('the optional package testcontainers is not installed: container runs (--runtime container, doctor\'s image list) need it (install it: npm i -D testcontainers)');
    expect(e.message).not.toMatch(/\n/);
  });
});
