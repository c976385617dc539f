// How values are written into kong.yml. The document is built from objects
// and written by the yaml library, so quoting is the library's, with Kong's
// reader in mind (libyaml, YAML 1.1); what Kong itself interprets inside a
// string (request-transformer templates) is escaped here.

import { Document, Scalar, visit } from 'yaml';
import { commentText } from '../shared/values.ts';

/** Characters libyaml (Kong's YAML reader, YAML 1.1) refuses raw or reads as a line break: C1 controls, DEL, NEL, LS, PS, BOM, U+FFFE/F. */
const YAML_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;

/** A YAML comment line for kong.yml: the text cannot end it early. */
export function comment(text: string): string {
  return `# ${commentText(text)}`;
}

/**
 * kong.yml text for a document built from objects. The yaml library quotes
 * what YAML 1.2 would misread; Kong reads YAML 1.1 (libyaml), where yes, on,
 * y, 1_000 and 1:30 are not strings, so 1.1's rules decide the quoting. Strings
 * holding a character libyaml refuses or folds are double-quoted, and that
 * character written as an escape (\L, \x85), which only double quotes allow.
 */
export function kongYaml(doc: unknown): string {
  const d = new Document(doc, { version: '1.1', aliasDuplicateObjects: false });
  visit(d, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && YAML_UNSAFE.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  const named: Record<string, string> = { '\u0085': '\\N', '\u2028': '\\L', '\u2029': '\\P' };
  return d.toString({ lineWidth: 0 }).replace(new RegExp(YAML_UNSAFE.source, 'g'), (ch) => named[ch] ?? (ch < '\u0100' ? `\\x${ch.charCodeAt(0).toString(16)}` : `\\u${ch.charCodeAt(0).toString(16)}`));
}

/**
 * A request-transformer value: Kong renders each as a template, evaluating
 * $(...) as Lua, and its name:value split eats leading colons of the value.
 * A value with either is written as one template returning a Lua string whose
 * every byte but letters, digits and spaces is a decimal escape (no ( or ) left
 * to unbalance the template); other values as they are.
 */
export function templateText(value: string): string {
  if (!value.includes('$(') && !value.startsWith(':')) return value;
  const bytes = [...Buffer.from(value, 'utf8')].map((b) => (/[A-Za-z0-9 ]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `\\${String(b).padStart(3, '0')}`));
  return `$("${bytes.join('')}")`;
}
