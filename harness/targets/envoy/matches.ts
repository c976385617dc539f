// A route's match (harness/model/routes.ts) as an Envoy RouteMatch, field by
// field as envoy's api/envoy/config/route/v3/route_components.proto says
// (read in the copy the validator loads: @grpc/grpc-js-xds 1.14.1
// deps/envoy-api, an Envoy 1.31-1.32 snapshot; the fields used here are
// unchanged in 1.34):
//  - RouteMatch.path: "the path must exactly match the :path header once the
//    query string is removed"; prefix: "the prefix must match the beginning of
//    the :path header"; safe_regex: "the entire path (without the query
//    string) must match the regex"; path_separated_prefix: the path "must
//    either exactly match the path_separated_prefix or have it as a prefix,
//    followed by /", its value without ?, # or a trailing / (PGV pattern
//    ^[^?#]+[^?#/]$), which is Gateway API's PathPrefix;
//  - case_sensitive: "Indicates that prefix/path matching should be case
//    sensitive. The default is true. Ignored for safe_regex matching":
//    Istio's ignoreUriCase;
//  - HeaderMatcher: string_match (exact, prefix with min_len 1, safe_regex:
//    the whole value), present_match ("If specified as false, header match will
//    be performed based on whether the header is absent"), invert_match; "To
//    route on HTTP method, use the special HTTP/2 :method header"; an inverted
//    value match on a missing header "will be ignored so it will not match"
//    unless treat_missing_header_as_empty, which Istio's withoutHeaders needs
//    (a request without the header does not match it, so it holds);
//  - QueryParameterMatcher: string_match or present_match.

import type { HeaderMatch, PathMatch, QueryMatch, RouteMatch } from '../../model/routes.ts';
import { fullMatch } from '../../model/routes.ts';
import { InputError } from '../../model/errors.ts';
import type { HttpMethod } from '../../model/spec.ts';
import type { OpPlan } from '../shared/plan.ts';
import { headerName, noControl, regexSource, type Source } from '../shared/values.ts';
import type { J } from './json.ts';

/** A regex the validator and Envoy read as RE2, matched whole by Envoy. */
function re2(value: string, src: Source): J {
  return { regex: regexSource(value, src, 'Envoy', true) };
}

/** The path_specifier (and case_sensitive) of a match; no path condition is `prefix: /`, every path. */
export function pathSpecifier(p: PathMatch | undefined, src: Source): J {
  if (!p) return { prefix: '/' };
  const value = p.kind === 'regex' ? p.value : noControl(p.value, src, 'an Envoy path');
  const cs = p.ignoreCase ? { case_sensitive: false } : {};
  switch (p.kind) {
    case 'exact':
      return { path: value, ...cs };
    case 'prefix':
      return { prefix: value, ...cs };
    case 'pathPrefix': {
      // Gateway API ignores the value's trailing slash; Envoy refuses one (PGV pattern ^[^?#]+[^?#/]$).
      const v = value.replace(/\/+$/, '');
      if (/[?#]/.test(v)) throw new InputError(src.file, src.place, "Envoy's path_separated_prefix cannot hold ? or #");
      return v === '' ? { prefix: '/' } : { path_separated_prefix: v };
    }
    case 'regex':
      return { safe_regex: re2(value, src) };
  }
}

/** A value condition as a StringMatcher: exact, prefix (not empty: PGV min_len 1) or the whole value by regex. */
function stringMatch(kind: 'exact' | 'prefix' | 'regex', value: string, src: Source): J {
  if (kind === 'regex') return { safe_regex: re2(value, src) };
  return { [kind]: noControl(value, src, 'an Envoy header or query value') };
}

/**
 * Whether an inverted value condition also holds for the empty value: Envoy
 * reads a missing header as empty there (treat_missing_header_as_empty), so it
 * would not hold for a request without the header, where withoutHeaders does.
 */
export function invertedMatchesEmpty(h: HeaderMatch): boolean {
  if (!h.invert) return false;
  if (h.kind === 'exact' || h.kind === 'prefix') return (h.value ?? '') === '';
  return h.kind === 'regex' && fullMatch(h.value ?? '', '');
}

/** One header condition; inverted presence is written as its opposite (absent / present), not invert_match. */
export function headerMatcher(h: HeaderMatch, src: Source): J {
  // "Envoy always uses the HTTP/2 :authority header to represent the HTTP/1 Host header. Thus, if attempting
  // to match on Host, match on :authority instead" (route_components.proto, RouteAction.cluster_header).
  const name = h.name === 'host' ? ':authority' : headerName(h.name, src);
  if (h.kind === 'present' || h.kind === 'absent') return { name, present_match: (h.kind === 'present') !== Boolean(h.invert) };
  // An empty prefix holds for any value: present_match (string_match prefix needs min_len 1).
  if (h.kind === 'prefix' && (h.value ?? '') === '') return { name, present_match: !h.invert };
  const m: J = { name, string_match: stringMatch(h.kind, h.value ?? '', src) };
  if (h.invert) Object.assign(m, { invert_match: true, treat_missing_header_as_empty: true });
  return m;
}

export function queryMatcher(q: QueryMatch, src: Source): J {
  const name = noControl(q.name, src, 'an Envoy query parameter name');
  if (name === '' || Buffer.byteLength(name) > 1024) throw new InputError(src.file, src.place, 'Envoy takes query parameter names of 1 to 1024 bytes');
  return q.kind === 'present' ? { name, present_match: true } : { name, string_match: stringMatch(q.kind, q.value ?? '', src) };
}

/** The :method condition: one method exactly, several by a whole-value regex. */
export function methodMatcher(methods: readonly HttpMethod[]): J {
  return { name: ':method', string_match: methods.length === 1 ? { exact: methods[0] } : { safe_regex: { regex: methods.join('|') } } };
}

/**
 * The conditions that keep a route to one operation's requests: its method,
 * and its path template over :path, which carries the query string (the
 * template's regex without its anchors, then an optional ?query).
 */
export function operationMatchers(o: OpPlan): J[] {
  const body = o.op.pathRegex.replace(/^\^/, '').replace(/\$$/, '');
  return [methodMatcher([o.op.method]), { name: ':path', string_match: { safe_regex: { regex: `(?:${body})(?:\\?.*)?` } } }];
}

/** Where a match's conditions are in the suite (or the imported resource), for errors. */
export function matchSource(file: string, place: string, k: number, what: string): Source {
  return { file, place: `${place}.matches[${k}].${what}` };
}

/** A RouteMatch for match `m` (undefined: the route has no match, every request), restricted to operation `o` when given. */
export function routeMatch(m: RouteMatch | undefined, o: OpPlan | undefined, at: (what: string) => Source): J {
  const headers: J[] = [];
  if (o) headers.push(...operationMatchers(o));
  else if (m?.methods) headers.push(methodMatcher(m.methods));
  for (const h of m?.headers ?? []) headers.push(headerMatcher(h, at(`headers.${h.name}`)));
  const query = (m?.query ?? []).map((q) => queryMatcher(q, at(`query.${q.name}`)));
  const out: J = pathSpecifier(m?.path, at('path'));
  if (headers.length) out.headers = headers;
  if (query.length) out.query_parameters = query;
  return out;
}
