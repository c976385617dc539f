// Lists the longest functions in harness/ (tests left out) and exits 1 when
// one is over the limit, 80 lines. The load engine's hot path is exempt by
// name: it is kept free of calls on purpose (harness/load/http-conn.ts,
// runEngine's scheduler). Run by `make test`:
//
//   npx tsx scripts/function-lengths.ts            the ten longest, and any over the limit
//   npx tsx scripts/function-lengths.ts --top 30

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const LIMIT = 80;
/** file:function names allowed over the limit, and why. */
const EXEMPT: Record<string, string> = {
  'load/engine.ts:runEngine': 'the open- and closed-model scheduler: the hot path, kept inline',
  'load/http-conn.ts:#onData': 'the response parser of the raw keep-alive connection: the hot path',
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const harness = path.join(root, 'harness');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return files(p);
    return /\.ts$/.test(name) && !/\.(test|d)\.ts$/.test(name) ? [p] : [];
  });
}

export interface FunctionLength {
  where: string;
  name: string;
  lines: number;
  /** The functions it is nested in, outermost first. */
  within: string[];
}

function nameOf(node: ts.Node): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessor(node)) && node.name) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText();
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText();
  if (parent && ts.isPropertyDeclaration(parent)) return parent.name.getText();
  return '(anonymous)';
}

export function functionLengths(file: string): FunctionLength[] {
  const text = readFileSync(file, 'utf8');
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: FunctionLength[] = [];
  const rel = path.relative(harness, file);
  const visit = (node: ts.Node, within: string[]): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = src.getLineAndCharacterOfPosition(node.getStart(src)).line;
      const end = src.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = nameOf(node);
      out.push({ where: `${rel}:${start + 1}`, name, lines: end - start + 1, within });
      ts.forEachChild(node, (n) => visit(n, [...within, name]));
      return;
    }
    ts.forEachChild(node, (n) => visit(n, within));
  };
  visit(src, []);
  return out;
}

function main(): number {
  const topArg = process.argv.indexOf('--top');
  const top = topArg > 0 ? Number(process.argv[topArg + 1]) : 10;
  const all = files(harness).flatMap(functionLengths).sort((a, b) => b.lines - a.lines);
  // A function nested in an exempt one is part of the same hot path.
  const exempt = (f: FunctionLength) => [f.name, ...f.within].map((n) => EXEMPT[`${f.where.split(':')[0]}:${n}`]).find(Boolean);
  for (const f of all.slice(0, top)) process.stdout.write(`${String(f.lines).padStart(4)}  ${f.name}  ${f.where}${exempt(f) ? `  (exempt: ${exempt(f)})` : ''}\n`);
  const over = all.filter((f) => f.lines > LIMIT && !exempt(f));
  for (const f of over) process.stderr.write(`function-lengths: ${f.name} at harness/${f.where} is ${f.lines} lines, over ${LIMIT}\n`);
  return over.length ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main());
