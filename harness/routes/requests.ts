// Requests for routes: which spec operations a route can take, a concrete
// request that satisfies one of its matches, and the near misses of that
// request, each breaking exactly one condition, with the route that must take
// it instead (the model's selectRoute decides). Pure: the caller gives the rng.

import RandExp from 'randexp';
import {
  fullMatch,
  matchHolds,
  pathMatches,
  selectRoute,
  type HeaderMatch,
  type QueryMatch,
  type RequestFacts,
  type Route,
  type RouteMatch,
} from '../model/routes.ts';
import { ALL_METHODS, type HttpMethod, type HttpRequestSpec, type Operation } from '../model/spec.ts';
import type { Rng } from '../util/rng.ts';

/** A request as routing sees it, from one ready to send. */
export function factsOf(req: HttpRequestSpec, host?: string): RequestFacts {
  const q = req.path.indexOf('?');
  const path = q < 0 ? req.path : req.path.slice(0, q);
  const query = q < 0 ? [] : [...new URLSearchParams(req.path.slice(q + 1)).entries()];
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  const h = host ?? headers.host;
  return { method: req.method, path, query, headers, ...(h !== undefined ? { host: h } : {}) };
}

/** The request with these facts (path, query and headers replaced; the body kept). */
export function withFacts(req: HttpRequestSpec, f: RequestFacts): HttpRequestSpec {
  const qs = new URLSearchParams(f.query).toString();
  const headers = { ...f.headers };
  if (f.host !== undefined) headers.host = f.host;
  return { ...req, method: f.method, path: qs ? `${f.path}?${qs}` : f.path, headers };
}

/** A string the regex matches whole, drawn with the caller's rng; undefined when none is found in 20 draws. */
export function sampleOf(regex: string, rng: Rng, also: (s: string) => boolean = () => true): string | undefined {
  const gen = new RandExp(regex);
  gen.max = 4;
  gen.randInt = (a, b) => a + Math.floor(rng() * (b - a + 1));
  for (let i = 0; i < 20; i++) {
    const s = gen.gen();
    if (fullMatch(regex, s) && also(s)) return s;
  }
  return undefined;
}

/** A value for a header or query condition: the exact value, the prefix with more after it, a regex sample. */
function valueFor(kind: HeaderMatch['kind'] | QueryMatch['kind'], value: string | undefined, rng: Rng): string | undefined {
  switch (kind) {
    case 'exact':
      return value;
    case 'prefix':
      // More than the prefix: a config that matches the value exactly, where the source says prefix, is caught.
      return `${value ?? ''}-pp`;
    case 'regex':
      return sampleOf(value ?? '', rng);
    case 'present':
      return 'pp-present';
    case 'absent':
      return undefined;
  }
}

/** The path for `op` that the match's path condition holds on, starting from a generated one; undefined if none. */
function pathFor(m: RouteMatch, op: Operation, generated: string, rng: Rng): string | undefined {
  const opHolds = (p: string) => new RegExp(op.pathRegex).test(p);
  if (!m.path || pathMatches(m.path, generated)) return generated;
  const { kind, value } = m.path;
  const candidates = kind === 'exact' ? [value] : kind === 'regex' ? [sampleOf(value, rng, opHolds)] : [value, `${value.replace(/\/$/, '')}/0`, `${value}0`];
  return candidates.find((c): c is string => c !== undefined && opHolds(c) && pathMatches(m.path!, c));
}

/** Set a header condition on the facts (a header that must be absent is removed); false if no value fits. */
function applyHeader(f: RequestFacts, h: HeaderMatch, rng: Rng): boolean {
  if (h.invert) {
    // withoutHeaders: leave it out, or give a value it does not match.
    if (!(h.name in f.headers) || !headerHolds(h, f)) return true;
    delete f.headers[h.name];
    return true;
  }
  if (h.kind === 'absent') {
    delete f.headers[h.name];
    return true;
  }
  const v = valueFor(h.kind, h.value, rng);
  if (v === undefined) return false;
  f.headers[h.name] = v;
  return true;
}

