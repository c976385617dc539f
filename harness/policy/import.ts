// policies.from: read each named file, pick the importer by content, and merge
// the results. Explicit policies in the suite win over imported ones; a
// conflict between two imported files keeps the first and says so.

import { readFileSync } from 'node:fs';
import { InputError } from '../model/errors.ts';
import type { Consumer, ImportNote, UpstreamSpec } from '../model/suite.ts';
import type { Policies } from '../model/policies.ts';
import { importIstio, looksLikeIstio } from './import-istio.ts';
import { importKong, looksLikeKong, looksLikeOpenApiKong } from './import-kong.ts';
import type { BackendMapping, ImportResult } from './types.ts';

/** One file's text -> expectations. Istio/Gateway API YAML or Kong declarative config. */
export function importText(text: string, file: string, upstreams?: UpstreamSpec[]): ImportResult {
  if (looksLikeIstio(text)) return importIstio(text, { file, upstreams });
  if (looksLikeKong(text) || looksLikeOpenApiKong(text)) return importKong(text, { file, upstreams });
  throw new InputError(file, undefined, 'neither Istio/Gateway API resources (apiVersion networking.istio.io/..., security.istio.io/...), Kong declarative config (_format_version) nor OpenAPI with x-kong-* extensions');
}

export function importFile(file: string, upstreams?: UpstreamSpec[]): ImportResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(file, undefined, `cannot read the policy source: ${(err as Error).message}`);
  }
  return importText(text, file, upstreams);
}

/**
 * Merge imported results (in order) under the suite's explicit policies.
 * Istio reads all files of one run together, so DestinationRules in one file
 * name the subsets of VirtualServices in another: Istio files are imported as one set.
 */
export function importAll(files: string[], upstreams: UpstreamSpec[], backends?: Record<string, BackendMapping>): ImportResult {
  const texts = files.map((file) => {
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch (err) {
      throw new InputError(file, undefined, `cannot read the policy source: ${(err as Error).message}`);
    }
  });
  const istio = texts.filter((t) => looksLikeIstio(t.text));
  const results: ImportResult[] = [];
  if (istio.length) {
    // DestinationRules first, across files.
    const combined = istio.map((t) => t.text.replace(/^(?!---)/, '---\n')).join('\n');
    const r = importIstio(combined, { file: istio.map((t) => t.file).join(', '), upstreams, ...(backends ? { backends } : {}) });
    // Notes name the file set; good enough to find them, each resource is named.
    results.push(r);
  }
  for (const t of texts) if (!looksLikeIstio(t.text)) results.push(importText(t.text, t.file, upstreams));
  return mergeResults(results);
}

export function mergeResults(results: ImportResult[]): ImportResult {
  const out: ImportResult = { policies: {}, consumers: [], notes: [], routes: [], consumed: [] };
  for (const r of results) {
    out.notes.push(...r.notes);
    out.routes.push(...r.routes);
    out.consumed.push(...r.consumed);
    for (const key of Object.keys(r.policies) as Array<keyof Policies>) {
      if (out.policies[key] === undefined) (out.policies as Record<string, unknown>)[key] = r.policies[key];
      else if (key === 'fault') out.policies.fault!.rules.push(...r.policies.fault!.rules);
      else out.notes.push({ source: 'policies.from', resource: key, kind: 'conflict', message: `${key} imported from more than one file; the first stays` });
    }
    out.consumers.push(...r.consumers);
  }
  return out;
}

/** Explicit suite policies win; imported ones fill the gaps. Notes say which imported ones were overridden. */
export function applyImported(explicit: Policies, imported: ImportResult): { policies: Policies; notes: ImportNote[] } {
  const policies: Policies = { ...imported.policies, ...explicit };
  const notes = [...imported.notes];
  for (const key of Object.keys(imported.policies) as Array<keyof Policies>) {
    if (explicit[key] !== undefined) notes.push({ source: 'suite', resource: key, kind: 'info', message: `the suite's own ${key} policy overrides the imported one` });
  }
  return { policies, notes };
}

/** Imported consumers join the suite's, skipping names and credentials already there. */
export function mergeConsumers(own: Consumer[], imported: Consumer[]): Consumer[] {
  const out = [...own];
  const names = new Set(own.map((c) => c.name));
  const creds = new Set(own.map((c) => JSON.stringify(c.credential)));
  for (const c of imported) {
    if (names.has(c.name) || creds.has(JSON.stringify(c.credential))) continue;
    names.add(c.name);
    creds.add(JSON.stringify(c.credential));
    out.push(c);
  }
  return out;
}
