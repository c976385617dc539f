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
import { getTarget } from '../harness/targets/registry.ts';

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

  it('a timeout whose tries do not fit in it, where the read timeout is per try (pure)', () => {
    const timeout = { requestMs: 1000, status: [504] };
    const retry = { attempts: 2, on: [502], methods: ['GET' as const], perTryTimeoutMs: 500 };
    expect(getTarget('haproxy')!.cannotRender!({ timeout, retry }).timeout).toBe("HAProxy's read timeout applies per try and it retries a timed-out try; nothing bounds the tries together: 3 tries x 500 ms = 1500 ms, over the 1000 ms request timeout");
    expect(getTarget('haproxy')!.cannotRender!({ timeout: { ...timeout, requestMs: 1500 }, retry })).toEqual({});
    // Without a per-try timeout HAProxy does not retry on response-timeout; Kong always does.
    expect(getTarget('haproxy')!.cannotRender!({ timeout, retry: { ...retry, perTryTimeoutMs: undefined } })).toEqual({});
    expect(getTarget('kong')!.cannotRender!({ timeout, retry: { ...retry, perTryTimeoutMs: undefined } }).timeout).toMatch(/^Kong's read timeout applies per try .* 3 tries x 1000 ms = 3000 ms/);
    expect(getTarget('kong')!.cannotRender!({ timeout })).toEqual({});
    // One read_timeout per Kong service: a 500 ms per try for GETs would cut a POST's only try.
    expect(getTarget('kong')!.cannotRender!({ timeout, retry: { ...retry, attempts: 1 } }).timeout).toBe('Kong has one read_timeout per service for every method: the 500 ms per try of retried GET would cut the single try of other methods before the 1000 ms request timeout');
    // nginx bounds the tries together (proxy_next_upstream_timeout); Envoy's route timeout covers them.
    expect(getTarget('nginx')!.cannotRender!({ timeout, retry }).timeout).toBeUndefined();
    expect(getTarget('envoy')!.cannotRender?.({ timeout, retry })?.timeout).toBeUndefined();
  });

  it('rendered nginx and HAProxy configs: the retry check is notSupported, the others still run', { timeout: 60_000 }, async () => {
    const doc = parse(readFileSync(join(root, 'suites', 'petstore.suite.yaml'), 'utf8'));
    doc.spec = join(root, 'openapi', 'petstore.yaml');
    doc.targets = { nginx: { render: true }, haproxy: { render: true } };
    doc.policies.retry.on = [418, 502];
    delete doc.load;
    const file = join(dir, 'ns.suite.yaml');
    writeFileSync(file, stringify(doc));
    const { report, exitCode } = await runSuites({ suites: [file], runtime: 'process', seed: 4, checks: ['retry', 'contract'], log: () => {} });
    const retry = report.results.filter((r) => r.check === 'retry');
    expect(retry.map((r) => `${r.target}:${r.status}`).sort()).toEqual(['haproxy:notSupported', 'nginx:notSupported']);
    for (const r of retry) expect(r.message).toMatch(/cannot retry on 418 \(it takes /);
    expect(report.results.filter((r) => r.check === 'contract').map((r) => `${r.target}:${r.status}`).sort()).toEqual(['haproxy:passed', 'nginx:passed']);
    expect(exitCode).toBe(0);
  });
});
