// protoc-gen-validate (PGV) rules, enforced as Envoy enforces them: every
// Envoy API message is checked against the `(validate.rules)` and
// `(validate.required)` annotations of its .proto (Envoy runs the generated
// C++ validators through MessageUtil::validate, source/common/protobuf/utility.h;
// typed_config messages are checked when their factory unpacks them).
//
// The rules are read from protobufjs' `parsedOptions` (the flattened
// `options` map is lossy: `duration {required, gt {}}` shows only `required`).
// Semantics follow PGV v1.0.4 (what Envoy 1.34 pins, api/bazel/repository_locations.bzl),
// templates/cc/*.go and module/checker.go of github.com/bufbuild/protoc-gen-validate:
//  - proto3 scalars carry no presence: a field's rules apply to its default
//    ("" / 0 / false / first enum value) when the JSON leaves it out, so an
//    absent Cluster.name fails `min_len: 1` as an empty one does;
//  - a oneof member (and a proto3 `optional`) is checked only when set;
//    `(validate.required)` on a oneof wants one member set;
//  - message, Duration, Any and wrapper fields: `required` wants them set, the
//    other rules apply only when set (a wrapper's rules to the wrapped value);
//  - numbers: const, lt/lte/gt/gte (lower bound above the upper one means
//    "outside the range", as ltgt.go), in/not_in, ignore_empty;
//  - strings: const, len/min_len/max_len in code points, len_bytes/min_bytes/
//    max_bytes, prefix/suffix/contains/not_contains, pattern (full match),
//    in/not_in, well_known_regex HTTP_HEADER_NAME / HTTP_HEADER_VALUE (strict
//    unless `strict: false`, module/checker.go), ignore_empty;
//  - bytes: len/min_len/max_len; bool: const; enum: const, in/not_in, defined_only;
//  - repeated: min_items/max_items, unique, items; map: min_pairs/max_pairs, keys, values;
//  - message-level (validate.disabled)/(validate.ignored) and field-level message.skip.
// Not enforced (C++ PGV leaves them unimplemented or the Envoy protos do not use
// them): string ip/ipv4/ipv6/hostname/address/uri/email/uuid, Timestamp rules.

import protobuf from 'protobufjs';

type R = Record<string, any>;
export type Report = (path: string, message: string) => void;

/** PGV's well-known regexes (module/checker.go, v1.0.4). */
const HEADER_NAME = /^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$/;
const HEADER_VALUE = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const HEADER_STRING = /^[^\u0000\u000A\u000D]*$/;

const NUMBER_RULES = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'double', 'float']);
/** The protobuf wrapper types and the scalar each wraps (the validator reads them as their scalar too). */
export const WRAPPED: Record<string, string> = {
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.BytesValue': 'bytes',
};

function optionList(o: protobuf.ReflectionObject): R[] {
  return ((o as unknown as { parsedOptions?: R[] }).parsedOptions ?? []) as R[];
}

const rulesCache = new WeakMap<protobuf.Field, R | null>();

/** A field's `(validate.rules)`, merged over its parsedOptions entries; undefined when it has none. */
export function fieldRules(f: protobuf.Field): R | undefined {
  const cached = rulesCache.get(f);
  if (cached !== undefined) return cached ?? undefined;
  let r: R | null = null;
  for (const o of optionList(f)) if (o['(validate.rules)']) r = { ...(r ?? {}), ...o['(validate.rules)'] };
  rulesCache.set(f, r);
  return r ?? undefined;
}

function oneofRequired(o: protobuf.OneOf): boolean {
  return optionList(o).some((x) => x['(validate.required)'] === true) || (o.options as R | undefined)?.['(validate.required)'] === true;
}

/** Message-level `(validate.disabled)` or `(validate.ignored)`: no rule of it is checked. */
export function rulesDisabled(t: protobuf.Type): boolean {
  return optionList(t).some((x) => x['(validate.disabled)'] === true || x['(validate.ignored)'] === true);
}

/** A rule's number: protobufjs gives a number, a Long or a string. */
function n(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (v && typeof v === 'object' && 'low' in v) return Number(String(v));
  return Number(v);
}

/** A Duration rule ({seconds, nanos}; `{}` is zero) in nanoseconds. */
function ruleNanos(v: R): number {
  return n(v.seconds ?? 0) * 1e9 + n(v.nanos ?? 0);
}

/** A JSON Duration ("1.5s", "-2s") in nanoseconds; undefined when malformed (reported elsewhere). */
export function durationNanos(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!m) return undefined;
  const ns = Number(m[2]) * 1e9 + Number((m[3] ?? '').padEnd(9, '0') || '0');
  return m[1] ? -ns : ns;
}

