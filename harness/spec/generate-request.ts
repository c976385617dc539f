// Requests and mock responses that satisfy the spec. Examples come first;
// otherwise json-schema-faker generates, seeded from the caller's rng so that
// one seed reproduces the same output. Every candidate is checked with the
// spec's validator and regenerated (a few times) when it does not pass.

import { generateSync, type GenerateOptions } from 'json-schema-faker';
import type { Rng } from '../util/rng.ts';
import type { HttpRequestSpec, JsonSchema, Operation, ParameterSpec, ResponseSpec, Spec } from '../model/spec.ts';
import { createSpecValidator } from './validate.ts';
import { isJsonMediaType } from './load-spec.ts';

export interface RequestOverrides {
  /** Path parameter values (raw, encoded here). */
  path?: Record<string, string>;
  /** Query parameters to set (replace generated ones); undefined values remove one. */
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  /** A body value (serialized as JSON) or a raw string body. */
  body?: unknown;
}

export interface GenerateRequestOptions {
  consumerHeaders?: Record<string, string>;
  overrides?: RequestOverrides;
}

export interface GeneratedResponse {
  status: number;
  contentType?: string;
  body: string;
}

const ATTEMPTS = 12;

function randomString(rng: { int(a: number, b: number): number }, min: number, max: number): string {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const n = rng.int(min, max);
  let s = '';
  for (let i = 0; i < n; i++) s += chars[rng.int(0, chars.length - 1)];
  return s;
}

/** Generators for OpenAPI formats json-schema-faker lacks, matching what ajv-formats accepts. */
const EXTRA_FORMATS: NonNullable<GenerateOptions['formats']> = {
  byte: (r) => Buffer.from(randomString(r, 3, 12)).toString('base64'),
  binary: (r) => randomString(r, 1, 12),
  password: (r) => randomString(r, 8, 16),
  url: (r) => `https://example.com/${randomString(r, 1, 8)}`,
  'uri-template': (r) => `https://example.com/${randomString(r, 1, 8)}/{id}`,
  regex: () => '^[a-z]+$',
  'json-pointer-uri-fragment': (r) => `#/${randomString(r, 1, 6)}`,
  'iso-time': (r) => `${String(r.int(0, 23)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}:00Z`,
  'iso-date-time': (r) => `20${r.int(10, 29)}-0${r.int(1, 9)}-1${r.int(0, 9)}T10:00:00Z`,
  int32: (r) => String(r.int(0, 1000)),
  int64: (r) => String(r.int(0, 1000)),
  float: (r) => String(r.int(0, 1000) / 4),
  double: (r) => String(r.int(0, 1000) / 4),
};

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const prepared = new WeakMap<object, JsonSchema>();

/**
 * json-schema-faker generates poorly for `allOf` of `$ref`s (Pet = allOf[NewPet, {id}])
 * and for schemas that leave `type` implicit. This makes a generation-only copy
 * with allOf members merged into one schema and types made explicit; the result
 * is still checked against the original schema.
 */
function prepareForFaker(schema: JsonSchema): JsonSchema {
  if (typeof schema === 'boolean') return schema;
  const hit = prepared.get(schema);
  if (hit) return hit;
  const defs = isObj(schema.$defs) ? (schema.$defs as Obj) : {};
  const resolve = (s: unknown): unknown => {
    if (isObj(s) && typeof s.$ref === 'string' && s.$ref.startsWith('#/$defs/')) return defs[s.$ref.slice(8)] ?? s;
    return s;
  };
  const memo = new Map<unknown, unknown>();
  const walk = (s: unknown, stack: Set<unknown>): unknown => {
    if (!isObj(s)) return s;
    if (memo.has(s)) return memo.get(s);
    let out: Obj = {};
    memo.set(s, out);
    for (const [k, v] of Object.entries(s)) {
      if (k === '$defs' && isObj(v)) {
        const d: Obj = {};
        for (const [dk, dv] of Object.entries(v)) d[dk] = walk(dv, stack);
        out[k] = d;
      } else if ((k === 'properties' || k === 'patternProperties') && isObj(v)) {
        const d: Obj = {};
        for (const [dk, dv] of Object.entries(v)) d[dk] = walk(dv, stack);
        out[k] = d;
      } else if (Array.isArray(v) && (k === 'anyOf' || k === 'oneOf' || k === 'prefixItems')) out[k] = v.map((x) => walk(x, stack));
      else if (k === 'items' || k === 'additionalProperties' || k === 'not') out[k] = walk(v, stack);
      else if (k !== 'allOf') out[k] = v;
    }
    if (Array.isArray(s.allOf)) {
      for (const member of s.allOf) {
        if (stack.has(member)) { out.allOf = [...((out.allOf as unknown[]) ?? []), member]; continue; }
        const target = resolve(member);
        const next = new Set(stack).add(member);
        const flat = walk(isObj(target) && target !== member && Array.isArray(target.allOf) ? { ...target } : target, next);
        if (!isObj(flat) || (typeof (flat as Obj).$ref === 'string')) { out.allOf = [...((out.allOf as unknown[]) ?? []), member]; continue; }
        out = mergeSchemas(out, flat);
      }
    }
    if (out.type === undefined && out.$ref === undefined && !out.anyOf && !out.oneOf && !out.enum && out.const === undefined) {
      if (out.properties || out.required || out.additionalProperties !== undefined) out.type = 'object';
      else if (out.items) out.type = 'array';
    }
    memo.set(s, out);
    return out;
  };
  const result = walk(schema, new Set()) as JsonSchema;
  prepared.set(schema, result);
  return result;
}

