// Loads an OpenAPI 2.0 / 3.0 / 3.1 document into the version-neutral Spec model.
//
// The document is bundled (internal $refs kept) and validated with
// swagger-parser (errors become one-line InputErrors naming the most specific
// place). What its $refs may read, and the limits on every file read, are in
// refs.ts and read-document.ts: specs come from people proxyproof's users do
// not control. Every schema handed out in an Operation is self-contained: the
// definitions it reaches are copied under `$defs` with safe keys and every
// `$ref` points at `#/$defs/<key>`, so ajv (draft-07 for 2.0/3.0, 2020-12 for
// 3.1) and json-schema-faker can both use it as it is, recursive or not.

import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { InputError, oneLine } from '../model/errors.ts';
import { ADMIN_PREFIX } from '../model/upstream.ts';
import { escapeRegExp, pathTemplateSource } from '../util/regex.ts';
import type {
  HttpMethod,
  JsonSchema,
  OpenApiVersion,
  Operation,
  ParameterSpec,
  ResponseSpec,
  SecurityRequirement,
  SecurityScheme,
  Spec,
} from '../model/spec.ts';
import { ALL_METHODS } from '../model/spec.ts';
import { checkRefExpansion, looksLikeJson, parseDocumentText, readLimitedFile, sanitizeMessage } from './read-document.ts';
import { RefGuard, type LoadSpecOptions } from './refs.ts';

export type { LoadSpecOptions } from './refs.ts';

type Obj = Record<string, unknown>;


/** Formats ajv-formats knows; others are dropped from the converted schemas (annotations only). */
export const KNOWN_FORMATS = new Set([
  'date', 'time', 'date-time', 'iso-time', 'iso-date-time', 'duration', 'uri', 'uri-reference', 'uri-template',
  'url', 'email', 'hostname', 'ipv4', 'ipv6', 'regex', 'uuid', 'json-pointer', 'json-pointer-uri-fragment',
  'relative-json-pointer', 'byte', 'int32', 'int64', 'float', 'double', 'password', 'binary',
]);

/** OpenAPI-only or annotation keywords that ajv/json-schema-faker need not see. */
const DROP_KEYS = new Set(['discriminator', 'xml', 'example', 'externalDocs', 'nullable', 'x-nullable', '$id', '$schema', '$anchor', '$dynamicAnchor', '$comment']);

