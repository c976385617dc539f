// The load engine against real mock upstreams (a child process, as in
// `proxyproof load`): open-model timing, the accounting identity, and that a
// stall shows in latencies measured from intended send times. Bounded runs on
// 127.0.0.1 only. Rates and lags are asserted loosely here (CI shares two
// cores with the other test files); bench/load-engine.ts measures them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleSuite } from '../testing/examples.ts';
import { loadSpec } from '../spec/load-spec.ts';
import { arrivals, runEngine } from './engine.ts';
import { startMockProcess, type MockProcess } from './mock-process.ts';
import { accountingGap } from '../model/load-report.ts';
import { templatesFor } from './scenario.ts';
import type { RequestTemplate } from './engine.ts';

describe('arrivals (pure)', () => {
  it('constant rate: exactly rate x duration, evenly spaced', () => {
    const next = arrivals({ kind: 'constant-arrival-rate', rate: 2000, durationMs: 1000, connections: 1 });
    const ts: number[] = [];
    for (let t = next(); t !== Infinity; t = next()) ts.push(t);
    expect(ts.length).toBe(2000);
    expect(ts[1] - ts[0]).toBeCloseTo(0.5, 9);
  });
  it('ramping rate: the integral of the rate (0 -> 1000/s over 2 s is 1000 requests, then 1000/s for 1 s)', () => {
    const next = arrivals({ kind: 'ramping-arrival-rate', startRate: 0, stages: [{ target: 1000, durationMs: 2000 }, { target: 1000, durationMs: 1000 }], connections: 1 });
    const ts: number[] = [];
    for (let t = next(); t !== Infinity; t = next()) ts.push(t);
    expect(ts.length).toBe(2000);
    expect(ts.filter((t) => t < 2000).length).toBe(1000);
    // Linear ramp: half the first stage's requests fall in its last 30% (N(t) ~ t^2).
    expect(ts.filter((t) => t < 1414).length).toBeGreaterThanOrEqual(499);
    expect(ts.filter((t) => t < 1414).length).toBeLessThanOrEqual(501);
  });
});

describe('engine against the mock upstreams', () => {
  let mocks: MockProcess;
  let templates: RequestTemplate[];
  let endpoint: { host: string; port: number };
  beforeAll(async () => {
    const suite = exampleSuite();
    const spec = await loadSpec(suite.spec);
    mocks = await startMockProcess(suite.spec, suite.upstreams, 7);
    endpoint = mocks.endpoints.petstore.v1[0];
    templates = templatesFor(suite, spec, { name: 't', operations: { showPetById: 1 }, consumers: ['alice'] }, 7);
  });
  afterAll(async () => {
    await mocks?.close();
  });

  it('open model at 1000/s for 2 s: every scheduled request accounted for once, rate kept', async () => {
    const { recorder: r } = await runEngine({ endpoints: [endpoint], templates, model: { kind: 'constant-arrival-rate', rate: 1000, durationMs: 2000, connections: 16, maxConnections: 128 }, warmupMs: 300 });
    const o = r.outcomes;
    expect(o.scheduled).toBe(2000);
    expect(accountingGap(o)).toBe(0);
    expect(o['2xx']).toBe(2000);
    expect(r.scheduledRate()).toBeGreaterThan(950);
    expect(r.scheduledRate()).toBeLessThan(1050);
    expect(r.lag.count).toBe(2000);
  });

  it('closed model: responses only, identity holds, N connections', async () => {
    const run = await runEngine({ endpoints: [endpoint], templates, model: { kind: 'closed', connections: 8, durationMs: 1000 }, warmupMs: 200 });
    const o = run.recorder.outcomes;
    expect(run.connections).toBe(8);
    expect(o.scheduled).toBeGreaterThan(500);
    expect(accountingGap(o)).toBe(0);
    expect(o['2xx']).toBe(o.scheduled);
  });

  it('a 500 ms upstream stall shows in p99 measured from intended send times (coordinated omission)', async () => {
    const model = { kind: 'constant-arrival-rate' as const, rate: 1000, durationMs: 3000, connections: 8, maxConnections: 8 };
    const run = runEngine({ endpoints: [endpoint], templates, model, warmupMs: 200, onMeasureStart: () => void setTimeout(() => void mocks.stall(500), 1000) });
    const r = (await run).recorder;
    expect(accountingGap(r.outcomes)).toBe(0);
    // About 500 requests were due during the stall: p99 from intended times sees it...
    expect(r.latency.percentile(99)).toBeGreaterThan(300);
    expect(r.latency.max).toBeGreaterThan(450);
    // ...while the time each request spent on the wire (service) stays mostly short.
    expect(r.service.percentile(50)).toBeLessThan(50);
    expect(r.lateStarts).toBeGreaterThan(0);
  });

  it('a server that closes every 5th connection (connection: close) loses no request', async () => {
    const { createServer } = await import('node:http');
    let n = 0;
    const server = createServer((_req, res) => {
      if (++n % 5 === 0) res.setHeader('connection', 'close');
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const run = await runEngine({ endpoints: [{ host: '127.0.0.1', port }], templates, model: { kind: 'closed', connections: 4, durationMs: 500 }, warmupMs: 0 });
      const o = run.recorder.outcomes;
      expect(o.scheduled).toBeGreaterThan(100);
      expect(o.connectionError).toBe(0);
      expect(o['2xx']).toBe(o.scheduled);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('an unreachable endpoint: the run fails before it starts, nothing left open', async () => {
    await expect(runEngine({ endpoints: [{ host: '127.0.0.1', port: 1 }], templates, model: { kind: 'closed', connections: 2, durationMs: 100 }, warmupMs: 0 })).rejects.toThrow();
  });
});
