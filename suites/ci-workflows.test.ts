// The GitHub workflows are valid against GitHub's workflow schema (checked
// with action-validator's WebAssembly build, offline), and the job that
// proves Kong and Envoy for real is there: it pulls their images and runs the
// container suites, failing on a wrong verdict.

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateAction, validateWorkflow } from '@action-validator/core';
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

const repo = resolve(import.meta.dirname, '..');

describe('the GitHub Action for users\' repositories', () => {
  const action = readFileSync(join(repo, 'action.yml'), 'utf8');

  it('action.yml validates against the action schema, and a broken one does not', () => {
    expect(validateAction(action).errors).toEqual([]);
    expect(validateAction(action.replace('using: composite', 'using: compost')).errors.length).toBeGreaterThan(0);
  });

  it('runs the suites, keeps the exit code, summarises, uploads, then fails as proxyproof did', () => {
    const a = parse(action) as { inputs: Record<string, { required?: boolean }>; runs: { steps: Array<{ id?: string; run?: string; uses?: string; if?: string }> } };
    expect(a.inputs.suites.required).toBe(true);
    const steps = a.runs.steps;
    expect(steps.find((s) => s.id === 'run')!.run).toMatch(/npx proxyproof run \$SUITES --report-dir "\$REPORT_DIR" \$ARGS/);
    expect(steps.find((s) => s.run?.includes('summary.mjs'))!.if).toBe('always()');
    expect(steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!.if).toBe('always()');
    expect(steps[steps.length - 1].run).toMatch(/exit "\$\{CODE:-2\}"/);
  });

  it("the README's copy-paste workflow validates and uses the action", () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const block = /```yaml\n(name: proxy policies\n[\s\S]*?)```/.exec(readme)![1];
    expect(validateWorkflow(block).errors).toEqual([]);
    expect(block).toMatch(/uses: proxyproof\/proxyproof@/);
  });

  it('the summary escapes what came from outside: HTML and table pipes in cells, newlines and % in annotations', async () => {
    const { summarize } = await import('../scripts/action/summary.mjs');
    const hostile = 'a|b\n::error::forged <img src=x onerror=alert(1)> 100%';
    const { markdown, annotations } = summarize({ seed: 1, summary: { passed: 1, failed: 1, skipped: 3, notSupported: 0 }, results: [
      { suite: 's', target: 'nginx', check: 'auth', status: 'failed', message: hostile },
      { suite: 's', target: 'nginx', check: 'retry', route: 'r1', status: 'passed', message: 'ok' },
      { suite: 's', target: 'nginx', check: 'fault', status: 'skipped', message: 'no policy' },
    ] });
    expect(markdown).toContain('| s | nginx | auth | failed | a&#124;b ::error::forged &#60;img src=x onerror=alert(1)&#62; 100% |');
    expect(markdown).toContain('| s | nginx | retry (route r1) | passed | ok |');
    expect(markdown).not.toContain('fault');
    expect(markdown).not.toMatch(/<img/);
    expect(annotations).toEqual(['::error title=proxyproof s/nginx/auth::a|b%0A::error::forged <img src=x onerror=alert(1)> 100%25']);
  });
});
