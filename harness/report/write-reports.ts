// Writes report.json, junit.xml and index.html. The report is redacted as a
// value before anything is serialized; each file is written to a temp name in
// the same folder and renamed into place, so no reader sees half a file.
// With a baseline (a previous report.json) index.html shows what changed; the
// baseline is redacted with the same redactor before anything of it is shown.

import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunReport } from '../model/result.ts';
import { renderHtmlReport } from './html-report.ts';
import { loadBaseline, type History } from './history.ts';
import { renderJsonReport } from './json-report.ts';
import { renderJunitReport } from './junit-report.ts';
import { createRedactor, redactDeep } from './redact.ts';

export const REPORT_FILES = ['report.json', 'junit.xml', 'index.html'] as const;

export interface WriteOptions {
  /** A previous report.json to compare with (shown in index.html). */
  baseline?: string;
  /** Names under which the specs send credentials: their values are redacted whatever they are. */
  credentialNames?: string[];
}

export async function writeReports(report: RunReport, dir: string, secrets: string[], opts: WriteOptions = {}): Promise<{ files: string[]; history?: History }> {
  const redactor = createRedactor(secrets, { names: opts.credentialNames });
  const safe = redactDeep(report, redactor);
  const history = opts.baseline !== undefined ? redactDeep(await loadBaseline(safe, opts.baseline), redactor) : undefined;
  const contents: Record<(typeof REPORT_FILES)[number], string> = {
    'report.json': renderJsonReport(safe),
    'junit.xml': renderJunitReport(safe),
    'index.html': renderHtmlReport(safe, { history }),
  };
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temps: string[] = [];
  try {
    for (const name of REPORT_FILES) {
      const tmp = join(out, `.${name}.${tag}.tmp`);
      temps.push(tmp);
      await writeFile(tmp, contents[name], { encoding: 'utf8', flag: 'wx' });
    }
    for (let i = 0; i < REPORT_FILES.length; i++) await rename(temps[i], join(out, REPORT_FILES[i]));
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw err;
  }
  return { files: REPORT_FILES.map((n) => join(out, n)), history };
}
