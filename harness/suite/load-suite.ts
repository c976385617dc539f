// Reads a *.suite.yaml file into the Suite model. Every problem is an
// InputError naming the file and the YAML line of the offending node:
//   suites/x.suite.yaml:line 12: policies.retry.attempts must be integer

import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, isMap, isSeq, isScalar, isPair, parseDocument, type Document, type Node } from 'yaml';
import { InputError, oneLine } from '../model/errors.ts';
import { parseDuration } from '../model/duration.ts';
import type { HttpMethod } from '../model/spec.ts';
import { suiteSchema } from './suite-schema.ts';
import { parseThresholds } from '../load/thresholds.ts';
import { applyImported, importAll, mergeConsumers } from '../policy/import.ts';
import type {
  AuthPolicy,
  CanaryPolicy,
  Consumer,
  FaultPolicy, FaultRule, TransformPolicy, TimeoutPolicy,
  ContractPolicy,
  Credential,
  JwtSettings,
  LoadConfig,
  LoadScenario,
  Policies,
  RateLimitPolicy,
  RetryPolicy,
  Suite,
  TargetSpec,
  UpstreamSpec,
} from '../model/suite.ts';

/** Target kinds this build knows; the targets registry may pass its own list. */
export const KNOWN_TARGETS: readonly string[] = ['nginx', 'haproxy', 'kong', 'envoy'];

export interface LoadSuiteOptions {
  /** Target kinds accepted under `targets:`. Default KNOWN_TARGETS. */
  knownTargets?: readonly string[];
}

type Path = (string | number)[];


