// Redaction: reports never carry a credential. Known secrets (from the suite)
// are replaced wherever they occur, and so are things that look like
// credentials whoever they belong to: Authorization values, API-key headers
// and query parameters, cookies and JWT-shaped strings.

import { escapeRegExp } from '../util/regex.ts';

export const REDACTED = '[REDACTED]';

export type Redactor = ((text: string) => string) & { names?: ReadonlySet<string> };

/** Header (or object key) names whose values are credentials. */
const SENSITIVE_KEY = /^(?:proxy-)?authorization$|^(?:set-)?cookie$|^x-(?:api|auth)-?(?:key|token)$|^(?:x-)?api[-_]?key$|^(?:x-)?(?:access|auth|session|csrf|xsrf)[-_]?token$|^(?:client[-_]?)?secret$|^password$|^passwd$/i;

/** Query parameters whose values are credentials. */
const QUERY_NAMES = String.raw`(?:api[-_]?key|apikey|key|token|access[-_]?token|id[-_]?token|auth|password|passwd|pwd|secret|client[-_]?secret|sig|signature|session)`;

const GENERIC: Array<[RegExp, string | ((...m: string[]) => string)]> = [
  // Authorization: Bearer xyz / Proxy-Authorization: Basic xyz (text, curl lines, logs)
  [/((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|digest|token|negotiate|apikey)\s+)?[^\s"',;]+/gi, (_m, head: string, scheme?: string) => `${head}${scheme ? `${scheme} ` : ''}${REDACTED}`],
  // X-API-Key: xyz, apikey: xyz, X-Auth-Token: xyz
  [/((?:x-)?(?:api[-_]?key|apikey|auth[-_]?token|access[-_]?token)["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, `$1${REDACTED}`],
  // Cookie: a=b; c=d / Set-Cookie: a=b; Path=/
  [/((?:set-)?cookie["']?\s*:\s*)[^\r\n"']+/gi, `$1${REDACTED}`],
  // ?apikey=xyz&token=... (also encoded in URLs inside text)
  [new RegExp(String.raw`([?&;]${QUERY_NAMES}=)[^&\s#"'<>]+`, 'gi'), `$1${REDACTED}`],
  // A bare "Bearer <token>" anywhere (the token has a digit or punctuation, so prose survives)
  [/\b(bearer\s+)(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/-]{8,}=*/gi, `$1${REDACTED}`],
  // A bare "Basic <base64 of user:password>" anywhere
  [/\b(basic\s+)([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])/gi, (m: string, head: string, b64: string) => (Buffer.from(b64, 'base64').toString('utf8').includes(':') ? `${head}${REDACTED}` : m)],
  // JWT-shaped: base64url header starting {" . payload . signature
  [/\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g, REDACTED],
];

/** The forms a secret may take in a report: as is, URL-encoded, base64 and base64url. */
function forms(secret: string): string[] {
  const out = new Set<string>([secret]);
  out.add(encodeURIComponent(secret));
  out.add(encodeURIComponent(secret).replace(/%20/g, '+'));
  out.add(JSON.stringify(secret).slice(1, -1));
  const b64 = Buffer.from(secret, 'utf8').toString('base64');
  if (secret.length >= 4) {
    out.add(b64);
    out.add(b64.replace(/=+$/, ''));
    out.add(Buffer.from(secret, 'utf8').toString('base64url'));
  }
  return [...out].filter((s) => s.length > 0);
}

/** Patterns that redact the value of a credential under a name the spec declares (header `n: v`, query `n=v`). */
function namedPatterns(names: readonly string[]): Array<[RegExp, string]> {
  const clean = [...new Set(names.filter((n) => /^[\w.~!$&'*+-]+$/.test(n)).map((n) => n.toLowerCase()))];
  if (!clean.length) return [];
  const alt = clean.map(escapeRegExp).join('|');
  return [
    [new RegExp(`((?:^|[\\s"'{,])(?:${alt})["']?\\s*:\\s*["']?)[^\\s"',;]+`, 'gi'), `$1${REDACTED}`],
    [new RegExp(`([?&;](?:${alt})=)[^&\\s#"'<>]+`, 'gi'), `$1${REDACTED}`],
  ];
}

export interface RedactOptions {
  /** Names under which the spec sends credentials (its apiKey schemes' header, query and cookie names). */
  names?: readonly string[];
}

/**
 * A function replacing every given secret (and its encoded forms), every value
 * under a credential name the spec declares, and every credential-looking
 * value with [REDACTED]. Secrets are matched longest first.
 */
export function createRedactor(secrets: string[], opts: RedactOptions = {}): Redactor {
  const all = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length > 0).flatMap(forms))].sort((a, b) => b.length - a.length);
  const known = all.length ? new RegExp(all.map(escapeRegExp).join('|'), 'g') : undefined;
  const patterns = [...GENERIC, ...namedPatterns(opts.names ?? [])];
  const redactor = (text: string): string => {
    let out = known ? text.replace(known, REDACTED) : text;
    for (const [re, rep] of patterns) out = out.replace(re, rep as string);
    return out;
  };
  return Object.assign(redactor, { names: new Set((opts.names ?? []).map((n) => n.toLowerCase())) });
}

/** Redact every string (and object key) in a JSON-like value; values of credential keys are replaced whole. Returns a copy. */
export function redactDeep<T>(value: T, redactor: Redactor): T {
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') {
      if (key !== undefined && (SENSITIVE_KEY.test(key) || redactor.names?.has(key.toLowerCase()))) {
        const scheme = /^(?:proxy-)?authorization$/i.test(key) ? /^(bearer|basic|digest|token|negotiate)\s/i.exec(v)?.[1] : undefined;
        return scheme ? `${scheme} ${REDACTED}` : REDACTED;
      }
      return redactor(v);
    }
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[redactor(k)] = walk(x, k);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

