// Checks every renderer applies to a value before it goes into a config, and
// the text of comments. A renderer's own quoting lives in its folder
// (nginx/escape.ts, haproxy/escape.ts); what is shared is what cannot be
// represented at all, how that is said, and where the value came from.
// The suite loader checks the same things; these are the renderers' own
// defence, so a config is never written from a value that would break it.

import { InputError } from '../../model/errors.ts';
import { ALL_METHODS, type Operation } from '../../model/spec.ts';
import type { RenderInput } from '../../model/target.ts';

/** Where a value came from, for the InputError: the suite (or spec) file and the setting. */
export interface Source {
  file: string;
  place: string | undefined;
}

/** C0 controls and DEL: nginx has no escape that writes one, and no value these configs carry needs one. */
const CONTROL = /[\u0000-\u001f\u007f]/;
/** What ends or splits a line for some reader: controls, NEL, the Unicode line and paragraph separators. */
const LINE_BREAKING = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/g;

/** The character as a reader sees it named: a newline, NUL, U+2028. */
export function charName(ch: string): string {
  const named: Record<string, string> = { '\n': 'a newline', '\r': 'a carriage return', '\t': 'a tab', '\0': 'NUL' };
  return named[ch] ?? `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** `name` as one segment of a setting's place: bare when plain, else JSON-quoted (so a newline stays visible). */
export function placeKey(name: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(name) ? name : JSON.stringify(name);
}

/** The value unchanged, or an InputError when it holds a control character (`what` names the config). */
export function noControl(value: string, src: Source, what: string): string {
  const m = CONTROL.exec(value);
  if (m) throw new InputError(src.file, src.place, `${what} cannot carry ${charName(m[0])} in this value; remove it`);
  return value;
}

/**
 * Text for a comment that cannot end early: every control character and line
 * separator is written as a visible escape (\n, \u2028), so a comment stays
 * one line whatever the operationId, suite name or path holds.
 */
export function commentText(text: string): string {
  return text.replace(LINE_BREAKING, (ch) => {
    const short: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return short[ch] ?? `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`;
  });
}

/** An HTTP header name (RFC 9110 token), or an InputError. */
export function headerName(name: string, src: Source): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
    throw new InputError(src.file, src.place, `header name ${JSON.stringify(name)} is not an HTTP token (letters, digits and !#$%&'*+.^_\`|~-)`);
  }
  return name;
}

/** An HTTP header value: no control characters (no proxy sends them), or an InputError. */
export function headerValue(value: string, src: Source): string {
  return noControl(value, src, 'an HTTP header value');
}

/** Escapes that mean the same to JavaScript, PCRE (nginx, HAProxy) and RE2 (Envoy). */
const SHARED_ESCAPES = /[dDwWsSbBnrtf]/;

/** The escape at `i` (a backslash) when the dialects disagree on it, else undefined. */
function escapeProblem(source: string, i: number, inClass: boolean): string | undefined {
  const next = source[i + 1];
  if (next === undefined) return 'it ends in a lone backslash';
  if (!/[A-Za-z0-9]/.test(next)) return undefined;
  if (next === 'x' && /^[0-9A-Fa-f]{2}$/.test(source.slice(i + 2, i + 4))) return undefined;
  if (SHARED_ESCAPES.test(next) && !(inClass && next === 'B')) return undefined;
  return `the escape \\${next} is unknown to PCRE or RE2, or means something else there; write the character or a class`;
}

/**
 * Where JavaScript, PCRE and RE2 read a regex differently, or one of them
 * refuses it: odd escapes, an empty class ([] is an unclosed class to PCRE),
 * POSIX classes, lookbehind (fixed length only in PCRE, none in RE2) and, for
 * RE2, lookahead.
 */
