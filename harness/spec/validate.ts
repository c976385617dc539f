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
  const compile = schemaCompiler(spec.version);
  const validator: SpecValidator = {
    validateValue: (schema, value, where = 'body') => valueErrors(compile, schema, value, where),
    validateRequest: (op, req) => requestErrors(compile, op, req),
    validateResponse: (op, status, headers, body) => responseResult(compile, op, status, headers, body),
  };
  validators.set(spec, validator);
  return validator;
}

/** Compiles a schema for plain (strict) or coercing validation; a schema that cannot compile gives its error. */
type Compile = (schema: JsonSchema, coerce: boolean) => Compiled;

/** The spec's two ajv instances, each with its compiled schemas cached per schema object. */
function schemaCompiler(version: Spec['version']): Compile {
  const strictAjv = makeAjv(version, false);
  const coerceAjv = makeAjv(version, true);
  const strictCache = new WeakMap<object, Compiled>();
  const coerceCache = new WeakMap<object, Compiled>();
  return (schema, coerce) => {
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
}

function valueErrors(compile: Compile, schema: JsonSchema, value: unknown, where = 'body'): string[] {
  const v = compile(schema, false);
  if ('error' in v) return [`${where}: ${v.error}`];
  return v(value) ? [] : formatErrors(v.errors, where);
}

/** Validate with the coercing ajv: the value goes in the { v } wrapper (wrapParam), which messages leave out. */
function coercedErrors(compile: Compile, schema: JsonSchema, value: unknown, where: string): string[] {
  const v = compile(schema, true);
  if ('error' in v) return [`${where}: ${v.error}`];
  return v({ v: value }) ? [] : formatErrors(v.errors, where).map((e) => e.replace(`${where}/v`, where));
}

function jsonBodyErrors(compile: Compile, schema: JsonSchema, body: string): string[] {
  let value: unknown;
  try { value = JSON.parse(body); } catch { return ['body is not valid JSON']; }
  return valueErrors(compile, schema, value, 'body');
}

// ---------------------------------------------------------------------------
// Requests

/** The parts of a request its parameters are read from. */
interface RequestParts {
  pathOnly: string;
  query: URLSearchParams;
  /** Header names in lower case. */
  headers: Record<string, string>;
  cookies: Map<string, string>;
  /** Undefined when the path does not match the operation's template. */
  pathValues: Record<string, string> | undefined;
}

function requestErrors(compile: Compile, op: Operation, req: RequestToValidate): string[] {
  const parts = requestParts(op, req);
  const errors: string[] = [];
  if (!parts.pathValues) errors.push(`path '${parts.pathOnly}' does not match ${op.path}`);
  errors.push(...parameterErrors(compile, op, parts));
  if (op.requestBody) errors.push(...requestBodyErrors(compile, op.requestBody, req.body, parts.headers['content-type']));
  return errors;
}

function requestParts(op: Operation, req: RequestToValidate): RequestParts {
  const q = req.path.indexOf('?');
  const pathOnly = q >= 0 ? req.path.slice(0, q) : req.path;
  const headers = lowerKeys(req.headers);
  return {
    pathOnly,
    query: new URLSearchParams(q >= 0 ? req.path.slice(q + 1) : ''),
    headers,
    cookies: parseCookies(headers.cookie),
    pathValues: extractPathParams(op, pathOnly),
  };
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) cookies.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return cookies;
}

function parameterErrors(compile: Compile, op: Operation, parts: RequestParts): string[] {
  const errors: string[] = [];
  for (const p of op.parameters) {
    if (isIgnoredHeader(p)) continue;
    const raw = rawParam(p, parts);
    if (raw === undefined) {
      if (p.required && !(p.in === 'path' && !parts.pathValues)) errors.push(`${p.in} parameter '${p.name}' is required`);
      continue;
    }
    errors.push(...paramErrors(compile, p, raw));
  }
  return errors;
}

/** OpenAPI ignores header parameters named Accept, Content-Type or Authorization. */
function isIgnoredHeader(p: ParameterSpec): boolean {
  if (p.in !== 'header') return false;
  const n = p.name.toLowerCase();
  return n === 'accept' || n === 'content-type' || n === 'authorization';
}

