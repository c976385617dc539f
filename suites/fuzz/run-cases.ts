// Malformed inputs, generated from a seed: each case is the example suite or
// its spec with one or two mutations (a wrong type, a missing key, a huge or
// negative number, control characters, a broken YAML line, an alias bomb, a
// $ref to /proc or to the network, a bad path template, ...). Every case runs
// `proxyproof validate` in this process and prints one JSON line:
//   {"i": 3, "kind": "suite", "what": "...", "code": 2, "stderr": "...", "ms": 12}
// The test (suites/fuzz-inputs.test.ts) runs this as a child process so that
// a hang is seen as silence and the child is killed, not the test runner.
//
//   npx tsx suites/fuzz/run-cases.ts --seed 1 --count 500 --dir /tmp/x

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { main } from '../../harness/cli/main.ts';
import { createRng, type Rng } from '../../harness/util/rng.ts';

const root = resolve(import.meta.dirname, '..', '..');
const { values } = parseArgs({ options: { seed: { type: 'string' }, count: { type: 'string' }, dir: { type: 'string' } } });
const rng = createRng(Number(values.seed ?? 1));
const count = Number(values.count ?? 500);
const dir = values.dir!;
mkdirSync(dir, { recursive: true });

type Json = unknown;
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** Values a careless or hostile author might put anywhere. */
const ODD: readonly Json[] = [
  null, true, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, '', ' ', 'x'.repeat(5000), 'a\nb', 'line\r\nbreak', 'nul\u0000', 'bell\u0007', 'sep\u2028x',
  '{{listen', '{{{listen}}}', '../../../../etc/passwd', '/proc/self/environ', 'http://0.0.0.0:1/x', '0s', '-1s', '1.5ms', '99999999999h', '1d',
  '(unclosed', '[a-', '\\', '"quoted"', "it's", '%00', '${HOME}', '$(id)', '`id`', [], [1, 'two', null], {}, { a: { b: { c: 1 } } },
];

/** Every path (list of keys/indices) into a JSON value, with the parent. */
function paths(v: Json, at: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

function getParent(doc: Json, path: Array<string | number>): Record<string | number, Json> | undefined {
  let cur = doc as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) {
    cur = cur?.[k] as Record<string | number, Json>;
    if (!cur || typeof cur !== 'object') return undefined;
  }
  return cur;
}

/** One data-level mutation: replace, delete or add at a random place. */
function mutateData(r: Rng, doc: Json): string {
  const all = paths(doc).filter((p) => p.length > 0);
  const path = pick(r, all);
  const parent = getParent(doc, path);
  const key = path[path.length - 1];
  if (!parent) return 'nothing';
  const op = r();
  if (op < 0.55) {
    const v = pick(r, ODD);
    parent[key] = structuredClone(v);
    return `${path.join('.')} = ${JSON.stringify(v)?.slice(0, 40)}`;
  }
  if (op < 0.8) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
    return `delete ${path.join('.')}`;
  }
  const target = parent[key];
  if (target && typeof target === 'object' && !Array.isArray(target)) {
    const k = pick(r, ['extra', 'a b', 'x\ny', '__proto__', 'constructor', '']);
    (target as Record<string, Json>)[k] = pick(r, ODD);
    return `add ${path.join('.')}.${JSON.stringify(k)}`;
  }
  parent[key] = [target, target];
  return `wrap ${path.join('.')}`;
}

