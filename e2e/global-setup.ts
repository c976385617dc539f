// Renders the pages the browser tests open, through writeReports (redaction,
// baseline and all), into reports/e2e/<name>/.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeReports } from '../harness/report/write-reports.ts';
import { baselineReport, exampleReport, failingReport, OUT } from './reports.ts';

/** The petstore suite's credentials (suites/petstore.suite.yaml). */
export const PETSTORE_SECRETS = ['alice-key-5f2c8e', 'bob-key-91ad07', 'wrong-key'];

export default async function globalSetup(): Promise<void> {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  await writeReports(exampleReport(), join(OUT, 'example'), PETSTORE_SECRETS);
  const baseline = join(OUT, 'baseline.json');
  await writeFile(baseline, JSON.stringify(baselineReport()));
  await writeReports(failingReport(), join(OUT, 'failing'), PETSTORE_SECRETS, { baseline });
}
