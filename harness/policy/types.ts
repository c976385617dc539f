// What a policy importer returns: proxyproof policies (expectations), the
// consumers a gateway config names, and notes on everything it could not
// express or filled in from the product's defaults. Nothing is dropped
// silently: every field an importer does not turn into a policy is a note.

import { parseDuration } from '../model/duration.ts';
import type { Consumer, ImportNote, UpstreamSpec } from '../model/suite.ts';
import type { Policies } from '../model/policies.ts';
import type { Route } from '../model/routes.ts';

export type { ImportNote };

/** A field of a resource an importer turned into an expectation (or read to place one). */
export interface ConsumedField {
  /** Kind/name, as notes name it. */
  resource: string;
  /** Field path inside the resource (spec.http[0].route); a path covers every field under it. */
  field: string;
}

export interface ImportResult {
  policies: Policies;
  consumers: Consumer[];
  notes: ImportNote[];
  /** Routes, first match wins, in the order the sources give them (Istio and Gateway API importers). */
  routes: Route[];
  /** What was read into expectations; with the notes' fields, every field of every resource. */
  consumed: ConsumedField[];
}

/** Where a suite's backendRef (or subset-less destination) names a version: import.backends. */
export interface BackendMapping {
  upstream: string;
  version: string;
}

export interface ImportContext {
  /** The file the text came from (for notes and relative paths). */
  file: string;
  /** The suite's upstreams, when known: hosts and versions are mapped onto them. */
  upstreams?: UpstreamSpec[];
  /** The suite's import.backends: backend (Service) name -> upstream and version. */
  backends?: Record<string, BackendMapping>;
}

export type Obj = Record<string, unknown>;

export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : undefined);

/** Protobuf-style durations as Istio and Envoy write them (2s, 500ms, 1.5s, 1m, 1h), rounded to whole milliseconds. */
export function protoDurationMs(v: unknown): number | undefined {
  return parseDuration(v, { round: true });
}

/** "reviews.default.svc.cluster.local" -> "reviews". */
export function shortHost(host: string): string {
  return host.split('.')[0];
}

export function emptyResult(): ImportResult {
  return { policies: {}, consumers: [], notes: [], routes: [], consumed: [] };
}

/**
 * A field path: `spec.http[0]` + 1 -> `spec.http[0][1]`, + `match` -> `spec.http[0].match`;
 * a key that holds a dot, a bracket or a quote is written as a JSON string in brackets.
 */
export function fieldPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (/^[^.[\]"]+$/.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

/** Is `leaf` under `field` (the same path, or a path below it)? '' covers every field. */
export function covers(field: string, leaf: string): boolean {
  return field === '' || leaf === field || leaf.startsWith(`${field}.`) || leaf.startsWith(`${field}[`);
}

/** Every leaf field of a resource (scalars, empty maps and empty lists), as field paths. */
export function leafFields(value: unknown, base = ''): string[] {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => leafFields(v, fieldPath(base, i))) : [base];
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length ? entries.flatMap(([k, v]) => leafFields(v, fieldPath(base, k))) : [base];
  }
  return [base];
}

/**
 * What an importer records as it reads: notes (each may name its field) and
 * the fields it consumed into expectations. `rest` names every key of a map
 * the importer does not read, so nothing it meets is dropped silently.
 */
export class Recorder {
  readonly result: ImportResult = emptyResult();

  constructor(readonly source: string) {}

  note(resource: string, kind: ImportNote['kind'], message: string, field?: string): void {
    this.result.notes.push({ source: this.source, resource, kind, message, ...(field !== undefined ? { field } : {}) });
  }

  use(resource: string, ...fields: string[]): void {
    for (const field of fields) this.result.consumed.push({ resource, field });
  }

  /** A route joins the result; a name an earlier route has (two VirtualServices of one name, in two files) gets a suffix. */
  addRoute(route: Route): void {
    const taken = new Set(this.result.routes.map((r) => r.name));
    let name = route.name;
    for (let i = 2; taken.has(name); i++) name = `${route.name}-${i}`;
    this.result.routes.push(name === route.name ? route : { ...route, name });
  }

  /** Keys of `o` (at `base`) outside `handled`: each named as not checked, with `why` (given the key). */
  rest(resource: string, base: string, o: Obj, handled: readonly string[], why: (key: string) => string): void {
    for (const k of Object.keys(o)) if (!handled.includes(k)) this.note(resource, 'unexpressed', `${fieldPath(base, k)}: ${why(k)}`, fieldPath(base, k));
  }
}
