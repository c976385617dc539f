// envoy.filters.http.api_key_auth's config, checked by hand. The protos that
// validate.ts loads (@grpc/grpc-js-xds, a 2024-07 data-plane-api snapshot
// between Envoy 1.31 and 1.32) have no api_key_auth.proto: the filter came
// later. Its typed_config is therefore not checkable by protos there; this
// module checks it against envoy@v1.34.1
// api/envoy/extensions/filters/http/api_key_auth/v3/api_key_auth.proto
// (commit c435eecc, read through github.com/agrawroh/envoy): the field names
// and types, and the PGV rules written on them:
//
//   message ApiKeyAuth         { repeated Credential credentials = 1; repeated KeySource key_sources = 2; }
//   message ApiKeyAuthPerRoute { repeated Credential credentials = 1; repeated KeySource key_sources = 2;
//                                repeated string allowed_clients = 3; }
//   message Credential { string key = 1 [min_len: 1]; string client = 2 [min_len: 1]; }
//   message KeySource  { string header = 1 [max_len: 1024, well_known_regex: HTTP_HEADER_NAME, strict: false, ignore_empty: true];
//                        string query = 2 [max_len: 1024];
//                        string cookie = 3 [max_len: 1024, well_known_regex: HTTP_HEADER_NAME, strict: false, ignore_empty: true]; }
//
// Envoy's C++ checks on it (one key source each, no key twice) are in code-checks.ts.

import { stringProblems } from './pgv.ts';

type J = Record<string, unknown>;
type Bad = (path: string, message: string) => void;

const PROTO = 'envoy@v1.34.1 api_key_auth.proto';
const NAME_RULES = { max_len: 1024, well_known_regex: 'HTTP_HEADER_NAME', strict: false, ignore_empty: true };

type FieldSpec = { list: 'Credential' | 'KeySource' | 'string' } | { string: Record<string, unknown> };

const MESSAGES: Record<string, Record<string, FieldSpec>> = {
  ApiKeyAuth: { credentials: { list: 'Credential' }, key_sources: { list: 'KeySource' } },
  ApiKeyAuthPerRoute: { credentials: { list: 'Credential' }, key_sources: { list: 'KeySource' }, allowed_clients: { list: 'string' } },
  Credential: { key: { string: { min_len: 1 } }, client: { string: { min_len: 1 } } },
  KeySource: { header: { string: NAME_RULES }, query: { string: { max_len: 1024 } }, cookie: { string: NAME_RULES } },
};

export const API_KEY_AUTH_TYPES = new Set(['envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth', 'envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuthPerRoute']);

function camel(s: string): string {
  return s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** An api_key_auth typed_config (without its @type) against the 1.34 proto, by hand. */
export function checkApiKeyAuth(value: J, typeName: string, p: string, bad: Bad): void {
  checkMessage(value, typeName.replace(/^.*\./, ''), p, bad);
}

function checkMessage(value: unknown, name: string, p: string, bad: Bad): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return bad(p, `${name} must be an object (${PROTO})`);
  const spec = MESSAGES[name];
  const byJson = new Map<string, string>();
  for (const f of Object.keys(spec)) {
    byJson.set(f, f);
    byJson.set(camel(f), f);
  }
  const present = new Map<string, unknown>();
  for (const [key, v] of Object.entries(value as J)) {
    const f = byJson.get(key);
    if (!f) bad(`${p}.${key}`, `unknown field "${key}" in ${name} (${PROTO}: ${Object.keys(spec).join(', ')})`);
    else if (v !== null) present.set(f, v);
  }
  for (const [f, fs] of Object.entries(spec)) {
    const v = present.get(f);
    const fp = `${p}.${f}`;
    if ('list' in fs) checkList(v, fs.list, fp, bad);
    else checkString(v, fs.string, fp, `${name}.${f}`, bad);
  }
}

function checkList(v: unknown, item: 'Credential' | 'KeySource' | 'string', p: string, bad: Bad): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) return bad(p, `repeated field must be a list (${PROTO})`);
  v.forEach((x, i) => (item === 'string' ? checkString(x, {}, `${p}[${i}]`, 'allowed_clients', bad) : checkMessage(x, item, `${p}[${i}]`, bad)));
}

/** A string field: proto3, so absent is "" and the PGV rules apply to it. */
function checkString(v: unknown, rules: Record<string, unknown>, p: string, where: string, bad: Bad): void {
  if (v !== undefined && typeof v !== 'string') return bad(p, `string must be a string, got ${JSON.stringify(v)} (${PROTO})`);
  for (const problem of stringProblems((v as string | undefined) ?? '', rules)) bad(p, `${problem} (PGV rule on ${where}, ${PROTO})`);
}