function durationText(ns: number): string {
  return `${ns / 1e9}s`;
}

/**
 * PGV's lt/lte/gt/gte (templates/cc/ltgt.go, duration.go): the problem, or
 * undefined. With both bounds and the upper above the lower the value must be
 * inside; otherwise outside.
 */
export function rangeProblem(x: number, r: R, num: (v: unknown) => number, show: (v: number) => string): string | undefined {
  const lt = r.lt !== undefined ? num(r.lt) : undefined;
  const lte = r.lte !== undefined ? num(r.lte) : undefined;
  const gt = r.gt !== undefined ? num(r.gt) : undefined;
  const gte = r.gte !== undefined ? num(r.gte) : undefined;
  const hi = lt ?? lte;
  const lo = gt ?? gte;
  const belowHi = hi === undefined || (lt !== undefined ? x < lt : x <= hi);
  const aboveLo = lo === undefined || (gt !== undefined ? x > gt : x >= lo);
  const lower = lo === undefined ? '' : gt !== undefined ? `> ${show(lo)}` : `>= ${show(lo)}`;
  const upper = hi === undefined ? '' : lt !== undefined ? `< ${show(hi)}` : `<= ${show(hi)}`;
  if (hi !== undefined && lo !== undefined && hi <= lo) {
    return belowHi || aboveLo ? undefined : `value must be outside the range: ${upper} or ${lower}`;
  }
  if (belowHi && aboveLo) return undefined;
  return `value must be ${[lower, upper].filter(Boolean).join(' and ')}`;
}

function inProblem(x: unknown, r: R, norm: (v: unknown) => unknown = (v) => v): string | undefined {
  const list = (k: 'in' | 'not_in') => (Array.isArray(r[k]) ? r[k] : r[k] !== undefined ? [r[k]] : []).map(norm);
  const inList = list('in');
  if (inList.length && !inList.includes(x)) return `value must be in list ${JSON.stringify(inList)}`;
  const notIn = list('not_in');
  if (notIn.includes(x)) return `value must not be in list ${JSON.stringify(notIn)}`;
  return undefined;
}

function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The string rules of PGV templates/cc/string.go and the well-known regexes of module/checker.go. */
export function stringProblems(s: string, r: R): string[] {
  if (r.ignore_empty && s === '') return [];
  const out: string[] = [];
  const chars = [...s].length;
  const bytes = utf8Bytes(s);
  if (r.const !== undefined && s !== r.const) out.push(`value must equal ${JSON.stringify(r.const)}`);
  const inP = inProblem(s, r);
  if (inP) out.push(inP);
  if (r.len !== undefined && chars !== n(r.len)) out.push(`value length must be ${n(r.len)} characters`);
  if (r.min_len !== undefined && chars < n(r.min_len)) out.push(`value length must be at least ${n(r.min_len)} characters`);
  if (r.max_len !== undefined && chars > n(r.max_len)) out.push(`value length must be at most ${n(r.max_len)} characters`);
  if (r.len_bytes !== undefined && bytes !== n(r.len_bytes)) out.push(`value length must be ${n(r.len_bytes)} bytes`);
  if (r.min_bytes !== undefined && bytes < n(r.min_bytes)) out.push(`value length must be at least ${n(r.min_bytes)} bytes`);
  if (r.max_bytes !== undefined && bytes > n(r.max_bytes)) out.push(`value length must be at most ${n(r.max_bytes)} bytes`);
  if (r.prefix !== undefined && !s.startsWith(r.prefix)) out.push(`value does not have prefix ${JSON.stringify(r.prefix)}`);
  if (r.suffix !== undefined && !s.endsWith(r.suffix)) out.push(`value does not have suffix ${JSON.stringify(r.suffix)}`);
  if (r.contains !== undefined && !s.includes(r.contains)) out.push(`value does not contain substring ${JSON.stringify(r.contains)}`);
  if (r.not_contains !== undefined && s.includes(r.not_contains)) out.push(`value contains substring ${JSON.stringify(r.not_contains)}`);
  // RE2 FullMatch; the patterns in Envoy's protos read the same to JavaScript.
  if (r.pattern !== undefined && !new RegExp(`^(?:${r.pattern})$`).test(s)) out.push(`value does not match regex pattern ${JSON.stringify(r.pattern)}`);
  const known = wellKnown(r);
  if (known && !known.re.test(s)) out.push(`value must be ${known.what}`);
  return out;
}