let compiled: ReturnType<Ajv['compile']> | undefined;
function validator(): ReturnType<Ajv['compile']> {
  compiled ??= new Ajv({ allErrors: true, strict: true, verbose: true }).compile(suiteSchema);
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

/**
 * Load and check a suite file. Paths in the result are absolute, durations in
 * milliseconds, defaults filled in. Throws InputError(file, 'line N', detail).
 */
export async function loadSuite(file: string, options: LoadSuiteOptions = {}): Promise<Suite> {
  const knownTargets = options.knownTargets ?? KNOWN_TARGETS;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(file, undefined, `cannot read: ${oneLine(err)}`);
  }

  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const fail = (line: number, detail: string): never => {
    throw new InputError(file, `line ${line}`, detail);
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    fail(lc.linePos(e.pos[0]).line, `YAML syntax: ${oneLine(e.message)}`);
  }
  const loc = new Locator(doc, lc);
  const at = (path: Path, detail: string, key = false): never => fail(loc.line(path, key), `${showPath(path)}: ${detail}`);

  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) throw new InputError(file, undefined, 'the suite is empty');
  const validate = validator();
  if (!validate(data)) {
    // A misspelt key also makes a required one missing: name the misspelling.
    const errors = validate.errors!;
    const d = describe(errors.find((e) => e.keyword === 'additionalProperties') ?? errors[0]);
    fail(loc.line(d.path, d.key), d.detail);
  }
  const raw = data as Obj;

  const absFile = resolve(file);
  const dir = dirname(absFile);
  const rel = (p: string): string => resolve(dir, p);

  // spec
  const spec = rel(raw.spec as string);
  const specProblem = await fileProblem(spec);
  if (specProblem) at(['spec'], `${specProblem}: ${raw.spec as string}`);

  // upstreams
  const upstreams: UpstreamSpec[] = [];
  const claimedBy = new Map<string, string>();
  for (const [name, value] of Object.entries(obj(raw.upstreams))) {
    const u = obj(value);
    const up: UpstreamSpec = {
      name,
      versions: (u.versions as string[] | undefined) ?? ['v1'],
      replicas: (u.replicas as number | undefined) ?? 1,
    };
    if (u.operations) {
      const ops = u.operations as string[];
      ops.forEach((op, i) => {
        const other = claimedBy.get(op);
        if (other) at(['upstreams', name, 'operations', i], `${op} is already served by upstream ${other}`);
        claimedBy.set(op, name);
      });
      up.operations = ops;
    }
    upstreams.push(up);
  }

  // consumers
  const consumers: Consumer[] = [];
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(obj(raw.consumers))) {
    const c = obj(value);
    const given = (['apiKey', 'bearer', 'basic'] as const).filter((k) => c[k] !== undefined);
    if (given.length === 0) at(['consumers', name], 'no credential (give one of apiKey, bearer, basic)', true);
    if (given.length > 1) at(['consumers', name], `more than one credential (${given.join(', ')}); give exactly one`, true);
    let credential: Credential;
    if (given[0] === 'apiKey') credential = { kind: 'apiKey', key: c.apiKey as string };
    else if (given[0] === 'bearer') credential = { kind: 'bearer', token: c.bearer as string };
    else {
      const b = obj(c.basic);
      credential = { kind: 'basic', user: b.user as string, password: b.password as string };
    }
    const fingerprint = JSON.stringify(credential);
    const twin = seen.get(fingerprint);
    if (twin) at(['consumers', name, given[0]], `same credential as consumer ${twin}`);
    seen.set(fingerprint, name);
    consumers.push({ name, valid: (c.valid as boolean | undefined) ?? true, credential });
  }

  // targets
  const targets: TargetSpec[] = [];
  for (const [name, value] of Object.entries(obj(raw.targets))) {
    if (!knownTargets.includes(name)) at(['targets', name], `unknown target kind ${name} (known: ${knownTargets.join(', ')})`, true);
    const t = obj(value);
    const hasConfig = typeof t.config === 'string';
    const render = t.render === true;
    if (hasConfig && render) at(['targets', name], 'give either config or render: true, not both', true);
    if (!hasConfig && !render) at(['targets', name], 'give config (your own file) or render: true', true);
    const target: TargetSpec = { name, render };
    if (hasConfig) {
      if (t.balance !== undefined) at(['targets', name, 'balance'], 'applies only to rendered configs (render: true)', true);
      target.config = rel(t.config as string);
      const problem = await fileProblem(target.config);
      if (problem) at(['targets', name, 'config'], `${problem}: ${t.config as string}`);
    }
    if (t.balance !== undefined) target.balance = t.balance as TargetSpec['balance'];
    if (t.image !== undefined) target.image = t.image as string;
    targets.push(target);
  }

  // policies
  const p = obj(raw.policies);
  const policies: Policies = {};
  const duration = (path: Path, value: string): number => {
    const ms = parseDuration(value);
    return ms ?? at(path, `bad duration '${value}' (use e.g. 500ms, 1s, 2m)`);
  };

  const noValidConsumer = !consumers.some((c) => c.valid);
  if (p.auth) {
    if (noValidConsumer) at(['policies', 'auth'], 'needs at least one consumer with a valid credential (under consumers:)', true);
    const a = obj(p.auth);
    const auth: AuthPolicy = { reject: (a.reject as number[] | undefined) ?? [401, 403] };
    if (a.scheme !== undefined) auth.scheme = a.scheme as string;
    if (a.jwt) {
      const j = obj(a.jwt);
      const jwt: JwtSettings = { alg: j.alg as JwtSettings['alg'] };
      const base: Path = ['policies', 'auth', 'jwt'];
      if (jwt.alg === 'RS256') {
        if (j.jwks === undefined) at(base, 'RS256 needs jwks (a JWKS file)', true);
        if (j.secret !== undefined) at([...base, 'secret'], 'applies only to HS256', true);
        jwt.jwks = rel(j.jwks as string);
        const problem = await fileProblem(jwt.jwks);
        if (problem) at([...base, 'jwks'], `${problem}: ${j.jwks as string}`);
      } else {
        if (j.secret === undefined) at(base, 'HS256 needs secret (the shared secret)', true);
        if (j.jwks !== undefined) at([...base, 'jwks'], 'applies only to RS256', true);
        jwt.secret = j.secret as string;
      }
      if (j.issuer !== undefined) jwt.issuer = j.issuer as string;
      auth.jwt = jwt;
    }
    policies.auth = auth;
  }

  if (p.rateLimit) {
    const r = obj(p.rateLimit);
    if (r.by === 'consumer' && noValidConsumer) at(['policies', 'rateLimit', 'by'], 'consumer needs at least one consumer with a valid credential (under consumers:)');
    const rateLimit: RateLimitPolicy = {
      limit: r.limit as number,
      windowMs: duration(['policies', 'rateLimit', 'window'], r.window as string),
      by: r.by as RateLimitPolicy['by'],
    };
    if (r.operations) rateLimit.operations = r.operations as string[];
    if (r.redis) rateLimit.redis = { ...(r.redis as NonNullable<RateLimitPolicy['redis']>) };
    policies.rateLimit = rateLimit;
  }

  if (p.retry) {
    const r = obj(p.retry);
    const retry: RetryPolicy = {
      attempts: r.attempts as number,
      on: r.on as number[],
      methods: (r.methods as HttpMethod[] | undefined) ?? ['GET'],
    };
    if (r.perTryTimeout !== undefined) retry.perTryTimeoutMs = duration(['policies', 'retry', 'perTryTimeout'], r.perTryTimeout as string);
    policies.retry = retry;
  }

  if (p.canary) {
    const c = obj(p.canary);
    const base: Path = ['policies', 'canary'];
    const upstream = upstreams.find((u) => u.name === c.upstream);
    if (!upstream) at([...base, 'upstream'], `no upstream named ${c.upstream as string} (upstreams: ${upstreams.map((u) => u.name).join(', ')})`);
    const weights = obj(c.weights) as Record<string, number>;
    for (const version of Object.keys(weights)) {
      if (!upstream!.versions.includes(version)) {
        at([...base, 'weights', version], `upstream ${upstream!.name} has no version ${version} (versions: ${upstream!.versions.join(', ')})`, true);
      }
    }
    if (!Object.values(weights).some((w) => w > 0)) at([...base, 'weights'], 'at least one weight must be positive');
    const canary: CanaryPolicy = {
      upstream: upstream!.name,
      weights: { ...weights },
      tolerance: c.tolerance as number,
      alpha: (c.alpha as number | undefined) ?? 1e-4,
      maxRequests: (c.maxRequests as number | undefined) ?? 6400,
    };
    policies.canary = canary;
  }

  if ('contract' in p) {
    const c = obj(p.contract);
    const contract: ContractPolicy = {};
    if (c.operations) contract.operations = c.operations as string[];
    policies.contract = contract;
  }

  if (p.fault) {
    const f = obj(p.fault);
    const rules = (f.rules as Obj[]).map((r, i) => {
      if (!upstreams.some((u) => u.name === r.upstream)) at(['policies', 'fault', 'rules', i, 'upstream'], `no upstream named ${r.upstream as string}`);
      if (r.abort === undefined && r.delay === undefined) at(['policies', 'fault', 'rules', i], 'give abort, delay or both');
      const rule: FaultRule = {
        upstream: r.upstream as string,
        headers: ((r.headers as Obj[] | undefined) ?? []).map((h) => ({ ...(h as { name: string }), name: String(h.name).toLowerCase() })),
      };
      if (r.abort !== undefined) {
        const abort = obj(r.abort);
        rule.abort = { status: abort.status as number, percent: (abort.percent as number | undefined) ?? 100 };
      }
      if (r.delay !== undefined) {
        const delay = obj(r.delay);
        const where = ['policies', 'fault', 'rules', i, 'delay', 'fixedDelay'];
        const fixedDelayMs = duration(where, delay.fixedDelay as string);
        if (fixedDelayMs > 30_000) at(where, `${delay.fixedDelay as string} is over 30s`);
        rule.delay = { fixedDelayMs, percent: (delay.percent as number | undefined) ?? 100 };
      }
      return rule;
    });
    policies.fault = { rules } satisfies FaultPolicy;
  }

  if (p.transform) {
    const req = obj(obj(p.transform).request);
    const set = (req.setHeaders as Record<string, string> | undefined) ?? {};
    const remove = (req.removeHeaders as string[] | undefined) ?? [];
    const clash = remove.find((h) => Object.keys(set).some((k) => k.toLowerCase() === h.toLowerCase()));
    if (clash) at(['policies', 'transform', 'request', 'removeHeaders', remove.indexOf(clash)], `${clash} is both set and removed`);
    policies.transform = { setHeaders: { ...set }, removeHeaders: [...remove] } satisfies TransformPolicy;
  }

  if (p.timeout) {
    const t = obj(p.timeout);
    const requestMs = duration(['policies', 'timeout', 'request'], t.request as string);
    // Bounded so the check's slow upstream (a little past the timeout) stays short.
    if (requestMs < 100 || requestMs > 30_000) at(['policies', 'timeout', 'request'], `${t.request as string} is outside 100ms..30s`);
    policies.timeout = { requestMs, status: (t.status as number[] | undefined) ?? [504] } satisfies TimeoutPolicy;
  }

  // policies.from: Istio / Gateway API / Kong files imported as expectations; explicit policies win.
  let imported: Suite['imported'];
  let allConsumers = consumers;
  let merged = policies;
  if (Array.isArray(p.from)) {
    const from: string[] = [];
    for (const [i, f] of (p.from as string[]).entries()) {
      const abs = rel(f);
      const problem = await fileProblem(abs);
      if (problem) at(['policies', 'from', i], `${problem}: ${f}`);
      from.push(abs);
    }
    const result = importAll(from, upstreams);
    const applied = applyImported(policies, result);
    merged = applied.policies;
    allConsumers = mergeConsumers(consumers, result.consumers);
    imported = { from, notes: applied.notes };
    // Imported expectations must fit the suite as explicit ones do.
    const canary = merged.canary;
    if (canary && canary !== policies.canary) {
      const up = upstreams.find((u) => u.name === canary.upstream);
      if (!up) at(['policies', 'from'], `an imported canary splits ${canary.upstream}, which is not an upstream of the suite (upstreams: ${upstreams.map((u) => u.name).join(', ')})`);
      const unknown = Object.keys(canary.weights).filter((v) => !up!.versions.includes(v));
      if (unknown.length) at(['policies', 'from'], `an imported canary names versions ${unknown.join(', ')} that upstream ${up!.name} does not have (versions: ${up!.versions.join(', ')})`);
    }
    for (const rule of merged.fault?.rules ?? []) {
      if (!upstreams.some((u) => u.name === rule.upstream)) {
        imported.notes.push({ source: 'policies.from', resource: 'fault', kind: 'unexpressed', message: `fault for host ${rule.upstream}: no upstream of that name in the suite` });
      }
    }
    if (merged.fault) merged.fault = { rules: merged.fault.rules.filter((r) => upstreams.some((u) => u.name === r.upstream)) };
    if (merged.fault && !merged.fault.rules.length) delete merged.fault;
    if (merged.retry && !merged.retry.on.length) delete merged.retry;
    if ((merged.auth || merged.rateLimit?.by === 'consumer') && !allConsumers.some((c) => c.valid)) {
      at(['policies', 'from'], 'an imported auth or per-consumer rate limit needs at least one consumer with a valid credential (under consumers:)');
    }
  }

  const suite: Suite = { file: absFile, dir, name: raw.name as string, spec, upstreams, consumers: allConsumers, targets, policies: merged };
  if (imported) suite.imported = imported;
  if (raw.load !== undefined) suite.load = parseLoad(absFile, obj(raw.load), duration, at, allConsumers, merged);
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