function dialectProblem(source: string, re2: boolean): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const problem = escapeProblem(source, i, inClass);
      if (problem) return problem;
      i++;
    } else if (inClass) {
      if (ch === ']') inClass = false;
      else if (ch === '[' && /[:.=]/.test(source[i + 1] ?? '')) return 'POSIX classes such as [:alpha:] are PCRE only';
    } else if (ch === '[') {
      const first = source[i + 1] === '^' ? i + 2 : i + 1;
      if (source[first] === ']') return 'an empty class [] or [^] (PCRE reads a ] first in a class as a literal)';
      inClass = true;
      i = first - 1;
    } else if (ch === '(' && source.startsWith('?<', i + 1) && /[=!]/.test(source[i + 3] ?? '')) {
      return 'lookbehind (PCRE takes fixed-length ones only, RE2 none)';
    } else if (re2 && ch === '(' && /^\?[=!]/.test(source.slice(i + 1, i + 3))) {
      return 'lookahead (RE2 has none)';
    }
  }
  return undefined;
}

/**
 * A regular expression that compiles on its own (so wrapping it in `^(?:...)$`
 * cannot change what it means), holds no control character, and reads the same
 * to JavaScript and to the proxy's engine (PCRE, or RE2 with `re2`); else an InputError.
 */
export function regexSource(source: string, src: Source, what: string, re2 = false): string {
  noControl(source, src, what);
  try {
    new RegExp(source);
  } catch (err) {
    throw new InputError(src.file, src.place, `not a valid regular expression: ${(err as Error).message}`);
  }
  const problem = dialectProblem(source, re2);
  if (problem) throw new InputError(src.file, src.place, `a regular expression ${what} cannot take as written: ${problem}`);
  return source;
}

/** A basic-auth user name: not empty, no ':' (the Authorization header splits user and password at the first one). */
export function basicUser(user: string, src: Source): string {
  if (user === '') throw new InputError(src.file, src.place, 'a basic-auth user name cannot be empty');
  if (user.includes(':')) throw new InputError(src.file, src.place, 'a basic-auth user name cannot contain ":" (it separates user and password)');
  return user;
}

/** Names that become identifiers in every config (upstreams, consumers): the suite schema's pattern. */
export const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** Upstream versions: they end server, cluster and tag names. */
export const VERSION = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** `name` when it matches `pattern`, else an InputError saying why it must. */
export function identifier(name: string, pattern: RegExp, src: Source, what: string): string {
  if (!pattern.test(name)) {
    throw new InputError(src.file, src.place, `${what} ${JSON.stringify(name)} must match ${pattern.source}: it names things in the rendered config`);
  }
  return name;
}

/** Free text (an operationId) made into a name part: anything outside [A-Za-z0-9._~-] becomes _. */
export function sanitizedName(text: string): string {
  return text.replace(/[^A-Za-z0-9._~-]/g, '_');
}

/** An HTTP method, one of the known ones (configs write them bare), or an InputError. */
export function httpMethod(m: string, src: Source): string {
  if (!(ALL_METHODS as readonly string[]).includes(m)) throw new InputError(src.file, src.place, `unknown HTTP method ${JSON.stringify(m)}`);
  return m;
}

/** Where each setting that reaches a config lives, as the suite (or spec) file writes it. */
export const places = {
  apiKey: (consumer: string) => `consumers.${placeKey(consumer)}.apiKey`,
  basicUser: (consumer: string) => `consumers.${placeKey(consumer)}.basic.user`,
  basicPassword: (consumer: string) => `consumers.${placeKey(consumer)}.basic.password`,
  jwt: (field: 'issuer' | 'secret') => `policies.auth.jwt.${field}`,
  setHeader: (name: string) => `policies.transform.request.setHeaders.${placeKey(name)}`,
  removeHeader: (i: number) => `policies.transform.request.removeHeaders[${i}]`,
  faultHeader: (rule: number, header: number, field: 'name' | 'exact' | 'prefix' | 'regex') => `policies.fault.rules[${rule}].headers[${header}].${field}`,
  retryMethods: 'policies.retry.methods',
};

/** A value from the suite file at `place`. */
export function inSuite(input: RenderInput, place: string): Source {
  return { file: input.suite.file, place };
}

/** The apiKey scheme's `name` (header, query parameter or cookie) in the spec. */
export function schemeNameSource(input: RenderInput, scheme: string): Source {
  const where = input.spec.version === '2.0' ? 'securityDefinitions' : 'components.securitySchemes';
  return { file: input.spec.file, place: `${where}.${placeKey(scheme)}.name` };
}

/** An operation of the spec (its method, its path). */
export function opSource(input: RenderInput, op: Operation): Source {
  return { file: input.spec.file, place: op.pointer };
}
