// The k6 threshold grammar: what parses, what it means, and the exact error
// for malformed expressions (exit 2 material, naming file and expression).

import { describe, expect, it } from 'vitest';
import { InputError } from '../model/errors.ts';
import { evaluate, parseThreshold, parseThresholds } from './thresholds.ts';

const F = '/s/x.suite.yaml';

describe('thresholds: k6 syntax', () => {
  it('parses trends, rates, counters and gauges, with tag filters', () => {
    expect(parseThreshold(F, 'http_req_duration', 'p(95)<250')).toMatchObject({ metric: 'http_req_duration', aggregation: 'p', percentile: 95, op: '<', value: 250, tags: {} });
    expect(parseThreshold(F, 'http_req_duration{operation:getPet}', ' p(99.9) <= 1e2 ')).toMatchObject({ tags: { operation: 'getPet' }, percentile: 99.9, op: '<=', value: 100 });
    expect(parseThreshold(F, 'http_req_failed', 'rate<0.001')).toMatchObject({ aggregation: 'rate', value: 0.001 });
    expect(parseThreshold(F, 'http_reqs{status:429}', 'count==0')).toMatchObject({ aggregation: 'count', tags: { status: '429' } });
    expect(parseThreshold(F, 'proxy_overhead_p99', 'value<5')).toMatchObject({ aggregation: 'value', value: 5 });
    const [t] = parseThresholds(F, { http_req_duration: [{ threshold: 'p(99)<50', abortOnFail: true, delayAbortEval: '10s' }] });
    expect(t).toMatchObject({ abortOnFail: true, delayAbortEvalMs: 10_000 });
  });

  it('evaluates against measured values; an unmeasured metric fails with a note', () => {
    const ts = parseThresholds(F, { http_req_duration: ['p(95)<20', 'max<1'], proxy_overhead_p99: ['value<5'] });
    const v = evaluate(ts, (t) => (t.metric === 'http_req_duration' ? (t.aggregation === 'p' ? 12.5 : 30) : undefined));
    expect(v.map((x) => [x.expression, x.ok, x.actual])).toEqual([['p(95)<20', true, 12.5], ['max<1', false, 30], ['value<5', false, null]]);
    expect(v[2].note).toBe('proxy_overhead_p99 was not measured in this run');
  });

  const malformed: Array<[string, unknown, string]> = [
    ['http_req_duration', 'p95<200', "bad threshold 'p95<200': unknown aggregation 'p95' (avg, min, max, med, p(N), rate, count, value)"],
    ['http_req_duration', 'p(95)', "bad threshold 'p(95)': no comparison (<, <=, >, >=, ==, !=)"],
    ['http_req_duration', 'p(95<200', "bad threshold 'p(95<200': p( needs a closing parenthesis"],
    ['http_req_duration', 'p(101)<200', "bad threshold 'p(101)<200': percentile '101' must be a number from 0 to 100"],
    ['http_req_duration', 'p(95)<fast', "bad threshold 'p(95)<fast': expected <aggregation> <comparison> <number>, e.g. p(95)<200"],
    ['http_req_duration', 'rate<0.1', "bad threshold 'rate<0.1': http_req_duration is a trend metric; it takes avg, min, max, med, p(N), count"],
    ['http_req_failed', 'p(99)<0.1', "bad threshold 'p(99)<0.1': http_req_failed is a rate metric; it takes rate"],
    ['http_req_duration', '', "bad threshold '': empty expression"],
    ['http_req_duration', 200, "bad threshold '200': an expression must be a string such as p(95)<200"],
    ['http_req_duration', 'p(95) => 200', "bad threshold 'p(95) => 200': expected <aggregation> <comparison> <number>, e.g. p(95)<200"],
    ['http_req_latency', 'p(95)<200', "unknown metric 'http_req_latency' in threshold key 'http_req_latency' (known: http_req_duration, http_req_service, scheduling_lag, http_req_failed, http_reqs, iterations, dropped_iterations, proxy_overhead_p50, proxy_overhead_p90, proxy_overhead_p99, throughput_ratio)"],
    ['http_req_duration{method:GET}', 'p(95)<200', "bad threshold key 'http_req_duration{method:GET}': unknown tag 'method' (known: operation, status, path, scenario)"],
  ];
  for (const [key, expr, message] of malformed) {
    it(`malformed: ${key}: ${JSON.stringify(expr)}`, () => {
      let err: unknown;
      try {
        parseThreshold(F, key, expr);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toBe(`${F}:load.thresholds.${key}: ${message}`);
    });
  }
});
