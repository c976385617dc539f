// Thresholds in k6's vocabulary and syntax. A suite's `load.thresholds` maps a
// metric key to a list of expressions (strings, or objects with abortOnFail):
//
//   key        := metric [ '{' tag ':' value { ',' tag ':' value } '}' ]
//   metric     := [a-z_][a-z0-9_]*        one of METRICS below
//   tag, value := [A-Za-z0-9_.-]+          e.g. {operation:getPet} {status:200} {path:proxied}
//   expression := aggregation op number
//   aggregation:= 'avg' | 'min' | 'max' | 'med' | 'p(' N ')' | 'rate' | 'count' | 'value'
//                 N a number from 0 to 100 (p(99.9) is fine)
//   op         := '<' | '<=' | '>' | '>=' | '==' | '!='
//   number     := a decimal number, optionally signed, optional exponent
//   object form: { threshold: expression, abortOnFail?: boolean, delayAbortEval?: duration }
//
// Which aggregations a metric takes follows k6's metric types:
//   trend  (ms)  http_req_duration, http_req_service, scheduling_lag: avg min max med p(N) count
//   rate         http_req_failed: rate
//   counter      http_reqs, dropped_iterations, iterations: count rate
//   gauge        proxy_overhead_p50, proxy_overhead_p90, proxy_overhead_p99 (ms),
//                throughput_ratio (proxied / direct): value
// Whitespace around tokens is allowed. Anything else is an InputError naming
// the suite file, the key and the expression.

import { InputError } from '../model/errors.ts';
import { parseDuration } from '../model/duration.ts';
import { METRICS, TAGS, type Aggregation, type Comparison, type MetricName, type Threshold, type ThresholdVerdict } from '../model/load-report.ts';

const ALLOWED: Record<string, Aggregation[]> = {
  trend: ['avg', 'min', 'max', 'med', 'p', 'count'],
  rate: ['rate'],
  counter: ['count', 'rate'],
  gauge: ['value'],
};

const KEY = /^\s*([a-z_][a-z0-9_]*)\s*(?:\{([^{}]*)\})?\s*$/;
const EXPR = /^\s*(avg|min|max|med|rate|count|value|p\(\s*([^()\s]+)\s*\))\s*(<=|>=|==|!=|<|>)\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*$/;
const TAG_PAIR = /^\s*([A-Za-z0-9_.-]+)\s*:\s*([A-Za-z0-9_.-]+)\s*$/;

