// Whether a request path enters the admin prefix under any reading a parser
// might give it. A proxy matches the raw path (its `[^/]+` accepts `\`, `%2F`
// and `..`), while a server behind it may decode, turn `\` into `/`, resolve
// dot segments or drop `;params`: the security review found the journal
// readable through the proxy that way. The data ports answer 404 when any
// reading (or any chain of them) enters the prefix.

import { ADMIN_PREFIX } from '../model/upstream.ts';

const PREFIX = ADMIN_PREFIX.toLowerCase();
const BARE = PREFIX.replace(/\/+$/, '');
/** Readings of a path that stop changing take few rounds; a path still changing after this many is refused. */
const MAX_ROUNDS = 8;
const MAX_READINGS = 256;
/** Only these characters let a reading differ from the raw path; most paths have none and skip the search. */
const SUSPECT = /[%\\.;\x00-\x20\x7f]|\/\/|^[^/]/;

/** Percent-decode ASCII escapes only: never throws on malformed or non-UTF-8 escapes, and the prefix is ASCII. */
const decodeAscii = (p: string): string => p.replace(/%([0-7][0-9a-f])/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
const backslashes = (p: string): string => p.replace(/\\/g, '/');
const collapseSlashes = (p: string): string => p.replace(/\/{2,}/g, '/');
/** Tomcat-style path parameters: `/..;x/` is `/../` to some servers. */
const dropParams = (p: string): string => p.replace(/;[^/]*/g, '');

/** RFC 3986 remove_dot_segments on `/`-separated segments ('..' never climbs above the root). */
function dotSegments(p: string): string {
  const out: string[] = [];
  for (const s of p.split('/')) {
    if (s === '.') continue;
    if (s === '..') {
      if (out.length > 1) out.pop();
      continue;
    }
    out.push(s);
  }
  return out.join('/');
}

/** What node's own URL parser makes of it (the old admin test): `\` as `/`, `%2e` dots, tabs dropped, absolute form. */
function whatwg(p: string): string {
  try {
    return new URL(p, 'http://127.0.0.1').pathname;
  } catch {
    return p;
  }
}

const READINGS: ReadonlyArray<(p: string) => string> = [decodeAscii, backslashes, dotSegments, collapseSlashes, dropParams, whatwg];

function isAdmin(p: string): boolean {
  const l = `/${p.replace(/^\/+/, '')}`.toLowerCase();
  return l === BARE || l.startsWith(PREFIX);
}

/** True when `rawPath` (the request target without its query) or any reading of it enters ADMIN_PREFIX. */
export function entersAdminPrefix(rawPath: string): boolean {
  if (!SUSPECT.test(rawPath)) return isAdmin(rawPath);
  const seen = new Set([rawPath]);
  let frontier = [rawPath];
  for (let round = 0; frontier.length > 0; round++) {
    // Fail closed: layers of encoding past this are an attack, not a spec path.
    if (round > MAX_ROUNDS || seen.size > MAX_READINGS) return true;
    const next: string[] = [];
    for (const p of frontier) {
      if (isAdmin(p)) return true;
      for (const read of READINGS) {
        const r = read(p);
        if (!seen.has(r)) {
          seen.add(r);
          next.push(r);
        }
      }
    }
    frontier = next;
  }
  return false;
}
