// Secret scan over every file a real run writes (report.json, junit.xml,
// index.html; the proxies' logs and configs ride inside them): none of the
// suite's credentials may appear, in any form the redactor knows (as is,
// URL-encoded, base64, base64url), nor the JWT secrets or key material the
// suite points at. Real proxies, auth check only (fast).

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../harness/cli/main.ts';
import type { RunReport } from '../harness/model/result.ts';
import { loadSuite } from '../harness/suite/load-suite.ts';
import { secretsOf } from '../harness/suite/secrets.ts';

const ROOT = join(import.meta.dirname, '..');
const SUITES = ['suites/petstore.suite.yaml', 'suites/inventory-jwt.suite.yaml'];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'proxyproof-secret-scan-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every credential string in the suite file itself, read straight from the YAML (not through the loader). */
function rawCredentials(yamlText: string): string[] {
  const doc = parse(yamlText) as { consumers?: Record<string, Record<string, unknown>> };
  const out: string[] = [];
  for (const c of Object.values(doc.consumers ?? {})) {
    for (const k of ['apiKey', 'bearer', 'token', 'password']) if (typeof c[k] === 'string') out.push(c[k] as string);
    const basic = c.basic as { user?: string; password?: string } | undefined;
    if (basic?.password) out.push(basic.password);
  }
  return out;
}

function encodings(secret: string): string[] {
  const b64 = Buffer.from(secret).toString('base64');
  return [...new Set([secret, encodeURIComponent(secret), b64, b64.replace(/=+$/, ''), Buffer.from(secret).toString('base64url')])].filter((s) => s.length >= 6);
}

describe.each(SUITES)('secret scan of a real run of %s', (file) => {
  it('finds no credential in report.json, junit.xml or index.html', async () => {
    const dir = join(root, file.replace(/\W+/g, '-'));
    // Through the command, as a user runs it: the files it writes are what is scanned.
    let out = '';
    const code = await main(['run', join(ROOT, file), '--report-dir', dir, '--seed', '3', '--check', 'auth'], { stdout: { write: (c: string) => (out += c) }, stderr: { write: (c: string) => (out += c) } });
    expect([0, 1], out).toContain(code);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as RunReport;
    // the run did exercise the credentials: auth ran on every target
    const auth = report.results.filter((r) => r.check === 'auth');
    expect(auth.length).toBeGreaterThan(0);
    expect(auth.every((r) => r.status === 'passed' || r.status === 'failed')).toBe(true);

    const suite = await loadSuite(join(ROOT, file));
    const secrets = [...new Set([...secretsOf(suite), ...rawCredentials(await readFile(join(ROOT, file), 'utf8'))])];
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    const needles = secrets.flatMap(encodings);
    // JWT secrets: also the signature part alone (a redactor that only caught whole tokens would leak it)
    for (const s of secrets) if (/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(s)) needles.push(s.split('.')[2]);

    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['index.html', 'junit.xml', 'report.json']);
    let found = 0;
    for (const f of files) {
      const text = await readFile(join(dir, f), 'utf8');
      expect(text.length).toBeGreaterThan(100);
      for (const n of needles) {
        if (text.includes(n)) {
          found++;
          expect.fail(`${f} contains a credential of ${file} (${n.slice(0, 6)}…)`);
        }
      }
    }
    expect(found).toBe(0);
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('[REDACTED]');
  });
});
