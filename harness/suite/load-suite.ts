// Reads a *.suite.yaml file into the Suite model. Every problem is an
// InputError naming the file and the YAML line of the offending node:
//   suites/x.suite.yaml:line 12: policies.retry.attempts must be integer

import { open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, isMap, isSeq, isScalar, isPair, parseDocument, visit, type Document, type Node } from 'yaml';
import { EnvironmentError, InputError, oneLine } from '../model/errors.ts';
import { parseDuration } from '../model/duration.ts';
import { suiteSchema } from './schema.ts';
import { checks } from '../checks/registry.ts';
import type { SectionContext } from '../checks/check.ts';
import { targetNames } from '../targets/registry.ts';
import { parseThresholds } from '../load/thresholds.ts';
import { applyImported, importAll, mergeConsumers } from '../policy/import.ts';
import type { BackendMapping } from '../policy/types.ts';
import type { Consumer, Credential, ImportNote, LoadConfig, LoadScenario, Suite, TargetSpec, UpstreamSpec } from '../model/suite.ts';
import type { Policies } from '../model/policies.ts';
import { parseRoutes } from './routes.ts';
import { notCheckedDetail } from './strict.ts';
import type { Route } from '../model/routes.ts';

type Path = (string | number)[];


let compiled: ReturnType<Ajv['compile']> | undefined;
function validator(): ReturnType<Ajv['compile']> {
  compiled ??= new Ajv({ allErrors: true, strict: true, verbose: true }).compile(suiteSchema());
  return compiled;
}

/** Finds YAML lines for instance paths, falling back to the nearest node that exists. */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
  ) {}

  line(path: Path, key = false): number {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        if (keyStart !== undefined) offset = keyStart;
        if (last && key) break;
        node = pair.value;
        const valStart = rangeStart(node);
        if (valStart !== undefined) offset = valStart;
        else break;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        const s = rangeStart(item);
        if (s === undefined) break;
        offset = s;
        node = item;
      } else break;
    }
    return this.lc.linePos(offset).line;
  }
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as Node | null | undefined)?.range;
  return r ? r[0] : undefined;
}

function showPath(path: Path): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

function decodePointer(pointer: string): Path {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function typeWords(types: unknown): string {
  const list = (Array.isArray(types) ? types : [types]).filter((t) => t !== 'null') as string[];
  return list.map((t) => (t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : t)).join(' or ');
}

/** One ajv error -> [path, key?, detail]. */
function describe(err: ErrorObject): { path: Path; key: boolean; detail: string } {
  const path = decodePointer(err.instancePath);
  const at = showPath(path);
  const subject = at || 'the suite';
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const prop = String(p.additionalProperty);
      const allowed = Object.keys(((err.parentSchema as Record<string, unknown>)?.properties as object) ?? {}).filter((k) => k !== '$schema');
      const where = at ? `${at}: unknown key` : 'unknown top-level key';
      return { path: [...path, prop], key: true, detail: `${where} '${prop}' (expected one of ${allowed.join(', ')})` };
    }
    case 'required':
      return { path, key: false, detail: `${at ? `${at}: ` : ''}missing required key '${String(p.missingProperty)}'` };
    case 'type':
      return { path, key: false, detail: `${subject} must be ${typeWords(p.type)}` };
    case 'enum':
      return { path, key: false, detail: `${subject} must be one of ${(p.allowedValues as unknown[]).join(', ')}` };
    case 'pattern':
      if (err.propertyName !== undefined) {
        return {
          path: [...path, err.propertyName],
          key: true,
          detail: `${at}: bad name '${err.propertyName}' (use letters, digits, _ and -, starting with a letter)`,
        };
      }
      return { path, key: false, detail: `${subject} must match ${String(p.pattern)}` };
    default:
      return { path, key: false, detail: `${subject} ${err.message ?? 'is invalid'}` };
  }
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

async function fileProblem(abs: string): Promise<string | undefined> {
  try {
    const s = await stat(abs);
    return s.isFile() ? undefined : 'is not a file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? oneLine(err)})`;
  }
}

