// `proxyproof k6`: the suite's load scenarios and thresholds as a k6 script,
// using k6's own executors (constant-arrival-rate, ramping-arrival-rate,
// constant-vus) and the same requests the engine sends (from the spec, the
// consumers' credentials as headers or query as the auth scheme says).
// k6 is a separate program (AGPL): proxyproof writes scripts and, with --run,
// calls a `k6` binary found on PATH; it never bundles k6. k6 is also the route
// for load beyond one machine (k6 distributed / cloud runs of this script).
// Thresholds on metrics k6 does not have (proxy_overhead_*, throughput_ratio,
// scheduling_lag, http_req_service) or on the direct path are left out, with a
// comment saying so.

import type { Spec } from '../model/spec.ts';
import type { LoadScenario, Suite } from '../model/suite.ts';
import { templatesFor } from './scenario.ts';
import type { RequestTemplate } from './engine.ts';
import type { Threshold } from '../model/load-report.ts';

const K6_METRICS = new Set(['http_req_duration', 'http_req_failed', 'http_reqs', 'iterations', 'dropped_iterations']);

interface K6Request {
  name: string;
  weight: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | null;
}

function decode(t: RequestTemplate): K6Request {
  const text = t.bytes.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, end).split('\r\n');
  const [method, path] = lines[0].split(' ');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).trim();
    if (['host', 'content-length', 'connection'].includes(k.toLowerCase())) continue;
    headers[k] = l.slice(i + 1).trim();
  }
  const body = text.slice(end + 4);
  return { name: t.name, weight: t.weight, method, path, headers, body: body.length ? body : null };
}

const dur = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
const fnName = (s: string) => `scenario_${s.replace(/[^A-Za-z0-9_]/g, '_')}`;

function k6Scenario(sc: LoadScenario): Record<string, unknown> {
  const exec = fnName(sc.name);
  if (sc.executor === 'constant-vus') return { executor: 'constant-vus', vus: sc.vus ?? 1, duration: dur(sc.durationMs!), exec };
  const pre = sc.preAllocatedVUs ?? Math.max(4, Math.ceil(((sc.rate ?? Math.max(sc.startRate ?? 0, ...(sc.stages ?? []).map((s) => s.target))) * 1000) / sc.timeUnitMs / 500) * 10);
  const common = { timeUnit: dur(sc.timeUnitMs), preAllocatedVUs: pre, maxVUs: sc.maxVUs ?? Math.max(pre, 200), exec };
  if (sc.executor === 'constant-arrival-rate') return { executor: 'constant-arrival-rate', rate: sc.rate, duration: dur(sc.durationMs!), ...common };
  return { executor: 'ramping-arrival-rate', startRate: sc.startRate ?? 0, stages: sc.stages!.map((s) => ({ target: s.target, duration: dur(s.durationMs) })), ...common };
}

export interface K6Export {
  script: string;
  /** Thresholds left out, with why. */
  omitted: string[];
}

export function exportK6(suite: Suite, spec: Spec, opts: { seed: number; target?: string; baseUrl?: string; scenarios?: LoadScenario[] }): K6Export {
  const scenarios = opts.scenarios ?? suite.load?.scenarios ?? [];
  const thresholds: Threshold[] = suite.load?.thresholds ?? [];
  const omitted: string[] = [];
  const k6Thresholds: Record<string, Array<string | { threshold: string; abortOnFail: boolean; delayAbortEval?: string }>> = {};
  for (const t of thresholds) {
    if (!K6_METRICS.has(t.metric)) {
      omitted.push(`${t.key}: ${t.expression} (k6 has no ${t.metric}; proxyproof load measures it)`);
      continue;
    }
    if (t.tags.path) {
      omitted.push(`${t.key}: ${t.expression} (the path tag is proxyproof's direct/proxied split)`);
      continue;
    }
    const list = (k6Thresholds[t.key] ??= []);
    list.push(t.abortOnFail ? { threshold: t.expression, abortOnFail: true, ...(t.delayAbortEvalMs ? { delayAbortEval: dur(t.delayAbortEvalMs) } : {}) } : t.expression);
  }
  const requests: Record<string, K6Request[]> = {};
  for (const sc of scenarios) requests[sc.name] = templatesFor(suite, spec, sc, opts.seed).map(decode);
  const options = { scenarios: Object.fromEntries(scenarios.map((s) => [s.name, k6Scenario(s)])), thresholds: k6Thresholds };
  const base = opts.baseUrl ?? 'http://127.0.0.1:8080';
  const lines = [
    `// k6 script exported by proxyproof from ${suite.name}${opts.target ? ` (target ${opts.target})` : ''}.`,
    '// Run: k6 run -e BASE_URL=http://127.0.0.1:PORT this-file.js  (the proxy in front of the mocks: proxyproof k6 --run does it)',
    '// k6 is a separate tool (AGPL-3.0, https://k6.io); proxyproof does not bundle it.',
    ...omitted.map((o) => `// threshold not exported: ${o}`),
    "import http from 'k6/http';",
    '',
    `export const options = ${JSON.stringify(options, null, 2)};`,
    '',
    `const BASE_URL = __ENV.BASE_URL || ${JSON.stringify(base)};`,
    '',
    '/** @typedef {{ name: string, weight: number, method: string, path: string, headers: Record<string, string>, body: string | null }} Req */',
    '',
    '/** @type {Record<string, Req[]>} */',
    `const REQUESTS = ${JSON.stringify(requests, null, 2)};`,
    '',
    '/** Weighted pick of one request of a scenario. @param {Req[]} list @returns {Req} */',
    'function pick(list) {',
    '  let total = 0;',
    '  for (const r of list) total += r.weight;',
    '  let x = Math.random() * total;',
    '  for (const r of list) {',
    '    x -= r.weight;',
    '    if (x <= 0) return r;',
    '  }',
    '  return list[list.length - 1];',
    '}',
    '',
    '/** @param {Req} r */',
    'function send(r) {',
    '  http.request(r.method, BASE_URL + r.path, r.body, { headers: r.headers, tags: { operation: r.name } });',
    '}',
    ...scenarios.flatMap((s) => ['', `export function ${fnName(s.name)}() {`, `  send(pick(REQUESTS[${JSON.stringify(s.name)}]));`, '}']),
    '',
  ];
  return { script: lines.join('\n'), omitted };
}

/** A tsconfig that type-checks an exported script against @types/k6 (used by the tests). */
export function k6Tsconfig(typeRoots: string, file: string): string {
  return JSON.stringify({
    compilerOptions: { allowJs: true, checkJs: true, noEmit: true, strict: true, target: 'ES2020', module: 'ESNext', moduleResolution: 'Bundler', typeRoots: [typeRoots], types: ['k6'], skipLibCheck: true },
    files: [file],
  }, null, 2);
}
