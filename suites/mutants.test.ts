// Every policy check is proven sensitive: each mutant config under
// fixtures/<target>/mutants/ breaks one policy, and the check for that policy
// must fail on it with a message naming the broken policy. The first line of
// a mutant says which check it breaks: `# mutant: <check> — <what is broken>`.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runSuites } from '../harness/run/run-suite.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const base = join(root, 'suites', 'petstore.suite.yaml');

/** What each check's failure message must name. */
const names: Record<string, RegExp> = {
  auth: /^auth policy \(ApiKeyAuth\) not enforced: /,
  rateLimit: /^rate limit \(5 per 1000 ms by consumer\) not enforced: /,
  retry: /^retry policy \(attempts=2 on 502\/503\/504\) not enforced: /,
  canary: /^canary weights for petstore not honoured: /,
  contract: /^contract broken through the proxy: /,
  transform: /^request transformation not applied: /,
  timeout: /^timeout policy \(request 2000 ms\) not enforced: /,
};

interface Mutant {
  target: string;
  file: string;
  check: string;
  why: string;
}

function mutants(): Mutant[] {
  const out: Mutant[] = [];
  for (const target of ['nginx', 'haproxy']) {
    const dir = join(root, 'fixtures', target, 'mutants');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      const first = readFileSync(join(dir, f), 'utf8').split('\n')[0];
      const m = /^#\s*mutant:\s*(\w+)\s+—\s+(.+)$/.exec(first);
      if (!m) throw new Error(`${target}/mutants/${f}: first line must be "# mutant: <check> — <what is broken>"`);
      out.push({ target, file: join(dir, f), check: m[1], why: m[2] });
    }
  }
  return out;
}

/** A copy of the example suite with one target, running the mutant as the user's config. */
function suiteWith(m: Mutant, dir: string): string {
  const doc = parse(readFileSync(base, 'utf8'));
  doc.spec = join(root, 'openapi', 'petstore.yaml');
  doc.targets = { [m.target]: { config: m.file } };
  const file = join(dir, `${m.target}-${m.check}.suite.yaml`);
  writeFileSync(file, stringify(doc));
  return file;
}

const all = mutants();

describe('mutants', () => {
  it('every check has a mutant on both targets', () => {
    for (const target of ['nginx', 'haproxy']) {
      expect(all.filter((m) => m.target === target).map((m) => m.check).sort()).toEqual(Object.keys(names).sort());
    }
  });

  for (const m of all) {
    it(`${m.target}: the ${m.check} check fails on "${m.why}"`, { timeout: 90_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pp-mutant-'));
      try {
        const { report, exitCode } = await runSuites({ suites: [suiteWith(m, dir)], reportDir: join(dir, 'reports'), runtime: 'process', seed: 11, checks: [m.check], log: () => {} });
        const r = report.results.find((x) => x.check === m.check)!;
        expect(r.status, r.message).toBe('failed');
        expect(r.message).toMatch(names[m.check]);
        expect(exitCode).toBe(1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