/** The suite document: its data, and `at` for errors naming the YAML line of a path. */
interface Parsed {
  raw: Obj;
  at: (path: Path, detail: string, key?: boolean) => never;
  file: string;
  dir: string;
}

/** A suite is a small file; a bigger one is refused before it is parsed. */
const MAX_SUITE_BYTES = 1_000_000;
/** YAML alias expansions allowed: enough for any real suite, far from a resource-exhaustion bomb. */
const MAX_ALIASES = 100;
/** Control characters (and Unicode line separators) end a line in a proxy config, a header or a log. */
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;

async function readText(file: string): Promise<string> {
  try {
    await using fh = await open(file, 'r');
    const size = (await fh.stat()).size;
    if (size > MAX_SUITE_BYTES) throw new InputError(file, undefined, `is ${size} bytes; a suite may be at most ${MAX_SUITE_BYTES}`);
    return await fh.readFile('utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(file, undefined, `cannot read: ${oneLine(err)}`);
  }
}

/** The document as data; an alias bomb is an input error at the first alias, not a crash. */
function toData(doc: Document, lc: LineCounter, fail: (line: number, detail: string) => never): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    let line = 1;
    visit(doc, { Alias: (_k, node) => { line = lc.linePos(node.range?.[0] ?? 0).line; return visit.BREAK; } });
    return fail(line, `YAML aliases: ${/alias/i.test(String(err)) ? `more than ${MAX_ALIASES} expansions (a guard against alias bombs)` : oneLine(err)}`);
  }
}

