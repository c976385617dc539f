// Credentials never sit raw in the journal: the journal is read by tools and
// printed in reports, and the security review found consumers' raw keys in
// it. A credential is kept as a keyed hash with a per-fleet key, so a check
// that knows a credential can still prove the upstream saw it (compare with
// tag(value)) while nobody can recover it or test guesses offline.

import { createHmac } from 'node:crypto';
import type { Spec } from '../model/spec.ts';

export const CREDENTIAL_TAG_PREFIX = 'hmac:';

/**
 * Header and query parameter names (lower case) that carry a credential whatever the spec says; the spec's
 * apiKey scheme names are added per fleet. Over-redacting costs nothing: no check reads these values.
 */
const COMMON_NAMES = [
  'authorization', 'proxy-authorization',
  'x-api-key', 'api-key', 'apikey', 'api_key', 'x-apikey', 'key',
  'access_token', 'access-token', 'x-access-token', 'token', 'x-auth-token', 'auth_token', 'id_token', 'refresh_token',
  'client_secret', 'password', 'x-amz-security-token',
];

export interface CredentialRedactor {
  /** `hmac:<first 16 hex of HMAC-SHA256(fleet key, value)>`. */
  tag(value: string): string;
  /** Headers (lower-case names) with every credential value replaced by its tag. */
  headers(headers: Record<string, string>): Record<string, string>;
  /** A raw query string with every credential parameter's (decoded) value replaced by its tag. */
  query(query: string): string;
}

/** The spec's apiKey scheme names (header, query or cookie), lower case. */
function specNames(spec: Spec): string[] {
  return Object.values(spec.securitySchemes).flatMap((s) => (s.kind === 'apiKey' ? [s.name.toLowerCase()] : []));
}

/** application/x-www-form-urlencoded decoding, the raw text when it is malformed. */
function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * Every cookie value becomes a tag, names kept: the mock cannot tell a
 * session cookie from a harmless one, and a session id is a credential.
 */
function redactCookie(value: string, tag: (v: string) => string): string {
  return value
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0 ? tag(part) : `${part.slice(0, eq)}=${tag(part.slice(eq + 1))}`;
    })
    .join('; ');
}

function redactQuery(query: string, names: Set<string>, tag: (v: string) => string): string {
  if (query === '') return query;
  return query
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq < 0 || !names.has(formDecode(part.slice(0, eq)).toLowerCase())) return part;
      return `${part.slice(0, eq)}=${tag(formDecode(part.slice(eq + 1)))}`;
    })
    .join('&');
}

export function credentialRedactor(key: Buffer, spec: Spec): CredentialRedactor {
  const names = new Set([...COMMON_NAMES, ...specNames(spec)]);
  const tag = (value: string): string => `${CREDENTIAL_TAG_PREFIX}${createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 16)}`;
  return {
    tag,
    headers(headers) {
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) {
        if (name === 'cookie') out[name] = redactCookie(value, tag);
        else out[name] = names.has(name) ? tag(value) : value;
      }
      return out;
    },
    query: (query) => redactQuery(query, names, tag),
  };
}