function mergeSchemas(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (k === '$defs') continue;
    const cur = out[k];
    if (cur === undefined) { out[k] = v; continue; }
    switch (k) {
      case 'properties': {
        const props: Obj = { ...(cur as Obj) };
        for (const [pk, pv] of Object.entries(v as Obj)) props[pk] = props[pk] === undefined ? pv : isObj(props[pk]) && isObj(pv) ? mergeSchemas(props[pk] as Obj, pv) : pv;
        out[k] = props;
        break;
      }
      case 'required':
        out[k] = [...new Set([...(cur as unknown[]), ...(v as unknown[])])];
        break;
      case 'type': {
        const ta = Array.isArray(cur) ? cur : [cur];
        const tb = Array.isArray(v) ? v : [v];
        const both = ta.filter((t) => tb.includes(t) || (t === 'number' && tb.includes('integer')));
        out[k] = both.length === 1 ? both[0] : both.length ? both : v;
        break;
      }
      case 'enum':
        out[k] = (cur as unknown[]).filter((x) => (v as unknown[]).some((y) => JSON.stringify(y) === JSON.stringify(x)));
        break;
      case 'minimum': case 'minLength': case 'minItems': case 'minProperties': case 'exclusiveMinimum':
        out[k] = typeof cur === 'number' && typeof v === 'number' ? Math.max(cur, v) : v;
        break;
      case 'maximum': case 'maxLength': case 'maxItems': case 'maxProperties': case 'exclusiveMaximum':
        out[k] = typeof cur === 'number' && typeof v === 'number' ? Math.min(cur, v) : v;
        break;
      default:
        out[k] = v;
    }
  }
  return out;
}

/** One value for a schema: json-schema-faker seeded from rng; validated; a few retries. */
function fakeValue(spec: Spec, schema: JsonSchema, rng: Rng, accept: (v: unknown) => boolean = () => true): { value: unknown; ok: boolean } {
  const validator = createSpecValidator(spec);
  let last: unknown = undefined;
  for (let i = 0; i < ATTEMPTS; i++) {
    const seed = Math.floor(rng() * 2 ** 31) + 1;
    let value: unknown;
    try {
      value = generateSync(prepareForFaker(schema) as never, {
        seed,
        formats: EXTRA_FORMATS,
        // Early tries reach for examples/optional fields; later ones keep to what is required.
        useExamplesValue: i < 2,
        optionalsProbability: i < 6 ? 0.5 : 0,
        maxDepth: i < 6 ? 8 : 5,
        maxDefaultItems: 2,
        failOnInvalidTypes: false,
      });
    } catch {
      continue;
    }
    last = value;
    if (validator.validateValue(schema, value).length === 0 && accept(value)) return { value, ok: true };
  }
  return { value: last, ok: false };
}

function paramValue(spec: Spec, p: ParameterSpec, rng: Rng): unknown {
  const validator = createSpecValidator(spec);
  const accept = (v: unknown): boolean => {
    if (p.in !== 'path') return true;
    const s = serializeScalar(v);
    // Safe through any proxy: non-empty, no dot segments, unreserved characters.
    return s !== '' && s !== '.' && s !== '..' && /^[A-Za-z0-9._~-]+$/.test(s);
  };
  if (p.example !== undefined && validator.validateValue(p.schema, p.example).length === 0 && accept(p.example)) return p.example;
  const { value, ok } = fakeValue(spec, p.schema, rng, accept);
  if (ok) return value;
  // Fall back to any schema-valid value, then to something plausible.
  const loose = fakeValue(spec, p.schema, rng, (v) => p.in !== 'path' || serializeScalar(v) !== '');
  return loose.value ?? (p.in === 'path' ? '1' : '');
}

