// Repeats the canary-under-load verdict (one look of the Wilson test over
// 2,000 requests at 1,000/s) against one running proxy and counts how often a
// correct config fails: its false-alarm rate, measured rather than assumed.
// Round robin makes the split exact and says little about the bound, so the
// default is a rendered config with random balancing (nginx `random`: an
// independent weighted draw per request, the binomial case the bound is for).
// 127.0.0.1 only; every look is bounded (2 s of load).
//
//   npx tsx bench/repeat-canary-load.ts [--suite suites/petstore.suite.yaml] [--target nginx] [--runs 100] [--balance random|roundrobin] [--config mutant.conf]

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { loadAll } from '../harness/run/inputs.ts';
import { startTargetFor } from '../harness/run/start-target.ts';
import { startMockProcess } from '../harness/load/mock-process.ts';
import { canaryUnderLoad } from '../harness/load/policies.ts';

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'suites/petstore.suite.yaml' },
    target: { type: 'string', default: 'nginx' },
    runs: { type: 'string', default: '100' },
    balance: { type: 'string', default: 'random' },
    config: { type: 'string' },
  },
});

const suiteFile = resolve(values.suite!);
const doc = parse(readFileSync(suiteFile, 'utf8'));
doc.spec = resolve(dirname(suiteFile), doc.spec);
doc.targets = { [values.target!]: values.config ? { config: resolve(values.config) } : { render: true, balance: values.balance } };
delete doc.load;
const dir = mkdtempSync(join(tmpdir(), 'pp-repeat-load-'));
const file = join(dir, 'repeat.suite.yaml');
writeFileSync(file, stringify(doc));
try {
  const [l] = await loadAll([file]);
  await using mocks = await startMockProcess(l.suite.spec, l.suite.upstreams, 1);
  await using started = await startTargetFor(l, l.suite.targets[0], mocks.endpoints);
  const url = new URL(started.proxy.baseUrl);
  const proxy = { host: url.hostname, port: Number(url.port) };
  const runs = Number(values.runs);
  let failed = 0;
  let requests = 0;
  let worst = 0;
  const t0 = performance.now();
  for (let i = 1; i <= runs; i++) {
    const r = await canaryUnderLoad({ suite: l.suite, spec: l.spec, target: values.target!, proxy, mocks, seed: i, log: () => {} });
    if (r.status === 'failed') failed++;
    requests += Number(r.data.requests ?? 0);
    const shares = (r.data.shares ?? {}) as Record<string, number>;
    const expected = l.suite.policies.canary!.weights;
    const sum = Object.values(expected).reduce((a, b) => a + b, 0);
    for (const [v, w] of Object.entries(expected)) worst = Math.max(worst, Math.abs((shares[v] ?? 0) - w / sum));
    if (i % 10 === 0) console.log(`${i}/${runs} looks, ${failed} failed`);
  }
  console.log(
    `canary under load on ${values.target} (${values.config ?? `rendered, balance ${values.balance}`}): ${runs} looks, ${failed} failed (alpha ${l.suite.policies.canary!.alpha}), mean ${Math.round(requests / runs)} requests per look, largest share deviation ${(worst * 100).toFixed(2)} points (tolerance ${(l.suite.policies.canary!.tolerance * 100).toFixed(1)}); ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
