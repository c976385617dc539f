// Validates an Envoy bootstrap (JSON form) by Envoy's own rules, without an
// Envoy binary, in three layers:
//  1. the protos: the xDS .proto files that ship in @grpc/grpc-js-xds
//     (deps/envoy-api, xds, googleapis, protoc-gen-validate), loaded with
//     protobufjs. Strict where protobuf's JSON mapping is strict: an unknown
//     field, a wrong type, an unknown enum name, a malformed Duration, two
//     members of one oneof, or an Any whose @type is not a known message.
//     These protos are a 2024-07 snapshot (Envoy 1.31-1.32), not 1.34: fields
//     added since are "unknown" here, and api_key_auth's proto is missing, so
//     its typed_config is not checkable by protos: api-key-auth.ts checks it by
//     hand against the 1.34 proto.
//  2. the protoc-gen-validate rules written in those protos (min_len,
//     required, gt, ...), as Envoy's generated validators enforce them (pgv.ts);
//  3. the checks Envoy makes in C++ while building the config (code-checks.ts:
//     per-route token buckets, fill_interval >= 50 ms, no negative Duration, ...).
// Every problem carries its JSON path.

import { accessSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';
import { API_KEY_AUTH_TYPES, checkApiKeyAuth } from './api-key-auth.ts';
import { codeChecks, durationProblem } from './code-checks.ts';
import { fieldRules, PgvChecker, WRAPPED } from './pgv.ts';
import { resolveOptional } from '../../util/optional-dep.ts';

const require = createRequire(import.meta.url);

/** Extension configs a rendered bootstrap may name in typed_config. */
const PROTOS = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/basic_auth/v3/basic_auth.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
];

let cached: protobuf.Root | undefined;

function depsDir(): string {
  const pkg = resolveOptional('@grpc/grpc-js-xds', require.resolve, '@grpc/grpc-js-xds/package.json');
  return path.join(path.dirname(pkg), 'deps');
}

/** Envoy's API as protobufjs types (loaded once, ~1 s). */
export function envoyApi(): protobuf.Root {
  if (cached) return cached;
  const deps = depsDir();
  const protobufjsDir = path.dirname(require.resolve('protobufjs/package.json'));
  const include = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(deps, d)).concat(protobufjsDir);
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of include) {
      const p = path.join(dir, target);
      try {
        accessSync(p);
        return p;
      } catch {
        // next
      }
    }
    return target;
  };
  root.loadSync(PROTOS, { keepCase: true });
  root.resolveAll();
  cached = root;
  return root;
}

export interface EnvoyProblem {
  path: string;
  message: string;
}

const INT_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const DURATION = /^-?\d+(\.\d{1,9})?s$/;

function fullName(t: protobuf.ReflectionObject): string {
  return t.fullName.replace(/^\./, '');
}

class Checker {
  readonly problems: EnvoyProblem[] = [];
  private readonly pgv = new PgvChecker((p, message) => this.bad(p, message));
  /** `envoyRules` false: the protos' structure only (layer 1), as this validator was before PGV and Envoy's own checks. */
  constructor(
    private readonly root: protobuf.Root,
    private readonly envoyRules = true,
  ) {}

  private bad(p: string, message: string): void {
    this.problems.push({ path: p || '$', message });
  }

  /** A value of message type `type`; with `rules`, its PGV rules too (off under a message.skip). */
  message(value: unknown, type: protobuf.Type, p: string, rules = true): void {
    const name = fullName(type);
    if (WRAPPED[name]) return this.scalar(value, WRAPPED[name], p);
    if (name.startsWith('google.protobuf.') && this.wellKnown(value, name, p)) return;
    if (!isObj(value)) return this.bad(p, `${name} must be an object, got ${typeof value}`);
    const byJson = new Map<string, protobuf.Field>();
    for (const f of type.fieldsArray) {
      byJson.set(f.name, f);
      const json = (f as unknown as { options?: Record<string, unknown> }).options?.json_name;
      byJson.set(typeof json === 'string' ? json : lowerCamel(f.name), f);
    }
    const oneofSeen = new Map<string, string>();
    for (const [key, v] of Object.entries(value)) {
      const f = byJson.get(key);
      const fp = `${p}.${key}`;
      if (!f) {
        this.bad(fp, `unknown field "${key}" in ${name}${suggest(key, type.fieldsArray.map((x) => x.name))}`);
        continue;
      }
      if (f.partOf) {
        const other = oneofSeen.get(f.partOf.name);
        if (other) this.bad(fp, `"${key}" and "${other}" are members of the same oneof ${f.partOf.name}`);
        oneofSeen.set(f.partOf.name, key);
      }
      if ((f.options as Record<string, unknown> | undefined)?.deprecated === true) this.bad(fp, `field ${key} of ${name} is deprecated (Envoy rejects deprecated fields unless runtime overrides allow them)`);
      if (v !== null) this.fieldValue(v, f, fp);
    }
    if (rules && this.envoyRules) this.pgv.message(value, type, p);
  }