function wellKnown(r: R): { re: RegExp; what: string } | undefined {
  const kind = r.well_known_regex;
  if (kind !== 'HTTP_HEADER_NAME' && kind !== 'HTTP_HEADER_VALUE' && kind !== 1 && kind !== 2) return undefined;
  const name = kind === 'HTTP_HEADER_NAME' || kind === 1;
  if (r.strict === false) return { re: HEADER_STRING, what: `a ${name ? 'header name' : 'header value'} without NUL, CR or LF (PGV well_known_regex ${name ? 'HTTP_HEADER_NAME' : 'HTTP_HEADER_VALUE'}, strict: false)` };
  return name
    ? { re: HEADER_NAME, what: 'a valid HTTP header name (PGV well_known_regex HTTP_HEADER_NAME, strict)' }
    : { re: HEADER_VALUE, what: 'a valid HTTP header value (PGV well_known_regex HTTP_HEADER_VALUE, strict)' };
}

function numberProblems(x: number, r: R): string[] {
  if (r.ignore_empty && x === 0) return [];
  const out: string[] = [];
  if (r.const !== undefined && x !== n(r.const)) out.push(`value must equal ${n(r.const)}`);
  const range = rangeProblem(x, r, n, String);
  if (range) out.push(range);
  const inP = inProblem(x, r, n);
  if (inP) out.push(inP);
  return out;
}

/** Checks one JSON message against the PGV rules of its type's fields and oneofs. */
export class PgvChecker {
  constructor(private readonly report: Report) {}

  /** The rules of every field of `type` on `value` (absent scalars at their default), and its required oneofs. */
  message(value: R, type: protobuf.Type, p: string): void {
    if (rulesDisabled(type)) return;
    for (const f of type.fieldsArray) {
      const v = valueOf(value, f);
      // A oneof member (proto3 `optional` included) is validated only when set.
      if (f.partOf && v === undefined) continue;
      const rules = fieldRules(f);
      if (rules) this.field(v, f, rules, `${p}.${f.name}`, fullName(type));
    }
    for (const o of type.oneofsArray) {
      if (!oneofRequired(o) || o.fieldsArray.some((f) => valueOf(value, f) !== undefined)) continue;
      this.report(p, `oneof ${o.name} is required: set one of ${o.fieldsArray.map((f) => f.name).join(', ')} (PGV (validate.required) on ${fullName(type)}.${o.name})`);
    }
  }

  private bad(p: string, problem: string, where: string): void {
    this.report(p, `${problem} (PGV rule on ${where})`);
  }

  private field(v: unknown, f: protobuf.Field, rules: R, p: string, owner: string): void {
    const where = `${owner}.${f.name}`;
    if (f.map) return this.map(v, f, rules.map, p, where);
    if (f.repeated) return this.repeated(v, f, rules.repeated, p, where);
    this.single(v, f, rules, p, where);
  }

  /** One value of the field's type (an element, for repeated and map fields); undefined = absent. */
  private single(v: unknown, f: protobuf.Field, rules: R, p: string, where: string): void {
    const t = f.resolvedType;
    if (t instanceof protobuf.Type) return this.messageValue(v, t, rules, p, where);
    if (t instanceof protobuf.Enum) return this.enumValue(v ?? 0, t, rules.enum, p, where);
    this.scalar(v, f.type, rules, p, where);
  }

  private messageValue(v: unknown, t: protobuf.Type, rules: R, p: string, where: string): void {
    const name = fullName(t);
    const required = rules.message?.required === true || rules.duration?.required === true || rules.any?.required === true || rules.timestamp?.required === true;
    if (v === undefined) {
      if (required) this.bad(p, 'value is required', where);
      return;
    }
    if (name === 'google.protobuf.Duration' && rules.duration) return this.duration(v, rules.duration, p, where);
    if (name === 'google.protobuf.Any' && rules.any) {
      const url = (v as R)?.['@type'];
      const problem = inProblem(url, rules.any);
      if (problem) this.bad(p, `type URL: ${problem}`, where);
      return;
    }
    if (WRAPPED[name]) this.scalar(v, WRAPPED[name], rules, p, where);
  }

  private duration(v: unknown, r: R, p: string, where: string): void {
    const ns = durationNanos(v);
    if (ns === undefined) return;
    const problems: string[] = [];
    if (r.const !== undefined && ns !== ruleNanos(r.const)) problems.push(`value must equal ${durationText(ruleNanos(r.const))}`);
    const range = rangeProblem(ns, r, (x) => ruleNanos(x as R), durationText);
    if (range) problems.push(range);
    const inP = inProblem(ns, r, (x) => ruleNanos(x as R));
    if (inP) problems.push(inP);
    for (const problem of problems) this.bad(p, problem, where);
  }

