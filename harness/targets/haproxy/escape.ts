// How a value is written into haproxy.cfg, one function per kind of place
// (configuration.txt, 2.2 "Quoting and escaping"). The line parser splits
// words at unquoted spaces, starts a comment at an unquoted #, takes \ escapes
// outside single quotes and expands $VAR inside double quotes; an empty word
// ends the line's arguments. Arguments inside parentheses (req.hdr(...),
// jwt_verify(...)) are parsed a second time, where , and ) end an argument,
// so they get a second level of quoting. Control characters are refused:
// HAProxy reads a config line by line and a value has no business holding one.

import { InputError } from '../../model/errors.ts';
import { basicUser, commentText, noControl, regexSource, type Source } from '../shared/values.ts';

const HAPROXY = 'haproxy.cfg';
/** Characters that mean nothing to either parsing level: such a word is written as is. */
const PLAIN = /^[A-Za-z0-9_.\/:@+=~-]+$/;

/** A comment to the end of the line; whatever the text holds, it cannot end the comment early. */
export function comment(text: string): string {
  return `# ${commentText(text)}`;
}

/** A double-quoted word: \ " and $ (which would expand a variable) escaped. */
export function str(value: string, src: Source): string {
  return `"${noControl(value, src, HAPROXY).replace(/[\\"$]/g, '\\$&')}"`;
}

/** A word: bare when plain, else str(). */
export function word(value: string, src: Source): string {
  return PLAIN.test(value) ? value : str(value, src);
}

/**
 * An argument inside parentheses. Plain: as is (or in double quotes when
 * `quoted`, as the JWT key arguments always were). Otherwise single-quoted for
 * the argument parser (nothing inside is special; a ' is closed, escaped and
 * reopened), and that double-quoted for the line parser.
 */
export function arg(value: string, src: Source, quoted = false): string {
  noControl(value, src, HAPROXY);
  if (PLAIN.test(value)) return quoted ? `"${value}"` : value;
  const inner = `'${value.replace(/'/g, "'\\''")}'`;
  return `"${inner.replace(/[\\"$]/g, '\\$&')}"`;
}

/** A PCRE regex as one unquoted word: backslashes doubled, spaces, quotes and # escaped. */
export function regex(value: string, src: Source): string {
  return regexSource(value, src, HAPROXY).replace(/\\/g, '\\\\').replace(/([ "'#])/g, '\\$1');
}

/** A header value for set-header: a log-format string, so % is doubled; empty as %[str()] (an empty word would end the line). */
export function logFormat(value: string, src: Source): string {
  if (value === '') return '"%[str()]"';
  return `"${noControl(value, src, HAPROXY).replace(/[\\"$]/g, '\\$&').replace(/%/g, '%%')}"`;
}

/**
 * ACL patterns after -m: `--` first when one starts with '-' (it would be read
 * as a flag: -f reads patterns from a file); an empty pattern is refused (an
 * empty word ends the line's arguments).
 */
export function patterns(values: Array<{ raw: string; text: string; src: Source }>): string {
  const empty = values.find((v) => v.raw === '');
  if (empty) throw new InputError(empty.src.file, empty.src.place, 'HAProxy cannot match an empty value here (an empty word ends its argument list)');
  const dashes = values.some((v) => v.raw.startsWith('-')) ? '-- ' : '';
  return `${dashes}${values.map((v) => v.text).join(' ')}`;
}

/** A pattern inside `{ ... }`: a word that reads as '}' would close the condition early, so it is refused. */
export function inBraces(raw: string, src: Source): string {
  if (raw === '}') throw new InputError(src.file, src.place, "HAProxy cannot match the value '}' inside a condition { ... } (the word closes it)");
  return raw;
}

/** A userlist user name: a basic-auth user name, written as word(). */
export function userName(user: string, src: Source): string {
  return word(basicUser(user, src), src);
}