function headerHolds(h: HeaderMatch, f: RequestFacts): boolean {
  return matchHolds({ headers: [h], query: [] }, f);
}

function applyQuery(f: RequestFacts, q: QueryMatch, rng: Rng): boolean {
  const v = valueFor(q.kind, q.value, rng);
  if (v === undefined) return false;
  f.query = [...f.query.filter(([k]) => k !== q.name), [q.name, v]];
  return true;
}

/**
 * A request for `op` that satisfies match `m` of the route (and carries its
 * host), made from a request generated for the operation; undefined when the
 * operation cannot satisfy it (another method, a path outside the match).
 */
export function satisfying(route: Route, m: RouteMatch, op: Operation, generated: HttpRequestSpec, rng: Rng): HttpRequestSpec | undefined {
  if (m.methods && !m.methods.includes(op.method)) return undefined;
  const f = factsOf(generated);
  const path = pathFor(m, op, f.path, rng);
  if (path === undefined) return undefined;
  f.path = path;
  for (const h of m.headers) if (!applyHeader(f, h, rng)) return undefined;
  for (const q of m.query) if (!applyQuery(f, q, rng)) return undefined;
  const host = route.hosts.find((h) => h !== '*' && !h.startsWith('*.'));
  if (host !== undefined) f.host = host;
  return matchHolds(m, f) ? withFacts(generated, f) : undefined;
}

/** The operations a route can take, each with the first of its matches the operation can satisfy. */
export function operationsOf(route: Route, ops: readonly Operation[], generate: (op: Operation) => HttpRequestSpec, rng: Rng): Array<{ op: Operation; match: number; request: HttpRequestSpec }> {
  const out: Array<{ op: Operation; match: number; request: HttpRequestSpec }> = [];
  const matches: RouteMatch[] = route.matches.length ? route.matches : [{ headers: [], query: [] }];
  for (const op of ops) {
    for (const [i, m] of matches.entries()) {
      const request = satisfying(route, m, op, generate(op), rng);
      if (request) {
        out.push({ op, match: i, request });
        break;
      }
    }
  }
  return out;
}

export interface NearMiss {
  /** What was changed: `header x-track with another case`. */
  what: string;
  request: HttpRequestSpec;
}