/** One text-level mutation of the YAML: truncate, insert punctuation, tabs, anchors, a bomb. */
function mutateText(r: Rng, text: string): { text: string; what: string } {
  const at = Math.floor(r() * text.length);
  const op = Math.floor(r() * 6);
  if (op === 0) return { text: text.slice(0, at), what: `truncate at ${at}` };
  if (op === 1) {
    const c = pick(r, ['{', '}', '[', ':', '\t', '"', "'", '&a ', '*a', '|', '>', '#', '%', '@', '!!binary ', '? ']);
    return { text: text.slice(0, at) + c + text.slice(at), what: `insert ${JSON.stringify(c)} at ${at}` };
  }
  if (op === 2) {
    const lines = text.split('\n');
    const i = Math.floor(r() * lines.length);
    lines.splice(i, 0, lines[i]);
    return { text: lines.join('\n'), what: `duplicate line ${i + 1}` };
  }
  if (op === 3) {
    const bomb = ['b0: &b0 [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 6 }, (_, k) => `b${k + 1}: &b${k + 1} [${Array(9).fill(`*b${k}`).join(', ')}]`)].join('\n');
    return { text: `${text}\n${bomb}\n`, what: 'alias bomb' };
  }
  if (op === 4) return { text: text.replace(/\n/g, '\r\n'), what: 'CRLF line ends' };
  return { text: `\uFEFF${text}`, what: 'BOM' };
}

const suiteBase = parse(readFileSync(join(root, 'suites', 'petstore.suite.yaml'), 'utf8')) as Record<string, Json>;
suiteBase.spec = 'spec.yaml';
suiteBase.targets = { haproxy: { render: true } };
delete suiteBase.load;
const specBase = parse(readFileSync(join(root, 'openapi', 'petstore.yaml'), 'utf8')) as Record<string, Json>;

/** Spec-level attacks and mistakes the data mutation would rarely hit. */
const SPEC_SHOTS: Array<[string, (s: Record<string, any>) => void]> = [
  ['$ref to /proc/self/environ', (s) => (s.components.schemas.Pet = { $ref: '/proc/self/environ#/x' })],
  ['$ref to /etc/passwd', (s) => (s.components.schemas.Pet = { $ref: '/etc/passwd#/root' })],
  ['$ref to 0.0.0.0', (s) => (s.components.schemas.Pet = { $ref: 'http://0.0.0.0:9/x.yaml' })],
  ['$ref to mapped loopback', (s) => (s.components.schemas.Pet = { $ref: 'http://[::ffff:127.0.0.1]:9/x.yaml' })],
  ['self $ref', (s) => (s.components.schemas.Pet = { $ref: '#/components/schemas/Pet' })],
  ['required self recursion', (s) => (s.components.schemas.Pet = { type: 'object', required: ['me'], properties: { me: { $ref: '#/components/schemas/Pet' } } })],
  ['no paths', (s) => (s.paths = {})],
  ['empty path parameter', (s) => (s.paths['/pets/{}'] = s.paths['/pets'])],
  ['unclosed path parameter', (s) => (s.paths['/pets/{petId'] = s.paths['/pets'])],
  ['path under the admin prefix', (s) => (s.paths['/__proxyproof/journal'] = s.paths['/pets'])],
  ['operationId with a newline', (s) => (s.paths['/pets'].get.operationId = 'listPets\nhttp-request return status 200')],
  ['version as a number', (s) => (s.openapi = 3.0)],
];

function writeCase(i: number, suite: Json, spec: string | Json): string {
  const d = join(dir, String(i));
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'spec.yaml'), typeof spec === 'string' ? spec : stringify(spec));
  const file = join(d, 'fuzz.suite.yaml');
  writeFileSync(file, typeof suite === 'string' ? suite : stringify(suite));
  return file;
}

function makeCase(i: number): { kind: string; what: string; file: string } {
  const kind = i % 10 < 7 ? 'suite' : 'spec';
  if (kind === 'suite') {
    if (rng() < 0.35) {
      const m = mutateText(rng, stringify(suiteBase));
      return { kind, what: m.what, file: writeCase(i, m.text, specBase) };
    }
    const doc = structuredClone(suiteBase);
    const what = [mutateData(rng, doc), ...(rng() < 0.3 ? [mutateData(rng, doc)] : [])].join('; ');
    return { kind, what, file: writeCase(i, doc, specBase) };
  }
  const spec = structuredClone(specBase) as Record<string, any>;
  const r = rng();
  if (r < 0.3) {
    const [what, shot] = pick(rng, SPEC_SHOTS);
    shot(spec);
    return { kind, what, file: writeCase(i, suiteBase, spec) };
  }
  if (r < 0.5) {
    const m = mutateText(rng, stringify(specBase));
    return { kind, what: m.what, file: writeCase(i, suiteBase, m.text) };
  }
  return { kind, what: mutateData(rng, spec), file: writeCase(i, suiteBase, spec) };
}

for (let i = 0; i < count; i++) {
  const c = makeCase(i);
  let stderr = '';
  const t0 = Date.now();
  const code = await main(['validate', c.file], { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) } });
  process.stdout.write(`${JSON.stringify({ i, kind: c.kind, what: c.what, file: c.file, code, stderr, ms: Date.now() - t0 })}\n`);
}