/** The path of the first string (value or key) holding a control character, with which. */
export function controlCharacterAt(data: unknown, path: Path = []): { path: Path; key: boolean; char: string } | undefined {
  if (typeof data === 'string') {
    const m = CONTROL.exec(data);
    return m ? { path, key: false, char: m[0] } : undefined;
  }
  if (Array.isArray(data)) {
    for (const [i, v] of data.entries()) {
      const found = controlCharacterAt(v, [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (data && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) {
      const m = CONTROL.exec(k);
      if (m) return { path: [...path, k], key: true, char: m[0] };
      const found = controlCharacterAt(v, [...path, k]);
      if (found) return found;
    }
  }
  return undefined;
}

async function readDocument(file: string): Promise<Parsed> {
  const text = await readText(file);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const fail = (line: number, detail: string): never => {
    throw new InputError(file, `line ${line}`, detail);
  };
  if (doc.errors.length) fail(lc.linePos(doc.errors[0].pos[0]).line, `YAML syntax: ${oneLine(doc.errors[0].message)}`);
  const loc = new Locator(doc, lc);
  return checkedDocument(file, toData(doc, lc, fail), (path, key) => `line ${loc.line(path, key)}`);
}

/** Where a problem is: a YAML line, or for a suite given as data the path in it. */
type Place = (path: Path, key: boolean) => string;

/** The suite's data against the schema and the control-character rule; `at` names the place of a later problem. */
function checkedDocument(file: string, data: unknown, place: Place): Parsed {
  const fail = (where: string, detail: string): never => {
    throw new InputError(file, where, detail);
  };
  if (data === null || data === undefined) throw new InputError(file, undefined, 'the suite is empty');
  const validate = validator();
  if (!validate(data)) {
    // A misspelt key also makes a required one missing: name the misspelling.
    const errors = validate.errors!;
    const d = describe(errors.find((e) => e.keyword === 'additionalProperties') ?? errors[0]);
    fail(place(d.path, d.key), d.detail);
  }
  // Every string of a suite may end up in a proxy config, a header or a log line: none may break a line.
  const ctl = controlCharacterAt(data);
  if (ctl) fail(place(ctl.path, ctl.key), `${showPath(ctl.path) || 'a key'}: a ${ctl.key ? 'key' : 'value'} must not hold control characters (found U+${ctl.char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`);
  const absFile = resolve(file);
  return { raw: data as Obj, at: (path, detail, key = false) => fail(place(path, key), `${showPath(path)}: ${detail}`), file: absFile, dir: dirname(absFile) };
}

/** A suite as data (a .ts suite's default export, defineSuite's value): plain JSON only, places are paths in it. */
function dataDocument(file: string, data: unknown): Parsed {
  let plain: unknown;
  try {
    plain = data === undefined ? undefined : JSON.parse(JSON.stringify(data));
  } catch (err) {
    throw new InputError(file, undefined, `the suite is not plain data: ${oneLine(err)}`);
  }
  return checkedDocument(file, plain, (path) => showPath(path) || 'the suite');
}

/** A .ts/.mts/.js/.mjs suite file: its default export (defineSuite's value). */
async function moduleDocument(file: string): Promise<Parsed> {
  const abs = resolve(file);
  const problem = await fileProblem(abs);
  if (problem) throw new InputError(file, undefined, problem);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
  } catch (err) {
    // Node 20 cannot load TypeScript by itself; Node >= 22.18 strips types, and tsx (or Vitest) loads it anywhere.
    if ((err as { code?: string }).code === 'ERR_UNKNOWN_FILE_EXTENSION') throw new EnvironmentError(`${file}: this Node cannot load a TypeScript suite`, 'use Node >= 22.18, or run under tsx or Vitest');
    throw new InputError(file, undefined, `the suite module failed to load: ${oneLine(err)}`);
  }
  if (mod.default === undefined) throw new InputError(file, undefined, 'a suite module must export the suite as its default export (export default defineSuite({...}))');
  return dataDocument(file, mod.default);
}

/** Suite paths are relative to the suite file; a named file must exist. */
async function existingFile(p: Parsed, path: Path, value: string): Promise<string> {
  const abs = resolve(p.dir, value);
  const problem = await fileProblem(abs);
  if (problem) p.at(path, `${problem}: ${value}`);
  return abs;
}

function duration(p: Parsed, path: Path, value: string): number {
  return parseDuration(value) ?? p.at(path, `bad duration '${value}' (use e.g. 500ms, 1s, 2m)`);
}

/** `spec: path` or `spec: { file, allowRemoteRefs, allowDirs }`. */
async function parseSpecRef(p: Parsed): Promise<{ spec: string; specOptions?: Suite['specOptions'] }> {
  if (typeof p.raw.spec === 'string') return { spec: await existingFile(p, ['spec'], p.raw.spec) };
  const s = obj(p.raw.spec);
  const spec = await existingFile(p, ['spec', 'file'], s.file as string);
  const allowDirs = ((s.allowDirs as string[] | undefined) ?? []).map((d) => resolve(p.dir, d));
  return { spec, specOptions: { allowRemoteRefs: s.allowRemoteRefs === true, allowDirs } };
}

function parseUpstreams(p: Parsed): UpstreamSpec[] {
  const upstreams: UpstreamSpec[] = [];
  const claimedBy = new Map<string, string>();
  for (const [name, value] of Object.entries(obj(p.raw.upstreams))) {
    const u = obj(value);
    const up: UpstreamSpec = { name, versions: (u.versions as string[] | undefined) ?? ['v1'], replicas: (u.replicas as number | undefined) ?? 1 };
    if (u.operations) {
      const ops = u.operations as string[];
      ops.forEach((op, i) => {
        const other = claimedBy.get(op);
        if (other) p.at(['upstreams', name, 'operations', i], `${op} is already served by upstream ${other}`);
        claimedBy.set(op, name);
      });
      up.operations = ops;
    }
    upstreams.push(up);
  }
  return upstreams;
}

function credentialOf(c: Obj, kind: 'apiKey' | 'bearer' | 'basic'): Credential {
  if (kind === 'apiKey') return { kind: 'apiKey', key: c.apiKey as string };
  if (kind === 'bearer') return { kind: 'bearer', token: c.bearer as string };
  const b = obj(c.basic);
  return { kind: 'basic', user: b.user as string, password: b.password as string };
}

function parseConsumers(p: Parsed): Consumer[] {
  const consumers: Consumer[] = [];
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(obj(p.raw.consumers))) {
    const c = obj(value);
    const given = (['apiKey', 'bearer', 'basic'] as const).filter((k) => c[k] !== undefined);
    if (given.length === 0) p.at(['consumers', name], 'no credential (give one of apiKey, bearer, basic)', true);
    if (given.length > 1) p.at(['consumers', name], `more than one credential (${given.join(', ')}); give exactly one`, true);
    const credential = credentialOf(c, given[0]);
    const fingerprint = JSON.stringify(credential);
    const twin = seen.get(fingerprint);
    if (twin) p.at(['consumers', name, given[0]], `same credential as consumer ${twin}`);
    seen.set(fingerprint, name);
    consumers.push({ name, valid: (c.valid as boolean | undefined) ?? true, credential });
  }
  return consumers;
}

async function parseTargets(p: Parsed): Promise<TargetSpec[]> {
  const targets: TargetSpec[] = [];
  for (const [name, value] of Object.entries(obj(p.raw.targets))) {
    if (!targetNames.includes(name)) p.at(['targets', name], `unknown target kind ${name} (known: ${targetNames.join(', ')})`, true);
    const t = obj(value);
    const hasConfig = typeof t.config === 'string';
    const render = t.render === true;
    if (hasConfig && render) p.at(['targets', name], 'give either config or render: true, not both', true);
    if (!hasConfig && !render) p.at(['targets', name], 'give config (your own file) or render: true', true);
    const target: TargetSpec = { name, render };
    if (hasConfig) {
      if (t.balance !== undefined) p.at(['targets', name, 'balance'], 'applies only to rendered configs (render: true)', true);
      target.config = await existingFile(p, ['targets', name, 'config'], t.config as string);
    }
    if (t.balance !== undefined) target.balance = t.balance as TargetSpec['balance'];
    if (t.image !== undefined) target.image = t.image as string;
    targets.push(target);
  }
  return targets;
}

/** What a check's section parser gets for the section at `base`. */
function sectionContext(p: Parsed, base: Path, consumers: Consumer[], upstreams: UpstreamSpec[]): SectionContext {
  return {
    fail: (place, detail, atKey) => p.at([...base, ...place], detail, atKey),
    duration: (place, value) => duration(p, [...base, ...place], value),
    file: (place, value) => existingFile(p, [...base, ...place], value),
    consumers,
    upstreams,
  };
}

/** Each check parses its own section of `policies:` (harness/checks/<name>/policy.ts). */
async function parsePolicies(p: Parsed, consumers: Consumer[], upstreams: UpstreamSpec[]): Promise<Policies> {
  const raw = obj(p.raw.policies);
  const policies: Record<string, unknown> = {};
  // In the order the suite writes them; `from` is not a check's.
  for (const check of Object.keys(raw).flatMap((k) => checks.filter((c) => c.name === k))) {
    policies[check.name] = await check.section.parse(obj(raw[check.name]), sectionContext(p, ['policies', check.name], consumers, upstreams));
  }
  return policies as Policies;
}

/** import.backends: a backend (Service) name -> an upstream of the suite and one of its versions. */
function parseBackends(p: Parsed, upstreams: UpstreamSpec[]): Record<string, BackendMapping> | undefined {
  const raw = obj(obj(p.raw.import).backends);
  if (!Object.keys(raw).length) return undefined;
  const out: Record<string, BackendMapping> = {};
  for (const [name, value] of Object.entries(raw)) {
    const b = obj(value);
    const up = upstreams.find((u) => u.name === b.upstream);
    if (!up) return p.at(['import', 'backends', name, 'upstream'], `no upstream named ${String(b.upstream)} (upstreams: ${upstreams.map((u) => u.name).join(', ')})`);
    if (!up.versions.includes(b.version as string)) p.at(['import', 'backends', name, 'version'], `upstream ${up.name} has no version ${String(b.version)} (versions: ${up.versions.join(', ')})`);
    out[name] = { upstream: up.name, version: b.version as string };
  }
  return out;
}

/**
 * Imported routes must reach the suite's versions, as its own routes must. A
 * route for a service the suite does not serve (a mesh file's productpage and
 * details beside the reviews the suite is about) is left out with a note.
 */
function keepImportedRoutes(p: Parsed, routes: Route[], upstreams: UpstreamSpec[], notes: ImportNote[]): Route[] {
  const kept: Route[] = [];
  for (const r of routes) {
    const up = upstreams.find((u) => u.name === r.to.upstream);
    if (!up) {
      notes.push({ source: 'policies.from', resource: r.origin.place, kind: 'unexpressed', message: `route ${r.name} sends to ${r.to.upstream}, which is not an upstream of the suite (upstreams: ${upstreams.map((u) => u.name).join(', ')}), so it is not checked; add it under upstreams, or map its backends under import.backends` });
      continue;
    }
    const unknown = Object.entries(r.to.weights).filter(([v, w]) => w > 0 && !up.versions.includes(v)).map(([v]) => v);
    if (unknown.length) p.at(['policies', 'from'], `imported route ${r.name} (${r.origin.place}) sends to versions ${unknown.join(', ')} that upstream ${up.name} does not have (versions: ${up.versions.join(', ')})`);
    kept.push(r);
  }
  return kept;
}

/** The suite's own routes win over imported ones (with a note); else the imported ones are the suite's. */
function chooseRoutes(own: Route[] | undefined, importedRoutes: Route[], imported: Suite['imported']): Route[] | undefined {
  if (!importedRoutes.length) return own;
  if (!own) return importedRoutes;
  imported?.notes.push({ source: 'suite', resource: 'routes', kind: 'info', message: `the suite's own routes: win; the ${importedRoutes.length} imported routes (${importedRoutes.map((r) => r.name).join(', ')}) are not used` });
  return own;
}

/** policies.from: Istio / Gateway API / Kong files imported as expectations; explicit policies win. */
async function importPolicies(p: Parsed, own: { policies: Policies; consumers: Consumer[]; upstreams: UpstreamSpec[] }): Promise<{ policies: Policies; consumers: Consumer[]; imported: NonNullable<Suite['imported']>; routes: Route[] }> {
  const from: string[] = [];
  for (const [i, f] of (obj(p.raw.policies).from as string[]).entries()) from.push(await existingFile(p, ['policies', 'from', i], f));
  const { upstreams } = own;
  const result = importAll(from, upstreams, parseBackends(p, upstreams));
  const applied = applyImported(own.policies, result);
  const merged = applied.policies;
  const consumers = mergeConsumers(own.consumers, result.consumers);
  const notes = applied.notes;
  // Imported expectations must fit the suite as explicit ones do.
  const canary = merged.canary;
  if (canary && canary !== own.policies.canary) {
    const up = upstreams.find((u) => u.name === canary.upstream);
    if (!up) {
      notes.push({ source: 'policies.from', resource: 'canary', kind: 'unexpressed', message: `the imported canary splits ${canary.upstream}, which is not an upstream of the suite (upstreams: ${upstreams.map((u) => u.name).join(', ')}), so it is not checked; add it under upstreams to check it` });
      delete merged.canary;
    } else {
      const unknown = Object.keys(canary.weights).filter((v) => !up.versions.includes(v));
      if (unknown.length) p.at(['policies', 'from'], `an imported canary names versions ${unknown.join(', ')} that upstream ${up.name} does not have (versions: ${up.versions.join(', ')})`);
    }
  }
  const known = (r: { upstream: string }) => upstreams.some((u) => u.name === r.upstream);
  for (const rule of merged.fault?.rules ?? []) {
    if (!known(rule)) notes.push({ source: 'policies.from', resource: 'fault', kind: 'unexpressed', message: `fault for host ${rule.upstream}: no upstream of that name in the suite` });
  }
  if (merged.fault) merged.fault = { rules: merged.fault.rules.filter(known) };
  if (merged.fault && !merged.fault.rules.length) delete merged.fault;
  if (merged.retry && !merged.retry.on.length) delete merged.retry;
  if ((merged.auth || merged.rateLimit?.by === 'consumer') && !consumers.some((c) => c.valid)) {
    p.at(['policies', 'from'], 'an imported auth or per-consumer rate limit needs at least one consumer with a valid credential (under consumers:)');
  }
  return { policies: merged, consumers, imported: { from, notes }, routes: keepImportedRoutes(p, result.routes, upstreams, notes) };
}

/** The routing check gets the routes; its settings (policies.routing) keep their defaults unless the suite sets them. */
function withRoutes(p: Parsed, policies: Policies, routes: Route[]): Policies {
  const settings = policies.routing ?? (checks.find((c) => c.name === 'routing')?.section.parse({}, sectionContext(p, ['policies', 'routing'], [], [])) as Policies['routing']);
  return settings ? { ...policies, routing: { ...settings, routes } } : policies;
}

/**
 * Load and check a suite file. Paths in the result are absolute, durations in
 * milliseconds, defaults filled in. Throws InputError(file, 'line N', detail).
 */
export async function loadSuite(file: string): Promise<Suite> {
  return suiteOf(await (MODULE_SUITE.test(file) ? moduleDocument(file) : readDocument(file)));
}

/** Suite files that are modules exporting the suite (defineSuite) rather than YAML. */
const MODULE_SUITE = /\.(m?ts|m?js)$/;

/**
 * A suite given as data, as a .ts suite exports it (defineSuite's value). `file`
 * names it in errors and anchors its relative paths (spec, configs).
 */
export async function loadSuiteData(data: unknown, file: string): Promise<Suite> {
  return suiteOf(dataDocument(file, data));
}

async function suiteOf(p: Parsed): Promise<Suite> {
  const { spec, specOptions } = await parseSpecRef(p);
  const upstreams = parseUpstreams(p);
  const consumers = parseConsumers(p);
  const targets = await parseTargets(p);
  let policies = await parsePolicies(p, consumers, upstreams);
  let allConsumers = consumers;
  let imported: Suite['imported'];
  let importedRoutes: Route[] = [];
  if (Array.isArray(obj(p.raw.policies).from)) ({ policies, consumers: allConsumers, imported, routes: importedRoutes } = await importPolicies(p, { policies, consumers, upstreams }));
  else if (obj(p.raw.import).backends !== undefined) p.at(['import', 'backends'], 'maps the backends of imported resources, but the suite imports none (policies.from)', true);
  const own = Array.isArray(p.raw.routes) ? await parseRoutes({ file: p.file, at: p.at, section: (base) => sectionContext(p, base, consumers, upstreams), checks, upstreams }, p.raw.routes) : undefined;
  const routes = chooseRoutes(own, importedRoutes, imported);
  if (routes) policies = withRoutes(p, policies, routes);
  else if (policies.routing) p.at(['policies', 'routing'], 'the suite has no routes to check (add routes:, or import them with policies.from)', true);
  if (!Object.keys(policies).length && !routes) p.at(['policies'], `configures no policy and no route, so nothing would be checked: set one of ${checks.filter((c) => c.name !== 'routing').map((c) => c.name).join(', ')}, add routes, or import them with policies.from`, true);
  const suite: Suite = { file: p.file, dir: p.dir, name: p.raw.name as string, spec, upstreams, consumers: allConsumers, targets, policies };
  if (specOptions) suite.specOptions = specOptions;
  if (routes) suite.routes = routes;
  if (imported) suite.imported = imported;
  // import.strict: a field the import leaves not checked fails the suite, as --strict does (suite/strict.ts).
  const notChecked = obj(p.raw.import).strict === true ? notCheckedDetail(imported?.notes ?? []) : undefined;
  if (notChecked) p.at(['import', 'strict'], notChecked);
  if (p.raw.load !== undefined) suite.load = parseLoad(p.file, obj(p.raw.load), (path, v) => duration(p, path, v), p.at, allConsumers, policies);
  return suite;
}

/** The `load:` section; thresholds go through the k6 grammar (InputError naming the file and the expression). */
function parseLoad(file: string, l: Obj, duration: (path: Path, value: string) => number, at: (path: Path, detail: string, key?: boolean) => never, consumers: Consumer[], policies: Policies): LoadConfig {
  const scenarios: LoadScenario[] = [];
  for (const [name, value] of Object.entries(obj(l.scenarios))) {
    const s = obj(value);
    const base: Path = ['load', 'scenarios', name];
    const sc: LoadScenario = { name, executor: s.executor as LoadScenario['executor'], timeUnitMs: s.timeUnit !== undefined ? duration([...base, 'timeUnit'], s.timeUnit as string) : 1000 };
    const need = (k: string) => {
      if (s[k] === undefined) at(base, `executor ${sc.executor} needs ${k}`, true);
    };
    const forbid = (...ks: string[]) => {
      for (const k of ks) if (s[k] !== undefined) at([...base, k], `does not apply to executor ${sc.executor}`, true);
    };
    if (sc.executor === 'constant-arrival-rate') {
      need('rate');
      need('duration');
      forbid('vus', 'stages', 'startRate');
      sc.rate = s.rate as number;
    } else if (sc.executor === 'ramping-arrival-rate') {
      need('stages');
      forbid('vus', 'rate', 'duration');
      sc.startRate = (s.startRate as number | undefined) ?? 0;
      sc.stages = (s.stages as Obj[]).map((st, i) => ({ target: st.target as number, durationMs: duration([...base, 'stages', i, 'duration'], st.duration as string) }));
    } else {
      need('duration');
      forbid('rate', 'stages', 'startRate', 'preAllocatedVUs', 'maxVUs', 'timeUnit');
      sc.vus = (s.vus as number | undefined) ?? 1;
    }
    if (s.duration !== undefined) sc.durationMs = duration([...base, 'duration'], s.duration as string);
    if (s.preAllocatedVUs !== undefined) sc.preAllocatedVUs = s.preAllocatedVUs as number;
    if (s.maxVUs !== undefined) sc.maxVUs = s.maxVUs as number;
    if (sc.preAllocatedVUs !== undefined && sc.maxVUs !== undefined && sc.maxVUs < sc.preAllocatedVUs) at([...base, 'maxVUs'], `must be at least preAllocatedVUs (${sc.preAllocatedVUs})`);
    if (Array.isArray(s.operations)) sc.operations = Object.fromEntries((s.operations as string[]).map((o) => [o, 1]));
    else if (s.operations !== undefined) sc.operations = { ...(s.operations as Record<string, number>) };
    if (s.consumers !== undefined) {
      (s.consumers as string[]).forEach((c, i) => {
        if (!consumers.some((x) => x.name === c)) at([...base, 'consumers', i], `no consumer named ${c} (consumers: ${consumers.map((x) => x.name).join(', ') || 'none'})`);
      });
      sc.consumers = s.consumers as string[];
    }
    scenarios.push(sc);
  }
  const wanted = l.policies as LoadConfig['policies'] | undefined;
  for (const [i, p] of (wanted ?? []).entries()) if (!policies[p]) at(['load', 'policies', i], `the suite sets no ${p} policy`);
  const out: LoadConfig = {
    scenarios,
    thresholds: parseThresholds(file, l.thresholds),
    warmupMs: l.warmup !== undefined ? duration(['load', 'warmup'], l.warmup as string) : 1000,
    timeoutMs: l.timeout !== undefined ? duration(['load', 'timeout'], l.timeout as string) : 10_000,
    overhead: (l.overhead as boolean | undefined) ?? true,
  };
  if (wanted) out.policies = wanted;
  return out;
}