/** Parse one key and one expression; throws InputError(file, `load.thresholds.<key>`, ...) when malformed. */
export function parseThreshold(file: string, key: string, expr: unknown, opts: { abortOnFail?: unknown; delayAbortEval?: unknown } = {}): Threshold {
  const place = `load.thresholds.${key}`;
  const bad = (why: string): never => {
    throw new InputError(file, place, `bad threshold '${typeof expr === 'string' ? expr : JSON.stringify(expr)}': ${why}`);
  };
  const k = KEY.exec(key);
  if (!k) {
    throw new InputError(file, place, `bad threshold key '${key}': expected metric or metric{tag:value}`);
  }
  const metric = k[1];
  if (!(metric in METRICS)) {
    throw new InputError(file, place, `unknown metric '${metric}' in threshold key '${key}' (known: ${Object.keys(METRICS).join(', ')})`);
  }
  const tags: Record<string, string> = {};
  if (k[2] !== undefined) {
    if (!k[2].trim()) throw new InputError(file, place, `bad threshold key '${key}': empty tag filter {}`);
    for (const part of k[2].split(',')) {
      const t = TAG_PAIR.exec(part);
      if (!t) throw new InputError(file, place, `bad threshold key '${key}': tag filter '${part.trim()}' is not tag:value`);
      if (!(TAGS as readonly string[]).includes(t[1])) throw new InputError(file, place, `bad threshold key '${key}': unknown tag '${t[1]}' (known: ${TAGS.join(', ')})`);
      tags[t[1]] = t[2];
    }
  }
  if (typeof expr !== 'string') return bad('an expression must be a string such as p(95)<200');
  const e = EXPR.exec(expr);
  if (!e) {
    if (!expr.trim()) bad('empty expression');
    if (!/(<=|>=|==|!=|<|>)/.test(expr)) bad('no comparison (<, <=, >, >=, ==, !=)');
    if (/^\s*p\(/.test(expr) && !/^\s*p\([^()]*\)/.test(expr)) bad('p( needs a closing parenthesis');
    const agg = /^\s*([A-Za-z_()0-9.]*)/.exec(expr)?.[1] ?? '';
    if (!/^(avg|min|max|med|rate|count|value|p\(.*\))$/.test(agg)) bad(`unknown aggregation '${agg}' (avg, min, max, med, p(N), rate, count, value)`);
    bad('expected <aggregation> <comparison> <number>, e.g. p(95)<200');
  }
  const m = e!;
  let aggregation: Aggregation;
  let percentile: number | undefined;
  if (m[1].startsWith('p(')) {
    aggregation = 'p';
    const n = Number(m[2]);
    if (!/^\d+(\.\d+)?$/.test(m[2]) || !(n >= 0 && n <= 100)) bad(`percentile '${m[2]}' must be a number from 0 to 100`);
    percentile = n;
  } else aggregation = m[1] as Aggregation;
  const type = METRICS[metric as MetricName];
  if (!ALLOWED[type].includes(aggregation)) bad(`${metric} is a ${type} metric; it takes ${ALLOWED[type].map((a) => (a === 'p' ? 'p(N)' : a)).join(', ')}`);
  const value = Number(m[4]);
  if (!Number.isFinite(value)) bad(`'${m[4]}' is not a finite number`);
  let delay = 0;
  if (opts.delayAbortEval !== undefined) {
    const d = parseDuration(opts.delayAbortEval, { units: ['ms', 's', 'm'] });
    if (d === undefined) bad(`delayAbortEval must be a duration such as 10s`);
    delay = d!;
  }
  if (opts.abortOnFail !== undefined && typeof opts.abortOnFail !== 'boolean') bad('abortOnFail must be true or false');
  return { key: key.trim(), metric: metric as MetricName, tags, expression: expr.trim(), aggregation, percentile, op: m[3] as Comparison, value, abortOnFail: opts.abortOnFail === true, delayAbortEvalMs: delay };
}

/** Parse a whole `load.thresholds` mapping (values: expression or list of expressions/objects). */
export function parseThresholds(file: string, raw: unknown): Threshold[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(file, 'load.thresholds', 'must be a mapping of metric to a list of expressions');
  const out: Threshold[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const list = Array.isArray(value) ? value : [value];
    if (!list.length) throw new InputError(file, `load.thresholds.${key}`, 'needs at least one expression');
    for (const item of list) {
      if (item && typeof item === 'object' && !Array.isArray(item)) {
        const o = item as Record<string, unknown>;
        const extra = Object.keys(o).filter((x) => !['threshold', 'abortOnFail', 'delayAbortEval'].includes(x));
        if (extra.length) throw new InputError(file, `load.thresholds.${key}`, `bad threshold ${JSON.stringify(item)}: unknown field '${extra[0]}' (threshold, abortOnFail, delayAbortEval)`);
        out.push(parseThreshold(file, key, o.threshold, { abortOnFail: o.abortOnFail, delayAbortEval: o.delayAbortEval }));
      } else out.push(parseThreshold(file, key, item));
    }
  }
  return out;
}

export function compare(actual: number, op: Comparison, limit: number): boolean {
  switch (op) {
    case '<': return actual < limit;
    case '<=': return actual <= limit;
    case '>': return actual > limit;
    case '>=': return actual >= limit;
    case '==': return actual === limit;
    case '!=': return actual !== limit;
  }
}

/** What a threshold is evaluated against: an aggregation of a metric, or undefined when not measured. */
export type MetricSource = (t: Threshold) => number | undefined;

export function evaluate(thresholds: Threshold[], source: MetricSource): ThresholdVerdict[] {
  return thresholds.map((t) => {
    const actual = source(t);
    if (actual === undefined || Number.isNaN(actual)) {
      return { key: t.key, expression: t.expression, actual: null, ok: false, abortOnFail: t.abortOnFail, note: `${t.metric} was not measured in this run` };
    }
    return { key: t.key, expression: t.expression, actual: Math.round(actual * 1e6) / 1e6, ok: compare(actual, t.op, t.value), abortOnFail: t.abortOnFail };
  });
}
