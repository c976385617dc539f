// Request/response validation against the loaded Spec, and operation matching.
// Schemas are compiled lazily with ajv (draft-07 for 2.0/3.0, 2020-12 for 3.1)
// and cached per schema object.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import type { JsonSchema, Operation, ParameterSpec, ResponseSpec, Spec } from '../model/spec.ts';
import { isJsonMediaType } from './load-spec.ts';
import { pathTemplateSource } from '../util/regex.ts';

// ajv-formats ships CommonJS with a default export; under NodeNext it arrives as the module object.
const addFormats = ((addFormatsImport as unknown as { default?: unknown }).default ?? addFormatsImport) as (ajv: Ajv) => Ajv;

export interface RequestToValidate {
  /** Path with query string. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface SpecValidator {
  validateRequest(op: Operation, req: RequestToValidate): string[];
  validateResponse(op: Operation, status: number, headers: Record<string, string>, body: string): { documented: boolean; errors: string[] };
  /** Validate a value against one of the spec's (converted) schemas. Empty when valid. */
  validateValue(schema: JsonSchema, value: unknown, where?: string): string[];
}

type Compiled = ValidateFunction | { error: string };

function makeAjv(version: Spec['version'], coerce: boolean): Ajv {
  const opts = { strict: false, allErrors: true, unicodeRegExp: false, validateSchema: false, coerceTypes: coerce ? ('array' as const) : false, logger: false as const };
  const ajv = version === '3.1' ? new Ajv2020(opts) : new Ajv(opts);
  addFormats(ajv as Ajv);
  // OpenAPI formats ajv-formats lacks or checks in ways the specs do not mean.
  return ajv as Ajv;
}

function formatErrors(errors: ErrorObject[] | null | undefined, where: string): string[] {
  if (!errors) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of errors) {
    let msg = `${where}${e.instancePath ?? ''} ${e.message ?? 'is invalid'}`;
    if (e.keyword === 'additionalProperties') msg += ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'`;
    if (e.keyword === 'enum') msg += ` (${((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')})`;
    if (!seen.has(msg)) { seen.add(msg); out.push(msg); }
  }
  return out;
}

function mediaBase(ct: string | undefined): string {
  return (ct ?? '').split(';')[0].trim().toLowerCase();
}

