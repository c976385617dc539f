// Strict import: for teams whose CI must refuse a mesh or gateway config that
// proxyproof cannot fully check. Under `proxyproof validate|run --strict`, or
// `import: { strict: true }` in the suite, any note of kind 'unexpressed' (a
// field the importer names as not checked) is an input error: exit 2, one
// line naming the resource and the field, before anything starts or is written.

import type { ImportNote } from '../model/suite.ts';
import { printable } from '../util/printable.ts';

/** `VirtualService/reviews spec.http[1].mirror: <message>`; the field only where the importer gave one. */
export function noteText(n: ImportNote): string {
  // Notes that name their field in the message already are not given it twice.
  const field = n.field && !n.message.includes(n.field) ? ` ${n.field}` : '';
  return `${n.resource}${field}: ${n.message}`;
}

/**
 * The one-line detail for the first 'unexpressed' note, or undefined when
 * every imported field is checked. `why` names the switch (--strict) when the
 * error's place does not (import.strict does).
 */
export function notCheckedDetail(notes: readonly ImportNote[], why?: string): string | undefined {
  const open = notes.filter((n) => n.kind === 'unexpressed');
  if (!open.length) return undefined;
  const more = open.length > 1 ? ` (and ${open.length - 1} more; proxyproof validate without --strict lists them)` : '';
  // Resource names and messages come from someone else's files.
  return printable(`${why ? `${why}: ` : ''}not checked: ${noteText(open[0])}${more}`);
}
