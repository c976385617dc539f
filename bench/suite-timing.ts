// Times a suite run end to end, side by side (the default) and one check after
// another (--serial), and prints the wall time, each check's time per target
// and every verdict, so the two can be compared run by run.
//
//   npx tsx bench/suite-timing.ts --suite suites/petstore.suite.yaml --runs 3
//   npx tsx bench/suite-timing.ts --serial --runs 3

import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runSuites } from '../harness/run/run-suite.ts';

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'suites/petstore.suite.yaml' },
    runs: { type: 'string', default: '3' },
    serial: { type: 'boolean', default: false },
  },
});

const runs = Number(values.runs);
for (let i = 0; i < runs; i++) {
  const load = loadavg()[0].toFixed(1);
  const t0 = Date.now();
  const { report } = await runSuites({ suites: [values.suite!], runtime: 'process', serial: values.serial, log: () => {} });
  const wall = Date.now() - t0;
  const byTarget = new Map<string, string[]>();
  for (const r of report.results) {
    if (r.status === 'skipped') continue;
    const line = `${r.check}${r.route ? `(${r.route})` : ''} ${(r.durationMs / 1000).toFixed(1)}${r.status === 'passed' ? '' : ` ${r.status}`}`;
    byTarget.set(r.target, [...(byTarget.get(r.target) ?? []), line]);
  }
  console.log(`${values.serial ? 'serial' : 'side by side'} run ${i + 1}: wall ${(wall / 1000).toFixed(1)} s (load average ${load} on ${cpus().length} cores), ${report.summary.passed} passed, ${report.summary.failed} failed`);
  for (const [t, lines] of byTarget) console.log(`  ${t}: ${lines.join(', ')}`);
}