export function isJsonMediaType(ct: string | undefined): boolean {
  if (!ct) return false;
  const base = ct.split(';')[0].trim().toLowerCase();
  return base === 'application/json' || base.endsWith('+json') || base === '*/*' || base === 'application/*' || /\/json$/.test(base) || /^application\/[^/]*json/.test(base);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function escapePointer(seg: string): string {
  return seg.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointer(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Resolve a local `#/a/b` pointer in the document; undefined when absent. */
function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  const body = ref.slice(1);
  if (body === '' || body === '/') return doc;
  let cur: unknown = doc;
  for (const raw of body.replace(/^\//, '').split('/')) {
    const seg = unescapePointer(decodeURIComponent(raw));
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObj(cur)) cur = cur[seg];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

// ---------------------------------------------------------------------------
// Reading and validating the file

async function readDocument(file: string): Promise<Obj> {
  const text = (await readLimitedFile(file, file)).toString('utf8');
  const doc = parseDocumentText(file, text, looksLikeJson(file, text));
  if (!isObj(doc)) throw new InputError(file, undefined, 'not an OpenAPI document (expected a mapping with an `openapi` or `swagger` field)');
  return doc;
}

function detectVersion(file: string, doc: Obj): OpenApiVersion {
  for (const k of ['swagger', 'openapi'] as const) {
    if (typeof doc[k] === 'number') throw new InputError(file, `#/${k}`, `the version must be a string (quote it: ${k}: "${k === 'swagger' ? '2.0' : '3.0.3'}"), not the number ${String(doc[k])}`);
  }
  if ('swagger' in doc) {
    if (String(doc.swagger) === '2.0') return '2.0';
    throw new InputError(file, '#/swagger', `unsupported Swagger version ${JSON.stringify(doc.swagger)} (supported: 2.0, 3.0.x, 3.1.x)`);
  }
  if ('openapi' in doc) {
    const v = String(doc.openapi);
    if (/^3\.0\.\d+$/.test(v)) return '3.0';
    if (/^3\.1\.\d+$/.test(v)) return '3.1';
    throw new InputError(file, '#/openapi', `unsupported OpenAPI version ${JSON.stringify(doc.openapi)} (supported: 2.0, 3.0.x, 3.1.x)`);
  }
  throw new InputError(file, undefined, 'not an OpenAPI document (no `openapi` or `swagger` field)');
}

interface AjvLikeError { instancePath?: string; message?: string; params?: Record<string, unknown> }

/** Where a local `#/a/b` pointer leads in the document, or undefined. */
function atPointer(doc: unknown, ref: string): unknown {
  let cur = doc;
  for (const t of ref.slice(2).split('/')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[unescapePointer(decodeURIComponent(t))];
  }
  return cur;
}

/** An InputError for a chain of local $refs that only ever leads to another $ref, back to where it started. */
function checkRefLoops(file: string, raw: unknown): void {
  const refs = new Set<string>();
  const collect = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') {
      const ref = (v as Record<string, unknown>).$ref;
      if (typeof ref === 'string' && ref.startsWith('#/')) refs.add(ref);
      Object.values(v).forEach(collect);
    }
  };
  collect(raw);
  for (const start of refs) {
    const chain: string[] = [];
    let ref: string | undefined = start;
    while (ref !== undefined && ref.startsWith('#/')) {
      if (chain.includes(ref)) throw new InputError(file, ref, `$ref loop: ${[...chain.slice(chain.indexOf(ref)), ref].join(' -> ')} (a schema that is only a reference back to itself)`);
      chain.push(ref);
      const next = atPointer(raw, ref) as Record<string, unknown> | undefined;
      ref = next && typeof next === 'object' && typeof next.$ref === 'string' ? next.$ref : undefined;
    }
  }
}

function validationError(file: string, err: unknown, guard: RefGuard): InputError {
  const details = (err as { details?: AjvLikeError[] }).details;
  if (Array.isArray(details) && details.length > 0) {
    // The deepest instance path is the most specific place; prefer non-combinator messages there.
    let best = details[0];
    for (const d of details) {
      const a = (d.instancePath ?? '').split('/').length;
      const b = (best.instancePath ?? '').split('/').length;
      if (a > b) best = d;
    }
    let msg = best.message ?? 'is invalid';
    if (best.params && Array.isArray(best.params.allowedValues)) msg += ` (${(best.params.allowedValues as unknown[]).join(', ')})`;
    if (best.params && typeof best.params.additionalProperty === 'string') msg += ` '${best.params.additionalProperty}'`;
    return new InputError(file, `#${best.instancePath ?? ''}`, oneLine(msg));
  }
  let msg = oneLine(err).replace(/^Swagger schema validation failed\.\s*/, '').replace(/^Validation failed\.\s*/, '');
  // A $ref pointer walked into a string (whose whole text the TypeError carries): named by the $ref, never by the string.
  const into = /^Cannot use 'in' operator to search for '([^']*)' in /.exec(msg);
  if (into) {
    const token = into[1];
    const at = guard.locateRef((ref) => ref.includes('#') && ref.split('#')[1].split('/').map((t) => unescapePointer(decodeURIComponent(t))).includes(token));
    return new InputError(at?.file ?? file, at?.pointer, sanitizeMessage(`$ref pointer goes into a value that is not a mapping or list at token '${token}'`));
  }
  if (/is not a valid Openapi API definition$/.test(msg)) return new InputError(file, undefined, 'no `paths` (3.0 needs paths; 3.1 needs paths or webhooks)');
  if (/^API version number must be a string/.test(msg)) return new InputError(file, '#/info/version', 'the API version must be a string, not a number');
  // Missing $ref targets: 'Missing $ref pointer "#/x". Token "x" does not exist.'
  const ptr = /\$ref pointer "(#[^"]*)"/.exec(msg);
  if (ptr) return new InputError(file, ptr[1], `$ref target does not exist`);
  for (const name of new Set([path.resolve(file), file])) msg = msg.replace(new RegExp(`\\s*${escapeRegExp(name)}`, 'g'), '');
  // The library's text may quote what it read (a $ref'd file's content): only a short, quote-free form is shown.
  msg = sanitizeMessage(msg);
  return new InputError(file, undefined, msg || 'invalid OpenAPI document');
}

// ---------------------------------------------------------------------------
// Schema conversion

type Mode = 'request' | 'response';

interface DefEntry {
  key: string;
  pointer: string;
  converted: Record<Mode, JsonSchema | undefined>;
  deps: Record<Mode, Set<string>>;
}

/** One conversion: the mode, and the keys of the definitions the result refers to (collected here). */
interface Conversion {
  mode: Mode;
  deps: Set<string>;
}

/** What a keyword converts to when it is to be left out. */
const OMIT = Symbol('omit');

class SchemaConverter {
  private byPointer = new Map<string, DefEntry>();
  private byKey = new Map<string, DefEntry>();
  /** Unresolvable or external $refs met while converting. */
  readonly problems: { pointer: string; detail: string }[] = [];

  constructor(private readonly doc: Obj, private readonly version: OpenApiVersion) {}

  /** Convert a schema at `where` (for messages) into a self-contained schema. */
  root(schema: unknown, mode: Mode): JsonSchema {
    const deps = new Set<string>();
    const converted = this.convert(schema, { mode, deps });
    if (deps.size === 0 || typeof converted === 'boolean') return converted;
    const defs: Record<string, JsonSchema> = {};
    const queue = [...deps];
    const seen = new Set(queue);
    while (queue.length) {
      const key = queue.shift()!;
      const entry = this.byKey.get(key)!;
      defs[key] = entry.converted[mode]!;
      for (const d of entry.deps[mode]) if (!seen.has(d)) { seen.add(d); queue.push(d); }
    }
    return { ...converted, $defs: defs };
  }

  entries(): DefEntry[] {
    return [...this.byKey.values()];
  }