function flipCase(s: string): string {
  return [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

/** Values that just miss a header or query condition (each differs from a value that holds by as little as it can). */
function missingValues(kind: HeaderMatch['kind'], value: string | undefined, held: string | undefined): Array<{ what: string; value: string | undefined }> {
  const v = value ?? '';
  const out: Array<{ what: string; value: string | undefined }> = [];
  if (kind === 'exact') {
    if (flipCase(v) !== v) out.push({ what: 'with another case', value: flipCase(v) });
    out.push({ what: 'one character longer', value: `${v}x` });
    if (v.length > 1) out.push({ what: 'cut one character short', value: v.slice(0, -1) });
    if (v.length > 0) out.push({ what: 'with more before it', value: `x${v}` });
  } else if (kind === 'prefix') {
    if (flipCase(v) !== v) out.push({ what: 'its prefix in another case', value: `${flipCase(v)}-pp` });
    if (v.length > 0) out.push({ what: 'the prefix cut one character short', value: v.slice(0, -1) });
    out.push({ what: 'the prefix with more before it', value: `x${v}-pp` });
  } else if (kind === 'regex') {
    for (const [what, cand] of [
      ['with more after it', `${held ?? ''}x`],
      ['with more before it', `x${held ?? ''}`],
      ['in another case', flipCase(held ?? '')],
    ] as const) {
      if (!fullMatch(v, cand)) out.push({ what, value: cand });
    }
  } else if (kind === 'absent') {
    out.push({ what: 'present', value: 'pp-present' });
  }
  if (kind !== 'absent') out.push({ what: 'absent', value: undefined });
  return out;
}

function headerMisses(base: RequestFacts, h: HeaderMatch): Array<{ what: string; facts: RequestFacts }> {
  if (h.invert) {
    // withoutHeaders: a request that does carry the matching header misses.
    const value = h.kind === 'absent' ? undefined : h.kind === 'present' ? 'pp-present' : h.kind === 'prefix' ? `${h.value}-pp` : h.kind === 'exact' ? h.value : undefined;
    if (value === undefined) return [];
    return [{ what: `header ${h.name} present with the value it must not have`, facts: { ...base, headers: { ...base.headers, [h.name]: value } } }];
  }
  return missingValues(h.kind, h.value, base.headers[h.name]).map(({ what, value }) => {
    const headers = { ...base.headers };
    if (value === undefined) delete headers[h.name];
    else headers[h.name] = value;
    return { what: `header ${h.name} ${what}`, facts: { ...base, headers } };
  });
}

function queryMisses(base: RequestFacts, q: QueryMatch): Array<{ what: string; facts: RequestFacts }> {
  const held = base.query.find(([k]) => k === q.name)?.[1];
  const misses = missingValues(q.kind, q.value, held);
  // Query parameter names are case-sensitive in both sources: the name in another case is a miss too.
  if (flipCase(q.name) !== q.name && held !== undefined) misses.push({ what: `name in another case (${flipCase(q.name)})`, value: undefined });
  return misses.map(({ what, value }) => {
    let query = base.query.filter(([k]) => k !== q.name);
    if (what.startsWith('name in another case')) query = [...query, [flipCase(q.name), held!]];
    else if (value !== undefined) query = [...query, [q.name, value]];
    return { what: `query ${q.name} ${what}`, facts: { ...base, query } };
  });
}

function pathMisses(base: RequestFacts, m: RouteMatch): Array<{ what: string; facts: RequestFacts }> {
  if (!m.path) return [];
  const { kind, value, ignoreCase } = m.path;
  const out: Array<{ what: string; facts: RequestFacts }> = [];
  const at = (what: string, path: string) => out.push({ what: `path ${what}`, facts: { ...base, path } });
  if (kind === 'exact') {
    at('one character longer', `${value}x`);
    if (!ignoreCase && flipCase(value) !== value) at('in another case', flipCase(value));
  } else if (kind === 'prefix' || kind === 'pathPrefix') {
    const p = value.replace(/\/$/, '') || '/';
    // One character outside the prefix: its last character changed.
    if (p.length > 1) at(`one character outside the prefix ${value}`, `${p.slice(0, -1)}${p.endsWith('x') ? 'y' : 'x'}${base.path.slice(p.length)}`);
    if (kind === 'pathPrefix' && p !== '/') at(`continuing the prefix's last element (${p}x)`, `${p}x${base.path.slice(p.length)}`);
    if (!ignoreCase && flipCase(p) !== p && p !== '/') at('with the prefix in another case', `${flipCase(p)}${base.path.slice(p.length)}`);
  } else {
    at('with more after it', `${base.path}x`);
  }
  return out.filter((o) => !pathMatches(m.path!, o.facts.path));
}

function methodMisses(base: RequestFacts, m: RouteMatch, methods: readonly HttpMethod[]): Array<{ what: string; facts: RequestFacts }> {
  if (!m.methods) return [];
  return methods.filter((x) => !m.methods!.includes(x)).map((x) => ({ what: `method ${x}`, facts: { ...base, method: x } }));
}

/**
 * Requests that just miss match `m` of `route`, each from `req` (which holds
 * it) with one condition broken, and the route that must take each instead
 * (undefined: no route, the proxy answers 404). `methods` are the other
 * methods worth sending (the spec's, on this path).
 */
export function nearMisses(routes: readonly Route[], m: RouteMatch, req: HttpRequestSpec, methods: readonly HttpMethod[] = ALL_METHODS): Array<NearMiss & { expected: Route | undefined }> {
  const base = factsOf(req);
  const all = [
    ...m.headers.flatMap((h) => headerMisses(base, h)),
    ...m.query.flatMap((q) => queryMisses(base, q)),
    ...pathMisses(base, m),
    ...methodMisses(base, m, methods),
  ];
  return all.filter((x) => !matchHolds(m, x.facts)).map((x) => ({ what: x.what, request: withFacts(req, x.facts), expected: selectRoute(routes, x.facts) }));
}