  private enumValue(v: unknown, t: protobuf.Enum, r: R | undefined, p: string, where: string): void {
    if (!r) return;
    const x = typeof v === 'string' ? t.values[v] : typeof v === 'number' ? v : undefined;
    if (x === undefined) return;
    const problems: string[] = [];
    if (r.const !== undefined && x !== n(r.const)) problems.push(`value must equal ${n(r.const)}`);
    const inP = inProblem(x, r, n);
    if (inP) problems.push(inP);
    if (r.defined_only && !Object.values(t.values).includes(x)) problems.push(`value must be one of the defined enum values of ${fullName(t)}`);
    for (const problem of problems) this.bad(p, problem, where);
  }

  private scalar(v: unknown, type: string, rules: R, p: string, where: string): void {
    const r = rules[type];
    if (!r) return;
    let problems: string[] = [];
    if (NUMBER_RULES.has(type)) {
      const x = v === undefined ? 0 : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
      if (typeof x === 'number') problems = numberProblems(x, r);
    } else if (type === 'string') {
      if (v === undefined || typeof v === 'string') problems = stringProblems(v ?? '', r);
    } else if (type === 'bytes') {
      if (v === undefined || typeof v === 'string') problems = bytesProblems(Buffer.from(v ?? '', 'base64').length, r);
    } else if (type === 'bool' && r.const !== undefined && (v ?? false) !== r.const) {
      problems = [`value must equal ${String(r.const)}`];
    }
    for (const problem of problems) this.bad(p, problem, where);
  }

  private repeated(v: unknown, f: protobuf.Field, r: R | undefined, p: string, where: string): void {
    if (!r) return;
    const list = v === undefined ? [] : v;
    if (!Array.isArray(list) || (r.ignore_empty && list.length === 0)) return;
    if (r.min_items !== undefined && list.length < n(r.min_items)) this.bad(p, `value must contain at least ${n(r.min_items)} item(s)`, where);
    if (r.max_items !== undefined && list.length > n(r.max_items)) this.bad(p, `value must contain no more than ${n(r.max_items)} item(s)`, where);
    if (r.unique) {
      const seen = new Set<string>();
      list.forEach((item, i) => {
        const key = JSON.stringify(item);
        if (seen.has(key)) this.bad(`${p}[${i}]`, 'repeated value must contain unique items', where);
        seen.add(key);
      });
    }
    if (r.items) list.forEach((item, i) => this.single(item, f, r.items, `${p}[${i}]`, `${where} items`));
  }

  private map(v: unknown, f: protobuf.Field, r: R | undefined, p: string, where: string): void {
    if (!r) return;
    const m = v === undefined ? {} : v;
    if (!m || typeof m !== 'object' || Array.isArray(m)) return;
    const entries = Object.entries(m as R);
    if (r.ignore_empty && entries.length === 0) return;
    if (r.min_pairs !== undefined && entries.length < n(r.min_pairs)) this.bad(p, `value must contain at least ${n(r.min_pairs)} pair(s)`, where);
    if (r.max_pairs !== undefined && entries.length > n(r.max_pairs)) this.bad(p, `value must contain no more than ${n(r.max_pairs)} pair(s)`, where);
    const keyType = (f as unknown as protobuf.MapField).keyType;
    for (const [k, val] of entries) {
      if (r.keys) this.scalar(keyType === 'string' ? k : Number(k), keyType, r.keys, `${p}.${k}`, `${where} keys`);
      if (r.values) this.single(val, f, r.values, `${p}.${k}`, `${where} values`);
    }
  }
}

function bytesProblems(len: number, r: R): string[] {
  if (r.ignore_empty && len === 0) return [];
  const out: string[] = [];
  if (r.len !== undefined && len !== n(r.len)) out.push(`value length must be ${n(r.len)} bytes`);
  if (r.min_len !== undefined && len < n(r.min_len)) out.push(`value length must be at least ${n(r.min_len)} bytes`);
  if (r.max_len !== undefined && len > n(r.max_len)) out.push(`value length must be at most ${n(r.max_len)} bytes`);
  return out;
}

function fullName(t: protobuf.ReflectionObject): string {
  return t.fullName.replace(/^\./, '');
}

function lowerCamel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** A field's value in a JSON message (its proto name or JSON name); null counts as absent. */
export function valueOf(value: R, f: protobuf.Field): unknown {
  const json = (f.options as R | undefined)?.json_name;
  const v = value[f.name] ?? value[typeof json === 'string' ? json : lowerCamel(f.name)];
  return v === null ? undefined : v;
}
