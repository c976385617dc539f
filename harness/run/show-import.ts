// What `proxyproof validate` prints below a suite's `ok` line: the routes it
// will check (first match wins), the expectations (policies) with where each
// came from, and what importing `policies.from` said, grouped: imported,
// defaulted, not checked (with the reason), conflicts and other info. Pure:
// the suite model in, lines out. Resource names, hosts and notes come from
// files someone else wrote, so every line is made printable first.

import { relative } from 'node:path';
import { describeMatch, type Route } from '../model/routes.ts';
import type { ImportNote, Suite } from '../model/suite.ts';
import { importAll } from '../policy/import.ts';
import { noteText } from '../suite/strict.ts';
import { printable } from '../util/printable.ts';

/** Keys whose values are credentials (an HS256 secret): named, never printed. */
const SECRET_KEY = /secret|password|token/i;

function value(v: unknown, key = ''): string {
  if (SECRET_KEY.test(key) && v !== undefined) return '(hidden)';
  if (Array.isArray(v)) return `[${v.map((x) => value(x)).join(', ')}]`;
  if (v && typeof v === 'object') return `{${fields(v as Record<string, unknown>, ': ')}}`;
  return String(v);
}

/** `upstream reviews, weights {v1: 90, v2: 10}`: the top level as words, nested maps with colons. */
function fields(o: Record<string, unknown>, sep = ' '): string {
  return Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}${sep}${value(v, k)}`)
    .join(', ');
}

/** One expectation: `canary (imported): upstream reviews, weights {v1 90, v2 10}, ...`. Routes are listed on their own. */
function expectationLine(name: string, policy: unknown, origin: string): string {
  const rest = { ...(policy as Record<string, unknown>) };
  if (name === 'routing') delete rest.routes;
  const text = fields(rest);
  return `    ${name} (${origin})${text ? `: ${text}` : ''}`;
}

/** The policy names `policies.from` supplied: what the import yields, less what the suite's own policies override. */
function importedNames(suite: Suite): Set<string> {
  if (!suite.imported) return new Set();
  const yielded = Object.keys(importAll(suite.imported.from, suite.upstreams).policies);
  // applyImported (policy/import.ts) notes each override as { source: 'suite', resource: <policy>, kind: 'info' }.
  const overridden = new Set(suite.imported.notes.filter((n) => n.source === 'suite' && n.kind === 'info').map((n) => n.resource));
  // The loader may drop what the import yielded (a fault rule for a host the suite lacks): only what the suite has counts.
  return new Set(yielded.filter((k) => !overridden.has(k) && k in suite.policies));
}

const isImported = (route: Route, suite: Suite) => route.origin.file !== suite.file;

function routeLine(route: Route, i: number, suite: Suite): string {
  const matches = route.matches.length ? route.matches.map(describeMatch).join(' | ') : 'every request';
  const weights = Object.entries(route.to.weights).map(([v, w]) => `${v} ${w}`).join(', ');
  const extras = [
    route.hosts.length ? `hosts ${route.hosts.join(', ')}` : '',
    Object.keys(route.policies).length ? `policies ${Object.keys(route.policies).join(', ')}` : '',
    route.rewrite ? `rewrite ${route.rewrite.full !== undefined ? `to ${route.rewrite.full}` : `prefix to ${route.rewrite.prefix}`}` : '',
  ].filter(Boolean);
  const label = route.origin.place.includes(route.name) ? route.origin.place : `${route.name} (${route.origin.place})`;
  // An Istio file set is imported as one (its DestinationRules serve every file's VirtualServices): its origin
  // names them all, as the import line does, so only a route from a single file says which.
  const single = isImported(route, suite) && !route.origin.file.includes(', ');
  const from = single ? `, from ${relative(suite.dir, route.origin.file)}` : '';
  return `    ${i + 1}. ${label}${from}: ${matches} -> ${route.to.upstream} ${weights}${extras.length ? `; ${extras.join('; ')}` : ''}`;
}

function routeLines(suite: Suite): string[] {
  const routes = suite.routes ?? [];
  if (!routes.length) return ['  routes: none (each expectation applies to every operation it names)'];
  return [`  routes (${routes.length}, first match wins):`, ...routes.map((r, i) => routeLine(r, i, suite))];
}

function expectationLines(suite: Suite, imported: Set<string>): string[] {
  const names = Object.keys(suite.policies);
  if (!names.length) return ['  expectations: none besides the routes'];
  const origin = (n: string) => (imported.has(n) ? 'imported' : 'suite');
  return ['  expectations:', ...names.map((n) => expectationLine(n, (suite.policies as Record<string, unknown>)[n], origin(n)))];
}

/** The groups, in the order printed; a note goes in the first whose kind it has. */
const GROUPS: ReadonlyArray<{ title: string; kind: ImportNote['kind'] }> = [
  { title: 'defaulted', kind: 'default' },
  { title: 'not checked', kind: 'unexpressed' },
  { title: 'conflicts', kind: 'conflict' },
  { title: 'info', kind: 'info' },
];

function noteGroup(title: string, notes: ImportNote[]): string[] {
  if (!notes.length) return [];
  // One resource's notes together, resources in the order the importer met them, each one's notes in its order.
  const order = [...new Set(notes.map((n) => n.resource))];
  const sorted = order.flatMap((r) => notes.filter((n) => n.resource === r));
  return [`    ${title} (${notes.length}):`, ...sorted.map((n) => `      ${noteText(n)}`)];
}

function importLines(suite: Suite, imported: Set<string>): string[] {
  if (!suite.imported) return [];
  const from = suite.imported.from.map((f) => relative(suite.dir, f)).join(', ');
  const routes = (suite.routes ?? []).filter((r) => isImported(r, suite)).map((r) => r.name);
  const what = [imported.size ? `expectations ${[...imported].join(', ')}` : '', routes.length ? `routes ${routes.join(', ')}` : ''].filter(Boolean);
  const { notes } = suite.imported;
  return [
    `  import from ${from}:`,
    `    imported: ${what.join('; ') || 'no expectation or route'}`,
    ...GROUPS.flatMap((g) => noteGroup(g.title, notes.filter((n) => n.kind === g.kind))),
  ];
}

/** The lines under a suite's `ok` line, each printable. */
export function suiteDetails(suite: Suite): string[] {
  const imported = importedNames(suite);
  return [...routeLines(suite), ...expectationLines(suite, imported), ...importLines(suite, imported)].map(printable);
}
