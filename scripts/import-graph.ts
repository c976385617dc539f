// Prints the folder-level import graph of harness/ (type-only imports and
// tests included) and exits 1 when it has a cycle, naming one cycle and the
// imports that make it. Run by `make test` (and so by CI):
//
//   npx tsx scripts/import-graph.ts          the graph, one line per folder
//   npx tsx scripts/import-graph.ts --dot    the same as Graphviz dot
//
// A folder is a top-level folder of harness/ (checks/auth/ counts as checks);
// harness/index.ts and harness/vitest.ts, the public entries, are left out:
// they import everything and nothing imports them.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const harness = path.join(root, 'harness');
const ENTRIES = new Set(['index.ts', 'vitest.ts']);

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier a file names: import, export ... from, import(), import type. */
export function specifiers(file: string, text = readFileSync(file, 'utf8')): string[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      out.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text);
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      // `declare module '../../model/policies.ts' { ... }` augments that module: an edge like an import.
      out.push(node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return out;
}

export interface Edge {
  from: string;
  to: string;
  /** file -> specifier pairs that make the edge */
  via: string[];
}

export function folderGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of files(harness)) {
    const rel = path.relative(harness, file);
    if (ENTRIES.has(rel)) continue;
    const from = rel.split(path.sep)[0];
    if (!graph.has(from)) graph.set(from, new Map());
    for (const spec of specifiers(file)) {
      if (!spec.startsWith('.')) continue;
      const target = path.relative(harness, path.resolve(path.dirname(file), spec));
      if (target.startsWith('..')) continue; // outside harness/ (package.json)
      const to = target.split(path.sep)[0];
      if (to === from || ENTRIES.has(to)) continue;
      const edges = graph.get(from)!;
      if (!edges.has(to)) edges.set(to, []);
      edges.get(to)!.push(`${rel} -> ${spec}`);
    }
  }
  return graph;
}

/** One cycle as a list of folders (first = last), or undefined. */
export function findCycle(graph: Map<string, Map<string, string[]>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of [...(graph.get(n)?.keys() ?? [])].sort()) {
      if (state.get(m) === 'open') return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of [...graph.keys()].sort()) {
    if (!state.has(n)) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return undefined;
}

/** Folders from the top (imports most) to the bottom (imports none): a topological order. */
export function layers(graph: Map<string, Map<string, string[]>>): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string): void => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const m of [...(graph.get(n)?.keys() ?? [])].sort()) visit(m);
    order.push(n);
  };
  for (const n of [...graph.keys()].sort()) visit(n);
  return order.reverse();
}

function main(): number {
  const graph = folderGraph();
  const cycle = findCycle(graph);
  if (process.argv.includes('--dot')) {
    const lines = ['digraph harness {'];
    for (const [from, edges] of graph) for (const to of edges.keys()) lines.push(`  "${from}" -> "${to}";`);
    lines.push('}');
    process.stdout.write(`${lines.join('\n')}\n`);
  } else if (!cycle) {
    for (const n of layers(graph)) process.stdout.write(`${n.padEnd(9)} -> ${[...(graph.get(n)?.keys() ?? [])].sort().join(', ') || '(nothing)'}\n`);
  }
  if (cycle) {
    process.stderr.write(`import-graph: harness/ has a folder cycle: ${cycle.join(' -> ')}\n`);
    for (let i = 0; i + 1 < cycle.length; i++) {
      for (const via of graph.get(cycle[i])!.get(cycle[i + 1])!.slice(0, 3)) process.stderr.write(`  ${via}\n`);
    }
    return 1;
  }
  process.stdout.write('import-graph: no cycle\n');
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main());
