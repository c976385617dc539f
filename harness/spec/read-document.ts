// Reading and parsing one spec file (the spec itself or a file it $refs) with
// limits, so that a hostile file fails fast with one line instead of taking
// the machine: a size limit, YAML's alias limit, and a limit on the nodes the
// document expands to and on how deep it nests (every later walk, ours and
// the libraries', is recursive). Error text never quotes the file's content:
// the file may be one the reader must not show (a mistaken $ref, a secret).

import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { InputError, oneLine } from '../model/errors.ts';

/** Largest file read, the spec or a $ref'd one. */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
/**
 * `yaml`'s maxAliasCount: uses of one anchor times the aliases inside it. Real
 * specs use one anchor for a shared response in every operation, so the cap
 * is above that; the node limit below bounds what aliases can expand to.
 */
export const MAX_YAML_ALIASES = 10_000;
/** Nodes a document may expand to (aliases counted at every use). Real specs: 32k for box's 1.7 MB. */
export const MAX_NODES = 2_000_000;
/**
 * Nodes a bundled document may expand to with every $ref followed at every
 * use: what swagger-parser's validator walks (about 2.5 µs a node). Real
 * specs: 400k for box's. A cap, not a budget: past it a spec is refused.
 */
export const MAX_EXPANDED_NODES = 5_000_000;
/** Nesting depth with every $ref followed. Real specs: 77 for box's; the validator overflowed near 1,800. */
export const MAX_EXPANDED_DEPTH = 600;
/** Nesting depth of a document. Real specs: 22 at most; the libraries recurse once or more per level. */
export const MAX_DEPTH = 256;
/** Longest message text taken from a parser or resolver. */
const MAX_MESSAGE = 200;

const MB = 1024 * 1024;

/**
 * A library's error message made safe to print: one line, no long quoted
 * text (where parsers quote the input), not the value a JSON pointer failed
 * to walk into, capped in length.
 */
