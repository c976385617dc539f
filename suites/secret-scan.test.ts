// Secret scan over every file a real run writes (report.json, junit.xml,
// index.html; the proxies' logs and configs ride inside them): none of the
// suite's credentials may appear, in any form the checks send them (the valid
// key in flipped case too) or a report could carry them (as is, URL-encoded,
// base64, base64url), nor the JWT secrets the suite holds. Every auth scheme
// (API key in a header, a query parameter and a cookie, basic, bearer), on
// rendered nginx and HAProxy. Real proxies, auth check only (fast).

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { main } from '../harness/cli/main.ts';
import type { RunReport } from '../harness/model/result.ts';
import { loadSuite } from '../harness/suite/load-suite.ts';
import { secretsOf } from '../harness/suite/secrets.ts';

const ROOT = join(import.meta.dirname, '..');

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

function flip(s: string): string {
  return [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

/** The example suite on a copy of its spec whose API key travels in `where` under `name`, or by basic auth. */
async function variant(name: string, scheme: Record<string, unknown>, consumers: Record<string, unknown>): Promise<string> {
  const dir = join(root, `variant-${name}`);
  await mkdir(dir, { recursive: true });
  const spec = parse(await readFile(join(ROOT, 'openapi', 'petstore.yaml'), 'utf8')) as Record<string, any>;
  spec.components.securitySchemes = { ApiKeyAuth: scheme };
  await writeFile(join(dir, 'spec.yaml'), stringify(spec));
  const suite = parse(await readFile(join(ROOT, 'suites', 'petstore.suite.yaml'), 'utf8')) as Record<string, any>;
  suite.spec = 'spec.yaml';
  suite.consumers = consumers;
  suite.targets = { nginx: { render: true }, haproxy: { render: true } };
  suite.policies = { auth: { scheme: 'ApiKeyAuth' } };
  delete suite.load;
  const file = join(dir, `${name}.suite.yaml`);
  await writeFile(file, stringify(suite));
  return file;
}

const KEYS = { alice: { apiKey: 'Alice-Query-Key-7f3a' }, bob: { apiKey: 'Bob-Query-Key-2c9d' }, mallory: { apiKey: 'Mallory-Wrong-Key-5e1b', valid: false } };
const CASES: Array<[string, () => Promise<string>]> = [
  ['API key in a header (petstore)', async () => join(ROOT, 'suites/petstore.suite.yaml')],
  ['bearer JWT (inventory)', async () => join(ROOT, 'suites/inventory-jwt.suite.yaml')],
  ['API key in a query parameter (subscription-key)', () => variant('query', { type: 'apiKey', in: 'query', name: 'subscription-key' }, KEYS)],
  ['API key in a cookie (sid)', () => variant('cookie', { type: 'apiKey', in: 'cookie', name: 'sid' }, KEYS)],
  ['basic auth', () => variant('basic', { type: 'http', scheme: 'basic' }, { alice: { basic: { user: 'alice', password: 'Alice-Basic-Pw-81ce' } }, mallory: { basic: { user: 'mallory', password: 'Wrong-Basic-Pw-44d0' }, valid: false } })],
];

describe.each(CASES)('secret scan of a real run: %s', (_title, suiteFile) => {
  it('finds no credential, in any form, in report.json, junit.xml or index.html', async () => {
    const file = await suiteFile();
    const dir = join(root, `reports-${file.replace(/\W+/g, '-')}`);
    // Through the command, as a user runs it: the files it writes are what is scanned.
    let out = '';
    const code = await main(['run', file, '--report-dir', dir, '--seed', '3', '--check', 'auth'], { stdout: { write: (c: string) => (out += c) }, stderr: { write: (c: string) => (out += c) } });
    expect([0, 1], out).toContain(code);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as RunReport;
    // The run did exercise the credentials: auth ran, and passed, on both targets.
    expect(report.results.filter((r) => r.check === 'auth').map((r) => `${r.target}:${r.status}`).sort(), out).toEqual(['haproxy:passed', 'nginx:passed']);

    const suite = await loadSuite(file);
    const raw = rawCredentials(await readFile(file, 'utf8'));
    // Computed here, not taken from the redactor's own list: what the auth check sends includes the valid key flipped.
    const sent = [...raw, ...raw.filter((s) => /[a-z]/i.test(s)).map(flip)];
    const secrets = [...new Set([...secretsOf(suite), ...sent])];
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    const needles = secrets.flatMap(encodings);
    // JWT secrets: also the signature part alone (a redactor that only caught whole tokens would leak it)
    for (const s of secrets) if (/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(s)) needles.push(s.split('.')[2]);

    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['index.html', 'junit.xml', 'report.json']);
    const leaks: string[] = [];
    for (const f of files) {
      const text = await readFile(join(dir, f), 'utf8');
      expect(text.length).toBeGreaterThan(100);
      for (const n of needles) if (text.includes(n)) leaks.push(`${f} contains a credential (${n.slice(0, 6)}…)`);
    }
    expect(leaks).toEqual([]);
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('[REDACTED]');
  });
});