  /** google.protobuf types with a JSON form of their own; false for the others (read as messages). */
  private wellKnown(value: unknown, name: string, p: string): boolean {
    switch (name) {
      case 'google.protobuf.Duration': {
        if (typeof value !== 'string' || !DURATION.test(value)) this.bad(p, `a Duration must be a string like "1.5s", got ${JSON.stringify(value)}`);
        const problem = this.envoyRules ? durationProblem(value) : undefined;
        if (problem) this.bad(p, problem);
        return true;
      }
      case 'google.protobuf.Timestamp':
        if (typeof value !== 'string') this.bad(p, 'a Timestamp must be an RFC 3339 string');
        return true;
      case 'google.protobuf.Struct':
        if (!isObj(value)) this.bad(p, 'a Struct must be an object');
        return true;
      case 'google.protobuf.Value':
      case 'google.protobuf.ListValue':
        return true;
      case 'google.protobuf.Empty':
        if (!isObj(value) || Object.keys(value).length) this.bad(p, 'Empty must be {}');
        return true;
      case 'google.protobuf.Any':
        this.any(value, p);
        return true;
    }
    return false;
  }

  /** A present field's value: a map, a list or one value. */
  private fieldValue(v: unknown, f: protobuf.Field, fp: string): void {
    if (f.map) {
      if (!isObj(v)) return this.bad(fp, 'a map must be an object');
      for (const [k, mv] of Object.entries(v)) this.field(mv, f, `${fp}.${k}`);
    } else if (f.repeated) {
      if (!Array.isArray(v)) return this.bad(fp, `repeated field ${f.name} must be a list`);
      v.forEach((item, i) => this.field(item, f, `${fp}[${i}]`));
    } else this.field(v, f, fp);
  }

  private field(value: unknown, f: protobuf.Field, p: string): void {
    const resolved = f.resolvedType;
    if (resolved instanceof protobuf.Type) return this.message(value, resolved, p, fieldRules(f)?.message?.skip !== true);
    if (resolved instanceof protobuf.Enum) {
      if (typeof value === 'string' && !(value in resolved.values)) this.bad(p, `unknown ${fullName(resolved)} value "${value}" (known: ${Object.keys(resolved.values).join(', ')})`);
      else if (typeof value !== 'string' && typeof value !== 'number') this.bad(p, `an enum must be a name or number`);
      return;
    }
    this.scalar(value, f.type, p);
  }

  private scalar(value: unknown, type: string, p: string): void {
    if (INT_TYPES.has(type)) {
      const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n)) return this.bad(p, `${type} must be an integer, got ${JSON.stringify(value)}`);
      if (type.startsWith('u') && n < 0) this.bad(p, `${type} must not be negative`);
      if (type.endsWith('32') && Math.abs(n) > 0xffffffff) this.bad(p, `${type} out of range`);
    } else if (type === 'double' || type === 'float') {
      if (typeof value !== 'number') this.bad(p, `${type} must be a number`);
    } else if (type === 'bool') {
      if (typeof value !== 'boolean') this.bad(p, `bool must be true or false, got ${JSON.stringify(value)}`);
    } else if (type === 'string' || type === 'bytes') {
      if (typeof value !== 'string') this.bad(p, `${type} must be a string, got ${JSON.stringify(value)}`);
    }
  }

  private any(value: unknown, p: string): void {
    if (!isObj(value)) return this.bad(p, 'an Any must be an object with @type');
    const url = value['@type'];
    if (typeof url !== 'string') return this.bad(p, 'an Any needs "@type"');
    const typeName = url.replace(/^.*\//, '');
    const { ['@type']: _type, ...fields } = value;
    // Not in the shipped protos (they predate it): checked by hand against the 1.34 proto.
    if (API_KEY_AUTH_TYPES.has(typeName)) return checkApiKeyAuth(fields, typeName, p, (q, m) => this.bad(q, m));
    let t: protobuf.Type;
    try {
      t = this.root.lookupType(typeName);
    } catch {
      return this.bad(`${p}.@type`, `unknown type ${typeName}`);
    }
    if (WRAPPED[typeName] || typeName.startsWith('google.protobuf.')) return this.message((fields as { value?: unknown }).value, t, `${p}.value`);
    this.message(fields, t, p);
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function lowerCamel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function suggest(key: string, names: string[]): string {
  const close = names.filter((n) => editDistance(n, key) <= 2);
  return close.length ? ` (did you mean ${close.join(', ')}?)` : '';
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/**
 * Problems with an Envoy v3 bootstrap (parsed JSON), each with its JSON path:
 * against the protos, their PGV rules and Envoy's constructor checks; [] when it passes all three.
 */
export function validateEnvoyBootstrap(bootstrap: unknown): EnvoyProblem[] {
  const root = envoyApi();
  const checker = new Checker(root);
  checker.message(bootstrap, root.lookupType('envoy.config.bootstrap.v3.Bootstrap'), '$');
  return [...checker.problems, ...codeChecks(bootstrap)];
}

/** Layer 1 alone: what the protos' structure says, without PGV rules or Envoy's constructor checks (for tests that show what those add). */
export function protoStructureProblems(bootstrap: unknown): EnvoyProblem[] {
  const root = envoyApi();
  const checker = new Checker(root, false);
  checker.message(bootstrap, root.lookupType('envoy.config.bootstrap.v3.Bootstrap'), '$');
  return checker.problems;
}
