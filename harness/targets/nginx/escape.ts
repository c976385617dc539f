// How a value is written into nginx.conf, one function per kind of place.
// nginx's reader (ngx_conf_read_token) ends a statement at an unquoted ; { or
// }, starts a comment at a # that begins a token, and inside "..." takes \" \\
// and turns \n \r \t into control characters; it has no escape for a control
// character written as such, so values holding one are refused. In strings it
// expands (proxy_set_header, set) every $ starts a variable and no escape
// exists: a literal $ is written as ${pp_dollar}, a geo variable holding "$".

import { InputError } from '../../model/errors.ts';
import { basicUser, commentText, noControl, type Source } from '../shared/values.ts';

const NGINX = 'nginx.conf';
/** The variable whose value is a literal $ (declared by dollarGeo()). */
export const DOLLAR_VAR = 'pp_dollar';

/** A comment to the end of the line; whatever the text holds, it cannot end the comment early. */
export function comment(text: string): string {
  return `# ${commentText(text)}`;
}

/** nginx reads a config in 4096-byte buffers and refuses a token that does not fit in one ("too long parameter"). */
const MAX_TOKEN_BYTES = 4000;

/** `out` when it fits in nginx's read buffer, else an InputError. */
function fits(out: string, src: Source): string {
  const bytes = Buffer.byteLength(out);
  if (bytes > MAX_TOKEN_BYTES) throw new InputError(src.file, src.place, `nginx reads a value of at most ${MAX_TOKEN_BYTES} bytes as written; this one is ${bytes}`);
  return out;
}

/** The value in double quotes, \ and " escaped; control characters refused (nginx has no escape that writes one). */
function quoted(value: string, src: Source): string {
  return `"${noControl(value, src, NGINX).replace(/[\\"]/g, '\\$&')}"`;
}

/** A double-quoted string nginx does not expand (map keys, regexes). */
export function str(value: string, src: Source): string {
  return fits(quoted(value, src), src);
}

/** A double-quoted string nginx expands (proxy_set_header, set): as str(), and each $ is ${pp_dollar}. */
export function expanded(value: string, src: Source): string {
  return fits(quoted(value, src).replace(/\$/g, `\${${DOLLAR_VAR}}`), src);
}

/** Whether expanded() of any of these values needs the dollarGeo() block. */
export function needsDollar(values: string[]): boolean {
  return values.some((v) => v.includes('$'));
}

/** The http-level block declaring $pp_dollar: geo values are plain text, so "$" stays a dollar. */
export function dollarGeo(): string {
  return `geo $${DOLLAR_VAR} { default "$"; }`;
}

/** One token: bare when it holds only characters nginx reads as plain text, else str(). */
export function word(value: string, src: Source): string {
  return /^[A-Za-z0-9_.\/:@+=,~-]+$/.test(value) ? fits(value, src) : str(value, src);
}

/** $http_<name>: nginx can only read a header whose name is letters, digits, - and _ this way. */
export function headerVar(name: string, src: Source): string {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) {
    throw new InputError(src.file, src.place, `nginx reads a header through $http_<name>, which takes letters, digits, - and _ only; ${JSON.stringify(name)} has others`);
  }
  return `$http_${name.toLowerCase().replace(/-/g, '_')}`;
}

/** $arg_<name> or $cookie_<name>: the name must be letters, digits and _ (nginx ends a variable name at anything else). */
export function nameVar(prefix: 'arg' | 'cookie', name: string, src: Source): string {
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    const what = prefix === 'arg' ? 'a query parameter' : 'a cookie';
    throw new InputError(src.file, src.place, `nginx reads ${what} through $${prefix}_<name>, which takes letters, digits and _ only; ${JSON.stringify(name)} has others`);
  }
  return `$${prefix}_${name}`;
}

/** A user name for the htpasswd file: a basic-auth user name without control characters or a leading '#' (a comment line). */
export function htpasswdUser(user: string, src: Source): string {
  noControl(basicUser(user, src), src, "nginx's htpasswd file");
  if (user.startsWith('#')) throw new InputError(src.file, src.place, "nginx's htpasswd reads a line starting with # as a comment: the user name cannot start with #");
  return user;
}
