import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReports } from './write-reports.ts';
import { ALL_SECRET_STRINGS, BASIC_B64, SECRETS, secretReport } from '../testing/report-fixtures.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'proxyproof-reports-test-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const suiteSecrets = [SECRETS.apiKey, SECRETS.token, SECRETS.password, `${SECRETS.user}:${SECRETS.password}`, BASIC_B64, SECRETS.jwtSecret];

describe('writeReports', () => {
  it('creates the folder and writes the three files, nothing else', async () => {
    const dir = join(root, 'a/b/reports');
    const { files } = await writeReports(secretReport(), dir, suiteSecrets);
    expect(files).toEqual([join(dir, 'report.json'), join(dir, 'junit.xml'), join(dir, 'index.html')]);
    expect((await readdir(dir)).sort()).toEqual(['index.html', 'junit.xml', 'report.json']);
    const json = JSON.parse(await readFile(files[0], 'utf8'));
    expect(json.summary).toEqual({ passed: 1, failed: 1, skipped: 0, notSupported: 0 });
  });

  it('leaves no secret anywhere in the written files', async () => {
    const dir = join(root, 'secrets');
    const { files } = await writeReports(secretReport(), dir, suiteSecrets);
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      for (const s of ALL_SECRET_STRINGS) expect(text, `${s} in ${f}`).not.toContain(s);
      expect(text).toContain('[REDACTED]');
    }
  });

  it('replaces old reports and leaves no temp files', async () => {
    const dir = join(root, 'replace');
    await mkdir(dir);
    await writeFile(join(dir, 'report.json'), 'old');
    await writeReports(secretReport(), dir, []);
    await writeReports(secretReport(), dir, []);
    expect((await readdir(dir)).sort()).toEqual(['index.html', 'junit.xml', 'report.json']);
    expect(await readFile(join(dir, 'report.json'), 'utf8')).not.toBe('old');
  });

  it('cleans up its temp files when a rename fails', async () => {
    const dir = join(root, 'blocked');
    await mkdir(join(dir, 'index.html'), { recursive: true });
    await expect(writeReports(secretReport(), dir, [])).rejects.toThrow();
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fails when the folder cannot be made', async () => {
    const file = join(root, 'plain-file');
    await writeFile(file, 'x');
    await expect(writeReports(secretReport(), join(file, 'reports'), [])).rejects.toThrow();
  });
});