function serializeScalar(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function bodyValue(spec: Spec, schema: JsonSchema | undefined, example: unknown, rng: Rng): unknown {
  const validator = createSpecValidator(spec);
  if (schema === undefined) return example ?? {};
  if (example !== undefined && validator.validateValue(schema, example).length === 0) return example;
  return fakeValue(spec, schema, rng).value;
}

/** A request for `op` that satisfies its schema (unless overrides say otherwise). */
export function generateRequest(spec: Spec, op: Operation, rng: Rng, opts: GenerateRequestOptions = {}): HttpRequestSpec {
  const overrides = opts.overrides ?? {};
  const headers: Record<string, string> = {};
  const query: [string, string][] = [];
  const cookies: string[] = [];
  let path = op.path;
  for (const p of op.parameters) {
    if (p.in === 'path') {
      const raw = overrides.path?.[p.name] ?? serializeScalar(paramValue(spec, p, rng));
      path = path.split(`{${p.name}}`).join(encodeURIComponent(raw));
      continue;
    }
    // Optional parameters are sent half of the time.
    if (!p.required && rng() < 0.5) continue;
    const value = paramValue(spec, p, rng);
    if (value === undefined) continue;
    if (p.in === 'query') {
      if (Array.isArray(value)) {
        if (spec.version === '2.0' && value.every((v) => typeof v !== 'object')) query.push([p.name, value.map(serializeScalar).join(',')]);
        else for (const v of value) query.push([p.name, serializeScalar(v)]);
      } else query.push([p.name, serializeScalar(value)]);
    } else if (p.in === 'header') {
      const n = p.name.toLowerCase();
      if (n === 'accept' || n === 'content-type' || n === 'authorization') continue;
      headers[p.name] = Array.isArray(value) ? value.map(serializeScalar).join(',') : serializeScalar(value);
    } else if (p.in === 'cookie') {
      cookies.push(`${p.name}=${encodeURIComponent(serializeScalar(value))}`);
    }
  }
  if (overrides.query) {
    for (const [k, v] of Object.entries(overrides.query)) {
      for (let i = query.length - 1; i >= 0; i--) if (query[i][0] === k) query.splice(i, 1);
      if (v !== undefined) query.push([k, v]);
    }
  }
  if (cookies.length) headers.cookie = cookies.join('; ');
  let body: string | undefined;
  const rb = op.requestBody;
  if (rb && (rb.required || overrides.body !== undefined || rng() < 0.5)) {
    const value = overrides.body !== undefined ? overrides.body : bodyValue(spec, rb.schema, rb.example, rng);
    const ct = rb.contentType.includes('*') ? 'application/json' : rb.contentType;
    if (typeof overrides.body === 'string') body = overrides.body;
    else if (isJsonMediaType(ct)) body = JSON.stringify(value);
    else if (ct.startsWith('application/x-www-form-urlencoded') && value && typeof value === 'object') {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (Array.isArray(v)) for (const x of v) form.append(k, serializeScalar(x));
        else form.append(k, serializeScalar(v));
      }
      body = form.toString();
    } else body = typeof value === 'string' ? value : JSON.stringify(value);
    headers['content-type'] = ct;
  }
  const qs = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  Object.assign(headers, opts.consumerHeaders ?? {}, overrides.headers ?? {});
  const out: HttpRequestSpec = { method: op.method, path: qs ? `${path}?${qs}` : path, headers };
  if (body !== undefined) out.body = body;
  return out;
}

/** The response a mock gives for `op`: first 2xx (200, then 201, then any), example first, else generated. */
export function generateResponse(spec: Spec, op: Operation, rng: Rng): GeneratedResponse {
  const r = successResponseOf(op);
  if (!r) return { status: 200, body: '' };
  const status = statusOf(r);
  if (!r.contentType || status === 204 || status === 304) return { status, body: '' };
  const ct = r.contentType.includes('*') ? 'application/json' : r.contentType;
  if (r.schema === undefined) {
    if (r.example !== undefined) return { status, contentType: ct, body: typeof r.example === 'string' && !isJsonMediaType(ct) ? r.example : JSON.stringify(r.example) };
    return { status, contentType: ct, body: isJsonMediaType(ct) ? '{}' : '' };
  }
  const value = bodyValue(spec, r.schema, r.example, rng);
  if (isJsonMediaType(ct)) return { status, contentType: ct, body: JSON.stringify(value) ?? 'null' };
  return { status, contentType: ct, body: typeof value === 'string' ? value : JSON.stringify(value) };
}

/** The response the mocks answer with when no fault says otherwise: 200, 201, another 2xx, 2XX, else default. */
export function successResponseOf(op: Operation): ResponseSpec | undefined {
  return op.responses.find((r) => r.status === '200')
    ?? op.responses.find((r) => r.status === '201')
    ?? op.responses.find((r) => /^2\d\d$/.test(r.status))
    ?? op.responses.find((r) => r.status.toUpperCase() === '2XX')
    ?? op.responses.find((r) => r.status === 'default');
}

function statusOf(r: ResponseSpec): number {
  if (/^\d{3}$/.test(r.status)) return Number(r.status);
  if (/^[1-5]XX$/i.test(r.status)) return Number(r.status[0]) * 100;
  return 200;
}