/** Does the received content type satisfy the documented one (which may hold wildcards)? */
export function contentTypeMatches(documented: string, received: string | undefined): boolean {
  const d = mediaBase(documented);
  const r = mediaBase(received);
  if (!r) return false;
  if (d === '*/*' || d === r) return true;
  const [dt, ds] = d.split('/');
  const [rt, rs] = r.split('/');
  if (ds === '*') return dt === rt;
  // application/json documented, application/problem+json received (or vice versa) are not the same contract.
  return dt === rt && ds === rs;
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function schemaTypes(schema: JsonSchema): string[] {
  if (typeof schema !== 'object') return [];
  const t = schema.type;
  return Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [];
}

const captureRegexCache = new Map<string, { re: RegExp; names: string[] }>();

function captureRegex(template: string): { re: RegExp; names: string[] } {
  let hit = captureRegexCache.get(template);
  if (hit) return hit;
  const { source, names } = pathTemplateSource(template, '([^/]+)');
  hit = { re: new RegExp(source), names };
  captureRegexCache.set(template, hit);
  return hit;
}

/** Values of the path template's parameters in a concrete path (decoded), or undefined when it does not match. */
export function extractPathParams(op: Operation, pathWithoutQuery: string): Record<string, string> | undefined {
  const { re, names } = captureRegex(op.path);
  const m = re.exec(pathWithoutQuery);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  names.forEach((n, i) => {
    try { out[n] = decodeURIComponent(m[i + 1]); } catch { out[n] = m[i + 1]; }
  });
  return out;
}

const opRegex = new WeakMap<Operation, RegExp>();

/** The operation a concrete request belongs to; literal segments win over templated ones. */
export function matchOperation(spec: Spec, method: string, pathWithoutQuery: string): Operation | undefined {
  const m = method.toUpperCase();
  let best: Operation | undefined;
  let bestScore: number[] = [];
  for (const op of spec.operations) {
    if (op.method !== m) continue;
    let re = opRegex.get(op);
    if (!re) { re = new RegExp(op.pathRegex); opRegex.set(op, re); }
    if (!re.test(pathWithoutQuery)) continue;
    // Score per segment: 1 for literal, 0 for templated; compare left to right.
    const score = op.path.split('/').map((seg) => (seg.includes('{') ? 0 : 1));
    if (!best || compareScores(score, bestScore) > 0) { best = op; bestScore = score; }
  }
  return best;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The documented response for a status: exact, then 2XX-style, then default. */
export function pickResponse(op: Operation, status: number): ResponseSpec | undefined {
  const s = String(status);
  return op.responses.find((r) => r.status === s)
    ?? op.responses.find((r) => r.status.toUpperCase() === `${s[0]}XX`)
    ?? op.responses.find((r) => r.status === 'default');
}

const validators = new WeakMap<Spec, SpecValidator>();

/** One validator per spec (memoized), so compiled schemas are shared by every user. */
export function createSpecValidator(spec: Spec): SpecValidator {
  const existing = validators.get(spec);
  if (existing) return existing;
  const strictAjv = makeAjv(spec.version, false);
  const coerceAjv = makeAjv(spec.version, true);
  const strictCache = new WeakMap<object, Compiled>();
  const coerceCache = new WeakMap<object, Compiled>();

  const compile = (schema: JsonSchema, coerce: boolean): Compiled => {
    // Parameters are validated wrapped in an object so that ajv may coerce them in place.
    const cache = coerce ? coerceCache : strictCache;
    const key = typeof schema === 'object' ? schema : { b: schema };
    let hit = typeof schema === 'object' ? cache.get(key) : undefined;
    if (hit) return hit;
    try {
      hit = coerce
        ? coerceAjv.compile(wrapParam(schema))
        : strictAjv.compile(typeof schema === 'boolean' ? schema : schema);
    } catch (err) {
      hit = { error: `schema cannot be compiled: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (typeof schema === 'object') cache.set(key, hit);
    return hit;
  };

  const validateValue = (schema: JsonSchema, value: unknown, where = 'body'): string[] => {
    const v = compile(schema, false);
    if ('error' in v) return [`${where}: ${v.error}`];
    return v(value) ? [] : formatErrors(v.errors, where);
  };

  const validateParam = (p: ParameterSpec, raw: string | string[]): string[] => {
    const where = `${p.in} parameter '${p.name}'`;
    const types = schemaTypes(p.schema);
    let value: unknown = raw;
    if (types.includes('array')) {
      const list = Array.isArray(raw) ? raw : [raw];
      const split = list.length === 1 && list[0].includes(',') && !/^\s*[{[]/.test(list[0]) ? list[0].split(',') : list;
      // Arrays of objects travel as one JSON text per value.
      value = split.map((x) => {
        if (!/^\s*[{[]/.test(x)) return x;
        try { return JSON.parse(x); } catch { return x; }
      });
    } else if (Array.isArray(raw)) value = raw[raw.length - 1];
    if (types.includes('object') && typeof value === 'string') {
      try { value = JSON.parse(value); } catch { return []; }
    }
    const v = compile(p.schema, true);
    if ('error' in v) return [`${where}: ${v.error}`];
    return v({ v: value }) ? [] : formatErrors(v.errors, where).map((e) => e.replace(`${where}/v`, where));
  };

  const validator: SpecValidator = {
    validateValue,

    validateRequest(op, req) {
      const errors: string[] = [];
      const q = req.path.indexOf('?');
      const pathOnly = q >= 0 ? req.path.slice(0, q) : req.path;
      const query = new URLSearchParams(q >= 0 ? req.path.slice(q + 1) : '');
      const headers = lowerKeys(req.headers);
      const pathValues = extractPathParams(op, pathOnly);
      if (!pathValues) errors.push(`path '${pathOnly}' does not match ${op.path}`);
      const cookies = new Map<string, string>();
      for (const part of (headers.cookie ?? '').split(';')) {
        const i = part.indexOf('=');
        if (i > 0) cookies.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
      }
      for (const p of op.parameters) {
        let raw: string | string[] | undefined;
        if (p.in === 'path') raw = pathValues?.[p.name];
        else if (p.in === 'query') { const all = query.getAll(p.name); raw = all.length ? all : undefined; }
        else if (p.in === 'header') {
          const n = p.name.toLowerCase();
          if (n === 'accept' || n === 'content-type' || n === 'authorization') continue;
          raw = headers[n];
        } else raw = cookies.get(p.name);
        if (raw === undefined) {
          if (p.required && !(p.in === 'path' && !pathValues)) errors.push(`${p.in} parameter '${p.name}' is required`);
          continue;
        }
        errors.push(...validateParam(p, raw));
      }
      const rb = op.requestBody;
      const hasBody = req.body !== undefined && req.body !== '';
      if (rb) {
        if (!hasBody) {
          if (rb.required) errors.push('body is required');
        } else {
          const ct = headers['content-type'];
          if (!contentTypeMatches(rb.contentType, ct)) errors.push(`content-type '${ct ?? ''}' does not match ${rb.contentType}`);
          else if (rb.schema !== undefined) {
            const base = mediaBase(ct);
            if (isJsonMediaType(base) && base !== '*/*') {
              let value: unknown;
              try { value = JSON.parse(req.body!); } catch { errors.push('body is not valid JSON'); return errors; }
              errors.push(...validateValue(rb.schema, value, 'body'));
            } else if (base === 'application/x-www-form-urlencoded') {
              const form = new URLSearchParams(req.body!);
              const obj: Record<string, unknown> = {};
              for (const k of new Set(form.keys())) {
                const all = form.getAll(k);
                obj[k] = all.length === 1 ? all[0] : all;
              }
              const v = compile(rb.schema, true);
              // Coercing validator expects the { v } wrapper.
              if ('error' in v) errors.push(`body: ${v.error}`);
              else if (!v({ v: obj })) errors.push(...formatErrors(v.errors, 'body').map((e) => e.replace('body/v', 'body')));
            }
          }
        }
      }
      return errors;
    },

    validateResponse(op, status, headers, body) {
      const r = pickResponse(op, status);
      if (!r) return { documented: false, errors: [] };
      const errors: string[] = [];
      const ct = lowerKeys(headers)['content-type'];
      if (r.contentType) {
        if (body !== '' || r.schema !== undefined) {
          if (!contentTypeMatches(r.contentType, ct)) errors.push(`content-type '${ct ?? ''}' does not match ${r.contentType} documented for ${r.status}`);
          else if (r.schema !== undefined && isJsonMediaType(mediaBase(ct)) && mediaBase(ct) !== '*/*') {
            let value: unknown;
            try { value = JSON.parse(body); } catch { errors.push('body is not valid JSON'); return { documented: true, errors }; }
            errors.push(...validateValue(r.schema, value, 'body'));
          }
        }
      }
      return { documented: true, errors };
    },
  };
  validators.set(spec, validator);
  return validator;
}

function wrapParam(schema: JsonSchema): Record<string, unknown> {
  if (typeof schema === 'boolean') return { type: 'object', properties: { v: schema } };
  const { $defs, ...rest } = schema as Record<string, unknown>;
  // $defs must stay at the root for '#/$defs/...' references to resolve.
  return { type: 'object', properties: { v: rest }, ...($defs ? { $defs } : {}) };
}
