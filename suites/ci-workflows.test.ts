// The GitHub workflows are valid against GitHub's workflow schema (checked
// with action-validator's WebAssembly build, offline), and the job that
// proves Kong and Envoy for real is there: it pulls their images and runs the
// container suites, failing on a wrong verdict.

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const dir = resolve(import.meta.dirname, '..', '.github', 'workflows');
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

describe('GitHub workflows', () => {
  it('there are workflows to check', () => expect(files.length).toBeGreaterThan(0));

  it.each(files)('%s validates against the workflow schema', (f) => {
    expect(validateWorkflow(readFileSync(join(dir, f), 'utf8')).errors).toEqual([]);
  });

  it('a broken workflow fails the same check (the validator is not a no-op)', () => {
    const broken = readFileSync(join(dir, 'proxyproof.yml'), 'utf8').replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest');
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it('the kong-envoy job pulls Kong and Envoy and runs the container suites, failing on a wrong verdict', () => {
    const wf = parse(readFileSync(join(dir, 'proxyproof.yml'), 'utf8')) as { jobs: Record<string, { 'runs-on': string; steps: Array<{ run?: string }> }> };
    const job = wf.jobs['kong-envoy'];
    expect(job['runs-on']).toBe('ubuntu-latest');
    const script = job.steps.map((s) => s.run ?? '').join('\n');
    expect(script).toMatch(/docker pull kong:3\.9/);
    expect(script).toMatch(/docker pull envoyproxy\/envoy:v1\.34\.1/);
    expect(script).toMatch(/proxyproof\.js run suites\/containers\/\*\.suite\.yaml --runtime container/);
    expect(script).toMatch(/exit "\$code"/);
  });
});
