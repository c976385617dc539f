// Library use as a team would write it, type-checked under the strict config.
import { defineSuite, EnvironmentError, InputError, runSuite, writeResults, type CheckResult, type RunOptions, type RunResult, type SuiteInput } from 'proxyproof';

const suite: SuiteInput = defineSuite({ name: 'x', spec: 'openapi.yaml', upstreams: { petstore: {} }, targets: { haproxy: { render: true } }, policies: { contract: {} } });
const options: Omit<RunOptions, 'suites'> = { seed: 1, checks: ['contract'] };

export async function check(): Promise<CheckResult[]> {
  try {
    const result: RunResult = await runSuite(suite, { ...options, file: 'x.suite.ts' });
    if (result.exitCode !== 0) await writeResults(result, 'reports');
    return result.report.results;
  } catch (err) {
    if (err instanceof InputError) throw new Error(`${err.file} ${err.place ?? ''} ${err.detail}`);
    if (err instanceof EnvironmentError) throw err;
    throw err;
  }
}