export function sanitizeMessage(msg: string): string {
  let m = oneLine(msg)
    // A JSON pointer walked into a string: the TypeError carries the whole string.
    .replace(/Cannot use 'in' operator to search for '([^']*)' in .*$/, "$ref pointer token '$1' goes into a value that is not a mapping or list")
    // A quotation (opened after a space or punctuation) of 40 characters or more, closed or running to the end.
    .replace(/(^|[\s([{:,=])(["'`])(?:(?!\2).){40,}(?:\2|$)/g, '$1$2…$2');
  if (m.length > MAX_MESSAGE) m = `${m.slice(0, MAX_MESSAGE)}…`;
  return m;
}

/**
 * The bytes of a local file: a regular file only (a FIFO or device would
 * block or never end), at most MAX_FILE_BYTES, whatever size it claims
 * (procfs files claim 0). Errors name `label`.
 */
export async function readLimitedFile(label: string, file: string): Promise<Buffer> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(label, undefined, code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? 'error'})`);
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new InputError(label, undefined, 'cannot read the file (EISDIR)');
    if (!st.isFile()) throw new InputError(label, undefined, 'cannot read the file (not a regular file)');
    if (st.size > MAX_FILE_BYTES) throw tooLarge(label);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_FILE_BYTES) throw tooLarge(label);
      chunks.push(buf.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(label, undefined, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await handle.close();
  }
}

export function tooLarge(label: string): InputError {
  return new InputError(label, undefined, `larger than the ${MAX_FILE_BYTES / MB} MB limit for a spec file`);
}

/** Whether text is read as JSON: by its name, or by its first character. */
export function looksLikeJson(name: string, text: string): boolean {
  return /\.json$/i.test(name.split(/[?#]/)[0]) || text.trimStart().startsWith('{');
}

/** JSON or YAML text to a value; errors are InputError(label, line, detail) with no content quoted. */
export function parseDocumentText(label: string, text: string, json: boolean): unknown {
  let doc: unknown;
  if (json) {
    try {
      doc = JSON.parse(text);
    } catch (err) {
      const msg = oneLine(err);
      const m = /position (\d+)/.exec(msg);
      const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
      // V8 quotes the text it failed on: `Unexpected token 'r', "root:x:0:0"... is not valid JSON`.
      const detail = msg.replace(/ in JSON at position \d+.*$/, '').replace(/,?\s*".*$/, '');
      throw new InputError(label, line ? `line ${line}` : undefined, `JSON syntax error: ${sanitizeMessage(detail)}`);
    }
  } else {
    try {
      doc = parseYaml(text, { prettyErrors: true, maxAliasCount: MAX_YAML_ALIASES });
    } catch (err) {
      if (err instanceof YAMLParseError) {
        const line = err.linePos?.[0]?.line;
        throw new InputError(label, line ? `line ${line}` : undefined, `YAML syntax error: ${sanitizeMessage(err.message.split('\n')[0].replace(/ at line \d+, column \d+:?.*$/, ''))}`);
      }
      if (/Excessive alias count/.test(oneLine(err))) {
        throw new InputError(label, undefined, `YAML aliases expand too far (more than ${MAX_YAML_ALIASES} alias uses): refused as an alias bomb`);
      }
      throw new InputError(label, undefined, `YAML syntax error: ${sanitizeMessage(oneLine(err))}`);
    }
  }
  checkDocumentShape(label, doc);
  return doc;
}

interface Frame {
  node: object;
  kids: unknown[];
  next: number;
  size: number;
}

/**
 * Refuses a document that expands to more than MAX_NODES nodes (a YAML
 * anchor's node counted at every alias) or nests deeper than MAX_DEPTH, or
 * that contains itself (an alias inside its own anchor). Each distinct node
 * is visited once and the walk keeps its own stack, so this is fast on the
 * very documents it refuses.
 */
export function checkDocumentShape(label: string, doc: unknown): void {
  if (typeof doc !== 'object' || doc === null) return;
  const sizes = new Map<object, number>();
  const onStack = new Set<object>([doc]);
  const stack: Frame[] = [{ node: doc, kids: Object.values(doc), next: 0, size: 1 }];
  const expands = () => new InputError(label, undefined, `the document expands to more than ${MAX_NODES} nodes (YAML aliases counted at each use): refused as an alias bomb`);
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.next < top.kids.length) {
      const kid = top.kids[top.next++];
      if (typeof kid !== 'object' || kid === null) {
        top.size += 1;
        continue;
      }
      const known = sizes.get(kid);
      if (known !== undefined) {
        top.size += known;
        if (top.size > MAX_NODES) throw expands();
        continue;
      }
      if (onStack.has(kid)) throw new InputError(label, undefined, 'a YAML alias refers to a node that contains it');
      if (stack.length >= MAX_DEPTH) throw new InputError(label, undefined, `nested deeper than ${MAX_DEPTH} levels`);
      onStack.add(kid);
      stack.push({ node: kid, kids: Object.values(kid), next: 0, size: 1 });
      continue;
    }
    stack.pop();
    onStack.delete(top.node);
    sizes.set(top.node, top.size);
    const parent = stack[stack.length - 1];
    if (parent) {
      parent.size += top.size;
      if (parent.size > MAX_NODES) throw expands();
    }
  }
}

/** The value a local `#/a/b` pointer names in `doc`; undefined when absent or not local. */
function localTarget(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let cur: unknown = doc;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/**
 * Refuses a bundled document (every $ref local) whose $refs, each followed at
 * each use, expand it to more than MAX_EXPANDED_NODES nodes or nest it deeper
 * than MAX_EXPANDED_DEPTH: swagger-parser validates the dereferenced document
 * (recursively), so ten schemas each an allOf of ten $refs to the one before
 * would be walked 10^9 times, and a chain of 600 $refs overflows its stack. A
 * $ref back into what is being expanded is recursion and counts once (it stays
 * a $ref when validated). Sizes and heights are memoised per node, so this is
 * linear in the document whatever order its parts come in.
 */
export function checkRefExpansion(label: string, doc: unknown): void {
  if (typeof doc !== 'object' || doc === null) return;
  const measured = new Map<object, { size: number; height: number }>();
  const onStack = new Set<object>([doc]);
  const kidsOf = (node: object): unknown[] => {
    const kids = Object.values(node);
    const ref = (node as Record<string, unknown>).$ref;
    if (typeof ref === 'string') kids.push(localTarget(doc, ref));
    return kids;
  };
  const stack: (Frame & { height: number })[] = [{ node: doc, kids: kidsOf(doc), next: 0, size: 1, height: 0 }];
  const add = (frame: Frame & { height: number }, size: number, height: number) => {
    frame.size += size;
    frame.height = Math.max(frame.height, height + 1);
    if (frame.size > MAX_EXPANDED_NODES) {
      throw new InputError(label, undefined, `$refs, followed at each use, expand the document to more than ${MAX_EXPANDED_NODES} nodes: refused as a $ref bomb`);
    }
    if (frame.height > MAX_EXPANDED_DEPTH) {
      throw new InputError(label, undefined, `$refs, followed at each use, nest the document deeper than ${MAX_EXPANDED_DEPTH} levels (a chain of $refs too long to validate)`);
    }
  };
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.next < top.kids.length) {
      const kid = top.kids[top.next++];
      if (typeof kid !== 'object' || kid === null || onStack.has(kid)) {
        add(top, 1, 0);
        continue;
      }
      const known = measured.get(kid);
      if (known) {
        add(top, known.size, known.height);
        continue;
      }
      onStack.add(kid);
      stack.push({ node: kid, kids: kidsOf(kid), next: 0, size: 1, height: 0 });
      continue;
    }
    stack.pop();
    onStack.delete(top.node);
    measured.set(top.node, { size: top.size, height: top.height });
    const parent = stack[stack.length - 1];
    if (parent) add(parent, top.size, top.height);
  }
}