  private keyFor(pointer: string): string {
    const segs = pointer.replace(/^#\/?/, '').split('/').map((s) => unescapePointer(decodeURIComponent(s)));
    let base: string;
    if ((segs[0] === 'components' && segs[1] === 'schemas' && segs.length === 3) || (segs[0] === 'definitions' && segs.length === 2)) base = segs[segs.length - 1];
    else base = segs.join('.');
    base = base.replace(/[^A-Za-z0-9_.-]/g, '_') || 'root';
    let key = base;
    for (let i = 2; this.byKey.has(key); i++) key = `${base}_${i}`;
    return key;
  }

  private def(pointer: string, mode: Mode): string | undefined {
    let entry = this.byPointer.get(pointer);
    if (!entry) {
      const target = resolvePointer(this.doc, pointer);
      if (target === undefined) {
        this.problems.push({ pointer, detail: '$ref target does not exist' });
        return undefined;
      }
      const key = this.keyFor(pointer);
      entry = { key, pointer, converted: { request: undefined, response: undefined }, deps: { request: new Set(), response: new Set() } };
      this.byPointer.set(pointer, entry);
      this.byKey.set(key, entry);
    }
    if (entry.converted[mode] === undefined) {
      // Placeholder first so that recursion terminates.
      entry.converted[mode] = {};
      const deps = new Set<string>();
      const out = this.convert(resolvePointer(this.doc, pointer), { mode, deps });
      entry.converted[mode] = out;
      entry.deps[mode] = deps;
    }
    return entry.key;
  }

  private convert(schema: unknown, c: Conversion): JsonSchema {
    if (typeof schema === 'boolean') return schema;
    if (!isObj(schema)) return {};
    if (typeof schema.$ref === 'string') return this.convertRef(schema, schema.$ref, c);
    const out: Obj = {};
    for (const [k, v] of Object.entries(schema)) {
      if (DROP_KEYS.has(k)) continue;
      if (k.startsWith('x-')) continue;
      const converted = this.keyword(k, v, schema, c);
      if (converted !== OMIT) out[k] = converted;
    }
    dropHiddenRequired(out, c.mode);
    return this.withNullable(schema, out);
  }

  /** A $ref points at the definition's copy under $defs; in 3.1 its siblings stay beside it. */
  private convertRef(schema: Obj, ref: string, c: Conversion): JsonSchema {
    let refOut: Obj;
    if (!ref.startsWith('#')) {
      this.problems.push({ pointer: ref, detail: 'external $ref left after bundling' });
      refOut = {};
    } else {
      const key = this.def(ref, c.mode);
      if (key) c.deps.add(key);
      refOut = key ? { $ref: `#/$defs/${key}` } : {};
    }
    if (this.version !== '3.1') return refOut;
    const rest = Object.keys(schema).filter((k) => k !== '$ref' && k !== 'description' && k !== 'summary');
    if (rest.length === 0) return refOut;
    const { $ref: _drop, ...siblings } = schema;
    return { ...(this.convert(siblings, c) as Obj), ...refOut };
  }

  /** The converted value of keyword `k` (value `v`) of `schema`, or OMIT to leave it out. */
  private keyword(k: string, v: unknown, schema: Obj, c: Conversion): unknown {
    switch (k) {
      case 'properties':
      case 'patternProperties':
      case '$defs':
      case 'definitions':
      case 'dependentSchemas': {
        if (!isObj(v)) return OMIT;
        const props: Obj = {};
        for (const [pk, pv] of Object.entries(v)) props[pk] = this.convert(pv, c);
        return props;
      }
      case 'items':
        return Array.isArray(v) ? v.map((s) => this.convert(s, c)) : this.convert(v, c);
      case 'additionalProperties':
      case 'additionalItems':
      case 'unevaluatedProperties':
      case 'unevaluatedItems':
      case 'not':
      case 'contains':
      case 'propertyNames':
      case 'if':
      case 'then':
      case 'else':
      case 'contentSchema':
        return this.convert(v, c);
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
      case 'prefixItems':
        return Array.isArray(v) ? v.map((s) => this.convert(s, c)) : v;
      default:
        return plainKeyword(k, v, schema);
    }
  }

  /** 2.0/3.0 `nullable` (or `x-nullable`): null joins the type and the enum; with neither, the schema becomes anyOf [it, null]. */
  private withNullable(schema: Obj, out: Obj): JsonSchema {
    const nullable = this.version !== '3.1' && (schema.nullable === true || schema['x-nullable'] === true);
    if (nullable) {
      if (typeof out.type === 'string') {
        out.type = [out.type, 'null'];
        if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
        return out;
      }
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      if (out.type === undefined && !Array.isArray(out.enum)) return { anyOf: [out, { type: 'null' }] };
    }
    return out;
  }

  /**
   * Definitions with no finite instance: each one needs itself (through $ref,
   * allOf, required properties or non-empty arrays) with no way out.
   */
  unproductive(mode: Mode): DefEntry[] {
    const productive = new Set<string>();
    const entries = this.entries().filter((e) => e.converted[mode] !== undefined);
    let changed = true;
    while (changed) {
      changed = false;
      for (const e of entries) {
        if (productive.has(e.key)) continue;
        if (isProductive(e.converted[mode]!, productive)) { productive.add(e.key); changed = true; }
      }
    }
    return entries.filter((e) => !productive.has(e.key));
  }

  /**
   * A cycle of definitions each applying the next to the same value ($ref,
   * allOf/anyOf/oneOf, not, if/then/else, dependent schemas), as pointers
   * starting from the smallest; undefined when there is none. Walked with an
   * explicit stack: a hostile spec may chain thousands of definitions.
   */
  inPlaceCycle(mode: Mode): string[] | undefined {
    const edges = new Map<string, string[]>();
    for (const e of this.entries()) {
      const converted = e.converted[mode];
      if (converted === undefined) continue;
      const out = new Set<string>();
      inPlaceRefs(converted, out);
      edges.set(e.key, [...out].filter((k) => this.byKey.has(k)));
    }
    const state = new Map<string, 'open' | 'done'>();
    for (const start of edges.keys()) {
      if (state.has(start)) continue;
      const trail = [start];
      const next = [0];
      state.set(start, 'open');
      while (trail.length) {
        const key = trail[trail.length - 1];
        const targets = edges.get(key) ?? [];
        const i = next[next.length - 1]++;
        if (i >= targets.length) {
          state.set(key, 'done');
          trail.pop();
          next.pop();
          continue;
        }
        const t = targets[i];
        if (state.get(t) === 'open') {
          const loop = trail.slice(trail.indexOf(t)).map((k) => this.byKey.get(k)!.pointer);
          const first = loop.indexOf([...loop].sort()[0]);
          return [...loop.slice(first), ...loop.slice(0, first)];
        }
        if (!state.has(t)) {
          state.set(t, 'open');
          trail.push(t);
          next.push(0);
        }
      }
    }
    return undefined;
  }
}

/** The $defs keys a converted schema applies to the value itself (not to a property or an item of it). */
function inPlaceRefs(schema: unknown, out: Set<string>): void {
  if (!isObj(schema)) return;
  if (typeof schema.$ref === 'string') out.add(schema.$ref.replace(/^#\/\$defs\//, ''));
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    const list = schema[k];
    if (Array.isArray(list)) for (const sub of list) inPlaceRefs(sub, out);
  }
  for (const k of ['not', 'if', 'then', 'else']) inPlaceRefs(schema[k], out);
  for (const k of ['dependentSchemas', 'dependencies']) {
    const deps = schema[k];
    if (isObj(deps)) for (const sub of Object.values(deps)) inPlaceRefs(sub, out);
  }
}

/** The converted value of a keyword that holds no subschema, or OMIT to leave it out. */
function plainKeyword(k: string, v: unknown, schema: Obj): unknown {
  switch (k) {
    case 'format':
      return typeof v === 'string' && KNOWN_FORMATS.has(v) ? v : OMIT;
    case 'type':
      if (v === 'file') return OMIT; // 2.0 formData file: any value
      return v;
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      // 3.0's boolean form becomes the number form (the bound's value) draft-07 and 2020-12 expect.
      if (typeof v === 'boolean') {
        const bound = k === 'exclusiveMinimum' ? 'minimum' : 'maximum';
        return v && typeof schema[bound] === 'number' ? schema[bound] : OMIT;
      }
      return v;
    case 'minimum':
    case 'maximum': {
      const excl = k === 'minimum' ? schema.exclusiveMinimum : schema.exclusiveMaximum;
      if (excl === true) return OMIT; // became exclusive*
      return v;
    }
    case 'required':
      return Array.isArray(v) && v.length > 0 ? v : OMIT;
    default:
      return v;
  }
}

/** Drops from `required` what the mode never sees: readOnly properties are not sent in requests; writeOnly ones are not returned. */
function dropHiddenRequired(out: Obj, mode: Mode): void {
  if (Array.isArray(out.required) && isObj(out.properties)) {
    const props = out.properties as Obj;
    const skip = mode === 'request' ? 'readOnly' : 'writeOnly';
    const req = (out.required as unknown[]).filter((r) => !(typeof r === 'string' && isObj(props[r]) && (props[r] as Obj)[skip] === true));
    if (req.length) out.required = req;
    else delete out.required;
  }
}

function isProductive(schema: JsonSchema, productive: Set<string>): boolean {
  if (typeof schema === 'boolean') return true;
  if (typeof schema.$ref === 'string') {
    const key = schema.$ref.replace(/^#\/\$defs\//, '');
    if (!productive.has(key)) return false;
  }
  if (Array.isArray(schema.allOf) && !schema.allOf.every((s) => isProductive(s as JsonSchema, productive))) return false;
  for (const k of ['anyOf', 'oneOf'] as const) {
    const alts = schema[k];
    if (Array.isArray(alts) && alts.length > 0 && !alts.some((s) => isProductive(s as JsonSchema, productive))) return false;
  }
  const types = schema.type === undefined ? undefined : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  // Any scalar type is a way out.
  if (types && types.some((t) => t !== 'object' && t !== 'array')) return true;
  const objectApplies = !types || types.includes('object');
  const arrayApplies = !types || types.includes('array');
  let objectOk = true;
  if (objectApplies && Array.isArray(schema.required) && isObj(schema.properties)) {
    const props = schema.properties as Obj;
    objectOk = (schema.required as unknown[]).every((r) => typeof r !== 'string' || props[r] === undefined || isProductive(props[r] as JsonSchema, productive));
  }
  let arrayOk = true;
  if (arrayApplies && typeof schema.minItems === 'number' && schema.minItems > 0 && schema.items !== undefined && !Array.isArray(schema.items)) {
    arrayOk = isProductive(schema.items as JsonSchema, productive);
  }
  if (types) return (types.includes('object') && objectOk) || (types.includes('array') && arrayOk);
  return objectOk && arrayOk;
}

// ---------------------------------------------------------------------------
// Building operations

function basePathOf(version: OpenApiVersion, doc: Obj): string {
  let p = '';
  if (version === '2.0') p = typeof doc.basePath === 'string' ? doc.basePath : '';
  else {
    const server = Array.isArray(doc.servers) ? doc.servers[0] : undefined;
    if (isObj(server) && typeof server.url === 'string') {
      let url = server.url;
      const vars = isObj(server.variables) ? server.variables : {};
      url = url.replace(/\{([^}]+)\}/g, (_m, name: string) => {
        const v = vars[name];
        return isObj(v) && v.default !== undefined ? String(v.default) : '';
      });
      const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*(\/.*)?$/.exec(url);
      p = m ? (m[1] ?? '') : url.startsWith('/') ? url : '';
      p = p.split(/[?#]/)[0];
    }
  }
  p = p.replace(/\/+$/, '');
  if (p && !p.startsWith('/')) p = `/${p}`;
  return p;
}

/**
 * Whether a request path would reach the mocks' admin API under a reading a
 * proxy or server may give it: ASCII percent-decoding (repeated), `\` as `/`,
 * `;params` dropped, dot segments and repeated slashes removed, any case.
 */
function underAdminPrefix(p: string): boolean {
  let cur = p;
  for (let i = 0; i < 4; i++) {
    const next = cur
      .replace(/%([0-7][0-9a-f])/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
      .replace(/\\/g, '/')
      .replace(/;[^/]*/g, '');
    if (next === cur) break;
    cur = next;
  }
  return `${path.posix.normalize(`/${cur}`)}/`.toLowerCase().startsWith(ADMIN_PREFIX.toLowerCase());
}

export function pathRegexSource(template: string): string {
  return pathTemplateSource(template).source;
}

function normalizeSecurity(v: unknown): SecurityRequirement[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((req) => {
    const out: SecurityRequirement = {};
    for (const [name, scopes] of Object.entries(req)) out[name] = Array.isArray(scopes) ? scopes.map(String) : [];
    return out;
  });
}

type RequestBody = NonNullable<Operation['requestBody']>;

/** One operation being built: its path key, method, path item, operation object and JSON pointer. */
interface OpSource {
  /** The path key as the document writes it. */
  path: string;
  method: HttpMethod;
  item: Obj;
  op: Obj;
  pointer: string;
}

/** Parameters by `in:name`, each with the pointer it was read from. */
type MergedParams = Map<string, { param: Obj; where: string }>;

function pickContent(content: unknown): [string, Obj] | undefined {
  if (!isObj(content)) return undefined;
  const keys = Object.keys(content);
  if (keys.length === 0) return undefined;
  const json = keys.find((k) => isJsonMediaType(k) && !k.includes('*')) ?? keys.find((k) => isJsonMediaType(k));
  const key = json ?? keys[0];
  const media = content[key];
  return [key, isObj(media) ? media : {}];
}

class Builder {
  readonly conv: SchemaConverter;
  private readonly ids = new Map<string, string>();

  constructor(readonly file: string, readonly doc: Obj, readonly version: OpenApiVersion) {
    this.conv = new SchemaConverter(doc, version);
  }

  /** Follow $ref chains for non-schema objects (parameters, responses, examples). */
  deref(v: unknown, where: string): unknown {
    const seen = new Set<string>();
    while (isObj(v) && typeof v.$ref === 'string') {
      const ref = v.$ref;
      if (seen.has(ref)) throw new InputError(this.file, where, `$ref cycle through ${ref}`);
      seen.add(ref);
      const next = resolvePointer(this.doc, ref);
      if (next === undefined) throw new InputError(this.file, ref.startsWith('#') ? ref : where, '$ref target does not exist');
      v = next;
    }
    return v;
  }

  exampleOf(media: Obj, where: string): unknown {
    if (media.example !== undefined) return media.example;
    if (isObj(media.examples)) {
      for (const [name, ex] of Object.entries(media.examples)) {
        const e = this.deref(ex, `${where}/examples/${escapePointer(name)}`);
        if (isObj(e) && e.value !== undefined) return e.value;
      }
    }
    return undefined;
  }

  securitySchemes(): Record<string, SecurityScheme> {
    const out: Record<string, SecurityScheme> = {};
    const defs = this.version === '2.0' ? this.doc.securityDefinitions : isObj(this.doc.components) ? this.doc.components.securitySchemes : undefined;
    if (!isObj(defs)) return out;
    for (const [name, raw] of Object.entries(defs)) {
      const s = this.deref(raw, `#/components/securitySchemes/${escapePointer(name)}`);
      if (!isObj(s)) continue;
      const type = String(s.type);
      if (type === 'basic') out[name] = { kind: 'basic' };
      else if (type === 'apiKey') {
        const where = s.in === 'query' || s.in === 'cookie' ? s.in : 'header';
        out[name] = { kind: 'apiKey', name: String(s.name), in: where };
      } else if (type === 'http') {
        const scheme = String(s.scheme ?? '').toLowerCase();
        if (scheme === 'basic') out[name] = { kind: 'basic' };
        else if (scheme === 'bearer') out[name] = typeof s.bearerFormat === 'string' ? { kind: 'bearer', format: s.bearerFormat } : { kind: 'bearer' };
        else out[name] = { kind: 'other', type: `http:${scheme}` };
      } else out[name] = { kind: 'other', type };
    }
    return out;
  }

  operations(basePath: string): Operation[] {
    const ops: Operation[] = [];
    const paths = isObj(this.doc.paths) ? this.doc.paths : {};
    if (underAdminPrefix(`${basePath}/`)) {
      const where = this.version === '2.0' ? '#/basePath' : '#/servers/0/url';
      throw new InputError(this.file, where, `base path ${basePath} is under ${ADMIN_PREFIX}, the mocks' admin API: the proxy would send every operation there`);
    }
    for (const [p, rawItem] of Object.entries(paths)) {
      const itemPtr = `#/paths/${escapePointer(p)}`;
      this.checkPathKey(p, itemPtr, basePath);
      const item = this.deref(rawItem, itemPtr);
      if (!isObj(item)) continue;
      for (const m of ALL_METHODS) {
        const raw = item[m.toLowerCase()];
        if (!isObj(raw)) continue;
        ops.push(this.operation(basePath, { path: p, method: m, item, op: raw, pointer: `${itemPtr}/${m.toLowerCase()}` }));
      }
    }
    return ops;
  }

  private operation(basePath: string, o: OpSource): Operation {
    const id = this.claimId(o);
    // Some specs (box) tell operations apart with a fragment in the path key; requests never carry it.
    const fullPath = `${basePath}${o.path.split('#')[0]}`;
    const merged = this.mergedParams(o);
    this.checkPathTemplate(o, merged);

    const parameters: ParameterSpec[] = [];
    let requestBody: Operation['requestBody'];
    const formParams: Obj[] = [];
    for (const { param } of merged.values()) {
      const loc = String(param.in);
      if (loc === 'body') requestBody = this.swagger2Body(o, param);
      else if (loc === 'formData') formParams.push(param);
      else if (loc === 'path' || loc === 'query' || loc === 'header' || loc === 'cookie') parameters.push(this.parameter(o, param, loc));
    }
    if (formParams.length) requestBody = this.formDataBody(o, formParams);
    if (this.version !== '2.0' && o.op.requestBody !== undefined) requestBody = this.openApi3Body(o) ?? requestBody;
    const responses = this.responses(o);

    return {
      id,
      method: o.method,
      path: fullPath,
      pathRegex: pathRegexSource(fullPath),
      security: normalizeSecurity(o.op.security !== undefined ? o.op.security : this.doc.security),
      parameters,
      ...(requestBody ? { requestBody } : {}),
      responses,
      pointer: o.pointer,
    };
  }

  /** The operationId (or METHOD_path), claimed for this operation: a second one with the same id is an error. */
  private claimId(o: OpSource): string {
    const id = typeof o.op.operationId === 'string' && o.op.operationId ? o.op.operationId : `${o.method}_${o.path}`;
    const dup = this.ids.get(id);
    if (dup) throw new InputError(this.file, o.pointer, `duplicate operationId '${id}' (also at ${dup})`);
    this.ids.set(id, o.pointer);
    return id;
  }

  /** Parameters: path-level first, operation-level overrides by (name, in). */
  private mergedParams(o: OpSource): MergedParams {
    const merged: MergedParams = new Map();
    const addParams = (list: unknown, where: string) => {
      if (!Array.isArray(list)) return;
      list.forEach((raw, i) => {
        const prm = this.deref(raw, `${where}/${i}`);
        if (isObj(prm)) merged.set(`${prm.in}:${prm.name}`, { param: prm, where: `${where}/${i}` });
      });
    };
    addParams(o.item.parameters, o.pointer.replace(/\/[a-z]+$/, '/parameters'));
    addParams(o.op.parameters, `${o.pointer}/parameters`);
    return merged;
  }

  /**
   * A path key the model can route: a template whose braces each hold a name
   * (`/pets/{}` and `/pets/{petId` would match nothing, or the wrong thing),
   * and not under the mocks' admin prefix, which the mocks answer themselves.
   */
  private checkPathKey(p: string, where: string, basePath: string): void {
    const template = p.split('#')[0];
    if (!template.startsWith('/')) throw new InputError(this.file, where, `path ${p} must start with /`);
    if (/\{\}/.test(template)) throw new InputError(this.file, where, `path template ${p} has an empty parameter name {}`);
    const rest = template.replace(/\{[^{}/]+\}/g, '');
    if (/[{}]/.test(rest)) throw new InputError(this.file, where, `path template ${p} has an unmatched ${rest.includes('{') ? '{' : '}'} (a parameter is written {name}, within one segment)`);
    if (underAdminPrefix(`${basePath}${template}`)) {
      throw new InputError(this.file, where, `path ${basePath}${template} is under ${ADMIN_PREFIX}, the mocks' admin API: the proxy would forward this operation to it`);
    }
  }

  /** Every {name} in the path template needs a path parameter. */
  private checkPathTemplate(o: OpSource, merged: MergedParams): void {
    for (const m of o.path.split('#')[0].matchAll(/\{([^}/]+)\}/g)) {
      const defined = [...merged.values()].some(({ param }) => param.in === 'path' && param.name === m[1]);
      if (!defined) throw new InputError(this.file, o.pointer, `path template ${o.path} uses {${m[1]}} but the operation defines no path parameter '${m[1]}'`);
    }
  }

  private parameter(o: OpSource, param: Obj, loc: ParameterSpec['in']): ParameterSpec {
    let schemaSrc: unknown;
    if (this.version === '2.0') schemaSrc = swagger2ParamSchema(param);
    else if (param.schema !== undefined) schemaSrc = param.schema;
    else if (isObj(param.content)) schemaSrc = pickContent(param.content)?.[1].schema ?? {};
    else schemaSrc = {};
    const ps: ParameterSpec = { name: String(param.name), in: loc, required: loc === 'path' ? true : param.required === true, schema: this.conv.root(schemaSrc, 'request') };
    const ex = param.example !== undefined ? param.example : this.version === '2.0' ? param['x-example'] : this.exampleOf(param, o.pointer);
    if (ex !== undefined) ps.example = ex;
    return ps;
  }

  /** A 2.0 `in: body` parameter. */
  private swagger2Body(o: OpSource, param: Obj): RequestBody {
    const ct = this.pickMime(o.op.consumes ?? this.doc.consumes, 'application/json');
    const requestBody: RequestBody = { required: param.required === true, contentType: ct, schema: this.conv.root(param.schema ?? {}, 'request') };
    const ex = isObj(param['x-examples']) ? (param['x-examples'] as Obj)[ct] : undefined;
    if (ex !== undefined) requestBody.example = ex;
    return requestBody;
  }

  /** 2.0 `in: formData` parameters, as one object body. */
  private formDataBody(o: OpSource, formParams: Obj[]): RequestBody {
    const hasFile = formParams.some((f) => f.type === 'file');
    const consumes = (o.op.consumes ?? this.doc.consumes) as unknown;
    const list = Array.isArray(consumes) ? consumes.map(String) : [];
    const ct = hasFile ? 'multipart/form-data' : list.find((c) => c.startsWith('application/x-www-form-urlencoded')) ?? list.find((c) => c.startsWith('multipart/form-data')) ?? 'application/x-www-form-urlencoded';
    const properties: Obj = {};
    const required: string[] = [];
    for (const f of formParams) {
      properties[String(f.name)] = swagger2ParamSchema(f);
      if (f.required === true) required.push(String(f.name));
    }
    const schema: Obj = { type: 'object', properties };
    if (required.length) schema.required = required;
    return { required: required.length > 0, contentType: ct, schema: this.conv.root(schema, 'request') };
  }

  /** A 3.x requestBody; undefined when it has no content. */
  private openApi3Body(o: OpSource): RequestBody | undefined {
    const rb = this.deref(o.op.requestBody, `${o.pointer}/requestBody`);
    if (!isObj(rb)) return undefined;
    const picked = pickContent(rb.content);
    if (!picked) return undefined;
    const [ct, media] = picked;
    const requestBody: RequestBody = { required: rb.required === true, contentType: ct };
    if (media.schema !== undefined) requestBody.schema = this.conv.root(media.schema, 'request');
    const ex = this.exampleOf(media, `${o.pointer}/requestBody/content/${escapePointer(ct)}`);
    if (ex !== undefined) requestBody.example = ex;
    return requestBody;
  }

  private responses(o: OpSource): ResponseSpec[] {
    const responses: ResponseSpec[] = [];
    if (!isObj(o.op.responses)) return responses;
    for (const [status, raw] of Object.entries(o.op.responses)) {
      if (status.startsWith('x-')) continue;
      const where = `${o.pointer}/responses/${escapePointer(status)}`;
      const r = this.deref(raw, where);
      if (!isObj(r)) continue;
      responses.push(this.version === '2.0' ? this.swagger2Response(o, status, r) : this.openApi3Response(status, r, where));
    }
    return responses;
  }

  private swagger2Response(o: OpSource, status: string, r: Obj): ResponseSpec {
    const rs: ResponseSpec = { status };
    if (r.schema === undefined) return rs;
    const examples = isObj(r.examples) ? r.examples : {};
    const exKey = Object.keys(examples).find((k) => isJsonMediaType(k));
    const produces = o.op.produces ?? this.doc.produces;
    rs.contentType = this.pickMime(produces, 'application/json');
    rs.schema = this.conv.root(r.schema, 'response');
    const ex = examples[rs.contentType] ?? (exKey ? examples[exKey] : undefined);
    if (ex !== undefined) rs.example = ex;
    return rs;
  }

  private openApi3Response(status: string, r: Obj, where: string): ResponseSpec {
    const rs: ResponseSpec = { status };
    const picked = pickContent(r.content);
    if (!picked) return rs;
    const [ct, media] = picked;
    rs.contentType = ct;
    if (media.schema !== undefined) rs.schema = this.conv.root(media.schema, 'response');
    const ex = this.exampleOf(media, `${where}/content/${escapePointer(ct)}`);
    if (ex !== undefined) rs.example = ex;
    return rs;
  }

  private pickMime(list: unknown, fallback: string): string {
    if (!Array.isArray(list) || list.length === 0) return fallback;
    const all = list.map(String);
    return all.find((c) => isJsonMediaType(c) && !c.includes('*')) ?? all[0];
  }
}

/** A 2.0 non-body parameter carries its schema inline (type, format, items, enum, bounds). */
function swagger2ParamSchema(param: Obj): Obj {
  const keys = ['type', 'format', 'items', 'enum', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'multipleOf', 'default'];
  const out: Obj = {};
  for (const k of keys) {
    if (param[k] === undefined) continue;
    out[k] = k === 'items' && isObj(param.items) ? swagger2ParamSchema(param.items) : param[k];
  }
  if (param.type === 'file') delete out.type;
  return out;
}

// ---------------------------------------------------------------------------

/**
 * A copy for swagger-parser's validator. HTTP auth scheme names are
 * case-insensitive (RFC 7235) but its 3.1 meta-schema only accepts
 * `bearer` in lower case before allowing `bearerFormat`, so they are lowered.
 */
function forValidation(raw: Obj): never {
  const copy = structuredClone(raw);
  const schemes = isObj(copy.components) ? copy.components.securitySchemes : undefined;
  if (isObj(schemes)) {
    for (const s of Object.values(schemes)) if (isObj(s) && s.type === 'http' && typeof s.scheme === 'string') s.scheme = s.scheme.toLowerCase();
  }
  return copy as never;
}

/**
 * Loads `file`. Its $refs may read local files under its own folder or under
 * `options.allowDirs`, and remote files only with `options.allowRemoteRefs`
 * (see refs.ts); every file read has the same limits (read-document.ts).
 */
export async function loadSpec(file: string, options: LoadSpecOptions = {}): Promise<Spec> {
  const raw = await readDocument(file);
  const version = detectVersion(file, raw);
  const guard = await RefGuard.create(file, raw, options);
  const abs = guard.rootPath();
  // Bundled first, so that a $ref bomb is refused before the validator walks the dereferenced document;
  // a document that fails both is reported by the validator, whose messages name the place.
  let doc: Obj | undefined;
  let bundleError: unknown;
  try {
    doc = (await SwaggerParser.bundle(abs, structuredClone(raw) as never, guard.parserOptions())) as unknown as Obj;
  } catch (err) {
    bundleError = err;
  }
  if (guard.failure) throw guard.failure;
  if (doc) checkRefExpansion(file, doc);
  // A $ref that leads only through $refs back to itself makes the validator recurse without end.
  checkRefLoops(file, raw);
  try {
    await SwaggerParser.validate(abs, forValidation(raw), guard.parserOptions());
  } catch (err) {
    throw guard.failure ?? validationError(file, err, guard);
  }
  if (!doc) throw validationError(file, bundleError, guard);
  const builder = new Builder(file, doc, version);
  const basePath = basePathOf(version, doc);
  const operations = builder.operations(basePath);
  if (operations.length === 0 && !hasWebhooks(doc)) {
    throw new InputError(file, '#/paths', 'no operations: no path has a method (get, post, ...), so there is nothing to test');
  }
  const problem = builder.conv.problems[0];
  if (problem) throw new InputError(file, problem.pointer.startsWith('#') ? problem.pointer : undefined, problem.detail);
  checkSchemaCycles(file, builder.conv);
  const info = isObj(doc.info) ? doc.info : {};
  return {
    file,
    version,
    title: typeof info.title === 'string' ? info.title : '',
    basePath,
    operations,
    securitySchemes: builder.securitySchemes(),
    doc,
  };
}

/** A 3.1 document of webhooks only loads with no path operations (its webhooks are its API). */
function hasWebhooks(doc: Obj): boolean {
  return isObj(doc.webhooks) && Object.keys(doc.webhooks).length > 0;
}

/**
 * Schemas no validator or generator can use: one with no finite instance, and
 * one that reaches itself without descending into a property or an item (ajv
 * would recurse on the same value until the stack overflows, with no place).
 */
function checkSchemaCycles(file: string, conv: SchemaConverter): void {
  for (const mode of ['response', 'request'] as const) {
    const bad = conv.unproductive(mode);
    if (bad.length) {
      const names = bad.map((b) => b.pointer).sort();
      throw new InputError(file, names[0], `schema has no finite instance: it requires itself through a cycle with no base case (${names.join(', ')})`);
    }
  }
  for (const mode of ['response', 'request'] as const) {
    const loop = conv.inPlaceCycle(mode);
    if (loop) {
      throw new InputError(file, loop[0], `schema refers to itself without descending into a property or item, so validating it would never end (${[...loop, loop[0]].join(' -> ')})`);
    }
  }
}
