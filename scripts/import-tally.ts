// What the Istio and Gateway API importer makes of every vendored real sample
// (harness/policy/samples.ts: fixtures/realdata/istio and gateway-api), per
// resource: fully expressed (every field consumed into an expectation, or
// named only as info or a default), has not-checked fields (the reasons
// tallied by field), or rejected (the import's error). Each file is imported
// on its own, without a suite, as `proxyproof validate` would read it beside
// a suite whose upstreams it names. Fields neither consumed nor named (there
// should be none: harness/policy/field-walk.test.ts) are counted too.
//
//   npx tsx scripts/import-tally.ts            per resource, then the tally
//   npx tsx scripts/import-tally.ts --summary  the tally only
//
// A note on a field the resource does not write (the parts of Istio's default
// retry the mocks cannot provoke) does not make the resource's fields "not
// checked"; those resources are counted on their own line.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nameOf } from '../harness/policy/import-istio.ts';
import { importSample, sampleFiles, silentFields } from '../harness/policy/samples.ts';
import { covers, leafFields, type ImportNote } from '../harness/policy/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const real = path.join(root, 'fixtures', 'realdata');
const ISTIO_OR_GATEWAY = /^(networking\.istio\.io|security\.istio\.io|gateway\.networking\.k8s\.io)\//;

type Status = 'expressed' | 'not checked' | 'rejected';

interface Row {
  file: string;
  resource: string;
  istio: boolean;
  status: Status;
  routes: number;
  reasons: ImportNote[];
  /** Not-checked parts of defaults the importer filled in (Istio's default retry on a route that writes none). */
  defaults: ImportNote[];
  silent: string[];
  error?: string;
}

/** The field a note is about, without indices: spec.http[2].match[0].sourceLabels -> sourceLabels. */
function reasonKey(n: ImportNote): string {
  const field = (n.field ?? '').replace(/\[\d+\]/g, '');
  const quoted = /\["((?:[^"\\]|\\.)*)"\]$/.exec(field);
  const last = quoted ? quoted[1] : (field.split('.').at(-1) ?? '');
  if (last === 'spec' || last === '') return `${n.resource.split('/')[0]} (whole resource)`;
  // A filter's note names its type: tally by type.
  const filter = last === 'filters' ? /filter (\w+)/.exec(n.message)?.[1] : undefined;
  return filter ? `filters ${filter}` : last;
}

function rowsOf(file: string): Row[] {
  const { docs, result, error } = importSample(file);
  const rel = path.relative(real, file);
  return docs.map((doc) => {
    const resource = nameOf(doc);
    const istio = ISTIO_OR_GATEWAY.test(String(doc.apiVersion ?? ''));
    if (!result) return { file: rel, resource, istio, status: 'rejected', routes: 0, reasons: [], defaults: [], silent: [], error };
    // A field of the resource named as not checked; a default's parts (a field the resource does not write) are counted apart.
    const leaves = leafFields(doc);
    const unexpressed = result.notes.filter((n) => n.resource === resource && n.kind === 'unexpressed');
    const inResource = (n: ImportNote) => n.field === undefined || leaves.some((l) => covers(n.field!, l));
    const reasons = unexpressed.filter(inResource);
    const defaults = unexpressed.filter((n) => !inResource(n));
    const routes = result.routes.filter((r) => r.origin.place.startsWith(`${resource} `)).length;
    return { file: rel, resource, istio, status: reasons.length ? 'not checked' : 'expressed', routes, reasons, defaults, silent: silentFields(doc, result) };
  });
}

function printRows(rows: Row[]): void {
  for (const r of rows) {
    const why = r.status === 'rejected' ? r.error : [...new Set(r.reasons.map(reasonKey))].join(', ');
    process.stdout.write(`${r.status.padEnd(12)} ${r.file}  ${r.resource}  routes ${r.routes}${why ? `  — ${why}` : ''}${r.silent.length ? `  SILENT ${r.silent.join(' ')}` : ''}\n`);
  }
}

function printTally(rows: Row[]): void {
  const count = (s: Status, istio: boolean) => rows.filter((r) => r.status === s && r.istio === istio).length;
  const ours = rows.filter((r) => r.istio);
  const others = rows.filter((r) => !r.istio);
  const pct = (n: number, of: number) => (of ? ((100 * n) / of).toFixed(1) : '0.0');
  const named = count('expressed', true) + count('not checked', true);
  process.stdout.write(`\nIstio and Gateway API resources: ${ours.length} (${rows.length} in ${new Set(rows.map((r) => r.file)).size} files; ${others.length} of other API groups, named whole)\n`);
  process.stdout.write(`  fully expressed:          ${count('expressed', true)}\n`);
  process.stdout.write(`  has not-checked fields:   ${count('not checked', true)}\n`);
  process.stdout.write(`  rejected:                 ${count('rejected', true)}\n`);
  process.stdout.write(`  every route and policy checked or named with its reason: ${named} of ${ours.length} (${pct(named, ours.length)}%)\n`);
  process.stdout.write(`  routes imported: ${ours.reduce((a, r) => a + r.routes, 0)}\n`);
  process.stdout.write(`  resources with a default partly not checked (Istio's default retry on connection errors and gRPC statuses): ${ours.filter((r) => r.defaults.length).length}\n`);
  process.stdout.write(`  fields neither consumed nor named (dropped silently): ${rows.reduce((a, r) => a + r.silent.length, 0)}\n`);
  const tally = new Map<string, { resources: Set<string>; example: string }>();
  for (const r of ours) {
    for (const n of r.reasons) {
      const k = reasonKey(n);
      const t = tally.get(k) ?? { resources: new Set<string>(), example: n.message };
      t.resources.add(`${r.file} ${r.resource}`);
      tally.set(k, t);
    }
  }
  process.stdout.write('\nnot-checked reasons (resources naming each, one example):\n');
  for (const [k, t] of [...tally].sort((a, b) => b[1].resources.size - a[1].resources.size)) {
    process.stdout.write(`  ${String(t.resources.size).padStart(4)}  ${k}: ${t.example.length > 180 ? `${t.example.slice(0, 177)}...` : t.example}\n`);
  }
}

const rows = sampleFiles([path.join(real, 'istio'), path.join(real, 'gateway-api')]).flatMap(rowsOf);
if (!process.argv.includes('--summary')) printRows(rows);
printTally(rows);