/** The parameter's value as sent (every value of a repeated query parameter), undefined when absent. */
function rawParam(p: ParameterSpec, parts: RequestParts): string | string[] | undefined {
  if (p.in === 'path') return parts.pathValues?.[p.name];
  if (p.in === 'query') {
    const all = parts.query.getAll(p.name);
    return all.length ? all : undefined;
  }
  if (p.in === 'header') return parts.headers[p.name.toLowerCase()];
  return parts.cookies.get(p.name);
}

function paramErrors(compile: Compile, p: ParameterSpec, raw: string | string[]): string[] {
  const where = `${p.in} parameter '${p.name}'`;
  const parsed = paramValue(schemaTypes(p.schema), raw);
  if (!parsed) return [];
  return coercedErrors(compile, p.schema, parsed.value, where);
}

/**
 * The value to validate: a list for array schemas, the last one of a repeated
 * scalar, parsed JSON for object schemas (undefined when that is not JSON).
 */
function paramValue(types: string[], raw: string | string[]): { value: unknown } | undefined {
  let value: unknown = raw;
  if (types.includes('array')) value = arrayParamValue(raw);
  else if (Array.isArray(raw)) value = raw[raw.length - 1];
  if (types.includes('object') && typeof value === 'string') {
    try { value = JSON.parse(value); } catch { return undefined; }
  }
  return { value };
}

function arrayParamValue(raw: string | string[]): unknown[] {
  const list = Array.isArray(raw) ? raw : [raw];
  const split = list.length === 1 && list[0].includes(',') && !/^\s*[{[]/.test(list[0]) ? list[0].split(',') : list;
  // Arrays of objects travel as one JSON text per value.
  return split.map((x) => {
    if (!/^\s*[{[]/.test(x)) return x;
    try { return JSON.parse(x); } catch { return x; }
  });
}

function requestBodyErrors(compile: Compile, rb: NonNullable<Operation['requestBody']>, body: string | undefined, ct: string | undefined): string[] {
  if (body === undefined || body === '') return rb.required ? ['body is required'] : [];
  if (!contentTypeMatches(rb.contentType, ct)) return [`content-type '${ct ?? ''}' does not match ${rb.contentType}`];
  if (rb.schema === undefined) return [];
  const base = mediaBase(ct);
  if (isJsonMediaType(base) && base !== '*/*') return jsonBodyErrors(compile, rb.schema, body);
  // Coercing validator expects the { v } wrapper.
  if (base === 'application/x-www-form-urlencoded') return coercedErrors(compile, rb.schema, formObject(body), 'body');
  return [];
}

/** A form-urlencoded body as an object; a repeated key holds the list of its values. */
function formObject(body: string): Record<string, unknown> {
  const form = new URLSearchParams(body);
  const obj: Record<string, unknown> = {};
  for (const k of new Set(form.keys())) {
    const all = form.getAll(k);
    obj[k] = all.length === 1 ? all[0] : all;
  }
  return obj;
}

// ---------------------------------------------------------------------------
// Responses

function responseResult(compile: Compile, op: Operation, status: number, headers: Record<string, string>, body: string): { documented: boolean; errors: string[] } {
  const r = pickResponse(op, status);
  if (!r) return { documented: false, errors: [] };
  return { documented: true, errors: responseBodyErrors(compile, r, lowerKeys(headers)['content-type'], body) };
}

function responseBodyErrors(compile: Compile, r: ResponseSpec, ct: string | undefined, body: string): string[] {
  if (!r.contentType || (body === '' && r.schema === undefined)) return [];
  if (!contentTypeMatches(r.contentType, ct)) return [`content-type '${ct ?? ''}' does not match ${r.contentType} documented for ${r.status}`];
  if (r.schema !== undefined && isJsonMediaType(mediaBase(ct)) && mediaBase(ct) !== '*/*') return jsonBodyErrors(compile, r.schema, body);
  return [];
}

function wrapParam(schema: JsonSchema): Record<string, unknown> {
  if (typeof schema === 'boolean') return { type: 'object', properties: { v: schema } };
  const { $defs, ...rest } = schema as Record<string, unknown>;
  // $defs must stay at the root for '#/$defs/...' references to resolve.
  return { type: 'object', properties: { v: rest }, ...($defs ? { $defs } : {}) };
}
