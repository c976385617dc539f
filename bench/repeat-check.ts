// Repeats one check against one target, each time a full run (fresh mocks,
// fresh proxy, new seed), and prints how often it failed. This is how the
// canary and rate-limit false-alarm rates are measured, not assumed.
//
//   npx tsx bench/repeat-check.ts --suite suites/petstore.suite.yaml --target nginx --check canary --runs 200
//   npx tsx bench/repeat-check.ts ... --config fixtures/nginx/mutants/canary.conf   # a mutant: expect every run to fail
//   npx tsx bench/repeat-check.ts ... --render --balance random                     # rendered config, random balancing

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { runSuites } from '../harness/run/run-suite.ts';

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'suites/petstore.suite.yaml' },
    target: { type: 'string', default: 'nginx' },
    check: { type: 'string', default: 'canary' },
    runs: { type: 'string', default: '20' },
    config: { type: 'string' },
    render: { type: 'boolean', default: false },
    balance: { type: 'string' },
  },
});

const suiteFile = resolve(values.suite!);
const doc = parse(readFileSync(suiteFile, 'utf8'));
const abs = (p: string) => resolve(dirname(suiteFile), p);
doc.spec = abs(doc.spec);
const original = doc.targets[values.target!];
const target: Record<string, unknown> = values.config
  ? { config: resolve(values.config) }
  : values.render || !original?.config
    ? { render: true, ...(values.balance ? { balance: values.balance } : {}) }
    : { config: abs(original.config) };
doc.targets = { [values.target!]: target };
const dir = mkdtempSync(join(tmpdir(), 'pp-repeat-'));
const file = join(dir, 'repeat.suite.yaml');
writeFileSync(file, stringify(doc));

const runs = Number(values.runs);
let failed = 0;
let requests = 0;
let counted = 0;
/** Passes, those with a warning (inconclusive: the interval never fitted the band), and their requests. */
let passRequests = 0;
let inconclusive = 0;
let failRequests = 0;
let stated: unknown;
const started = Date.now();
const messages = new Map<string, number>();
try {
  for (let i = 0; i < runs; i++) {
    const { report } = await runSuites({ suites: [file], runtime: 'process', seed: 1000 + i, checks: [values.check!], log: () => {} });
    const r = report.results[0];
    if (r.status === 'failed') {
      failed++;
      const key = r.message.replace(/\d+(\.\d+)?/g, 'N');
      messages.set(key, (messages.get(key) ?? 0) + 1);
      process.stderr.write(`seed ${1000 + i}: ${r.message}\n`);
    }
    const data = r.evidence.data as { requests?: number; method?: string; power?: unknown; meanAtWeights?: number } | undefined;
    const n = data?.requests;
    if (typeof n === 'number') {
      requests += n;
      counted++;
      if (r.status === 'passed') passRequests += n;
      else failRequests += n;
    }
    if (r.status === 'passed' && r.warnings?.length) inconclusive++;
    stated ??= data?.method ? { method: data.method, power: data.power, meanAtWeights: data.meanAtWeights } : undefined;
    if ((i + 1) % 10 === 0) process.stderr.write(`${i + 1}/${runs} runs, ${failed} failed\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const secs = (Date.now() - started) / 1000;
console.log(`${values.check} on ${values.target} (${JSON.stringify(target)}): ${runs} runs, ${failed} failed, ${runs - failed} passed` +
  (counted ? `; mean requests per verdict ${(requests / counted).toFixed(0)}` : '') + `; ${secs.toFixed(1)} s (${(secs / runs).toFixed(2)} s/run)`);
const passed = runs - failed;
console.log(`  per pass ${passed ? (passRequests / passed).toFixed(0) : '-'} requests (${inconclusive} inconclusive), per failure ${failed ? (failRequests / failed).toFixed(0) : '-'}`);
if (stated) console.log(`  stated: ${JSON.stringify(stated)}`);
for (const [m, n] of messages) console.log(`  ${n}x ${m}`);
