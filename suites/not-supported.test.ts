// A policy setting a rendered config cannot carry is reported notSupported,
// with the reason, never run against a config that silently lacks it: here a
// retry status neither nginx's proxy_next_upstream nor HAProxy's retry-on takes.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runSuites } from '../harness/run/run-suite.ts';
import { getTarget } from '../harness/targets/targets.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'pp-ns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('retry on a status the proxy cannot retry', () => {
  it('the drivers say why (pure)', () => {
    const policies = { retry: { attempts: 1, on: [418, 502], methods: ['GET' as const] } };
    expect(getTarget('nginx')!.cannotRender!(policies).retry).toBe("nginx's proxy_next_upstream cannot retry on 418 (it takes 403, 404, 429, 500, 502, 503, 504)");
    expect(getTarget('haproxy')!.cannotRender!(policies).retry).toBe("HAProxy's retry-on cannot retry on 418 (it takes 401, 403, 404, 408, 425, 500, 501, 502, 503, 504)");
    expect(getTarget('haproxy')!.cannotRender!({ retry: { attempts: 1, on: [502], methods: ['GET'] } })).toEqual({});
  });

  it('rendered nginx and HAProxy configs: the retry check is notSupported, the others still run', { timeout: 60_000 }, async () => {
    const doc = parse(readFileSync(join(root, 'suites', 'petstore.suite.yaml'), 'utf8'));
    doc.spec = join(root, 'openapi', 'petstore.yaml');
    doc.targets = { nginx: { render: true }, haproxy: { render: true } };
    doc.policies.retry.on = [418, 502];
    delete doc.load;
    const file = join(dir, 'ns.suite.yaml');
    writeFileSync(file, stringify(doc));
    const { report, exitCode } = await runSuites({ suites: [file], reportDir: join(dir, 'r'), runtime: 'process', seed: 4, checks: ['retry', 'contract'], log: () => {} });
    const retry = report.results.filter((r) => r.check === 'retry');
    expect(retry.map((r) => `${r.target}:${r.status}`).sort()).toEqual(['haproxy:notSupported', 'nginx:notSupported']);
    for (const r of retry) expect(r.message).toMatch(/cannot retry on 418 \(it takes /);
    expect(report.results.filter((r) => r.check === 'contract').every((r) => r.status === 'passed')).toBe(true);
    expect(exitCode).toBe(0);
  });
});
