// The vendored real Istio and Gateway API samples (fixtures/realdata, verbatim
// public copies with provenance) the field-walk test and scripts/import-tally.ts
// read: every YAML file under fixtures/realdata/istio and
// fixtures/realdata/gateway-api, generated golden outputs included (Istio's
// kube-gateway-http.yaml.golden is VirtualServices, resources like any other).
// Left out: *.yaml.tmpl (Go templates: YAML only once rendered) and the JWT
// material beside them (.md, .json, .pem, .jwt: not resources).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { importIstio, nameOf } from './import-istio.ts';
import { covers, leafFields, type ImportResult, type Obj } from './types.ts';

const RESOURCE_FILE = /\.ya?ml(\.golden)?$/;

/** Sample files under `dirs`, sorted. */
export function sampleFiles(dirs: string[]): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : RESOURCE_FILE.test(name) ? [p] : [];
    });
  return dirs.flatMap(walk).sort();
}

/** One resource of a sample, as imported on its own file: its leaf fields and those nothing consumed or named. */
export interface SampleResource {
  file: string;
  resource: string;
  kind: string;
  leaves: string[];
  silent: string[];
}

/** The resources of one file (documents with a kind). */
export function resourcesOf(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((v): v is Obj => !!v && typeof v === 'object' && typeof (v as Obj).kind === 'string');
}

/** Leaf fields of a resource neither consumed nor named by a note of the import. */
export function silentFields(doc: Obj, result: ImportResult): string[] {
  const res = nameOf(doc);
  const fields = [...result.consumed.filter((c) => c.resource === res).map((c) => c.field), ...result.notes.filter((n) => n.resource === res && n.field !== undefined).map((n) => n.field!)];
  return leafFields(doc).filter((leaf) => !fields.some((f) => covers(f, leaf)));
}

/** Import one sample file on its own (no suite: hosts and backendRefs name their own upstreams). */
export function importSample(file: string): { docs: Obj[]; result?: ImportResult; error?: string } {
  const text = readFileSync(file, 'utf8');
  const docs = resourcesOf(text);
  try {
    return { docs, result: importIstio(text, { file }) };
  } catch (err) {
    return { docs, error: (err as Error).message };
  }
}

export function walkSample(file: string): SampleResource[] {
  const { docs, result } = importSample(file);
  return docs.map((doc) => ({ file, resource: nameOf(doc), kind: String(doc.kind), leaves: leafFields(doc), silent: result ? silentFields(doc, result) : [] }));
}
