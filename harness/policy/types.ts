// What a policy importer returns: proxyproof policies (expectations), the
// consumers a gateway config names, and notes on everything it could not
// express or filled in from the product's defaults. Nothing is dropped
// silently: every field an importer does not turn into a policy is a note.

import { parseDuration } from '../model/duration.ts';
import type { Consumer, ImportNote, UpstreamSpec } from '../model/suite.ts';
import type { Policies } from '../model/policies.ts';

export type { ImportNote };

export interface ImportResult {
  policies: Policies;
  consumers: Consumer[];
  notes: ImportNote[];
}

export interface ImportContext {
  /** The file the text came from (for notes and relative paths). */
  file: string;
  /** The suite's upstreams, when known: hosts and versions are mapped onto them. */
  upstreams?: UpstreamSpec[];
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
  return { policies: {}, consumers: [], notes: [] };
}
