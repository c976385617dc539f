// The `routes:` section of a suite: routes stated by hand, in the shape of
// harness/model/routes.ts. First match wins, as in Istio and Gateway API. A
// route's retry, timeout, transform and rateLimit take the schema of the
// top-level policy of that name (each check's own section); its fault is one
// rule (abort and/or delay) scoped to the route.

import type { Check, SectionContext } from '../checks/check.ts';
import type { Policies } from '../model/policies.ts';
import type { HeaderMatch, PathMatch, QueryMatch, Route, RouteMatch, RoutePolicies, RoutePolicyName } from '../model/routes.ts';
import { ROUTE_POLICIES } from '../model/routes.ts';
import type { HttpMethod } from '../model/spec.ts';
import type { UpstreamSpec } from '../model/suite.ts';

type Json = Record<string, unknown>;
type Obj = Record<string, unknown>;
type Path = (string | number)[];

const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'];
const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";

function oneOf(keys: string[], extra: Json = {}): Json {
  return {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1 + Object.keys(extra).length,
    properties: { ...Object.fromEntries(keys.map((k) => [k, k === 'present' || k === 'absent' ? { const: true } : { type: 'string' }])), ...extra },
  };
}

/** The match schema: path, method, headers, query; every part optional, all must hold. */
const matchSchema: Json = {
  description: 'All of these must hold for the match to hold. An empty match holds for every request.',
  type: 'object',
  additionalProperties: false,
  properties: {
    path: {
      description: "exact, prefix (a string prefix, Istio's uri.prefix), pathPrefix (whole path elements, Gateway API's PathPrefix) or regex (matched whole); ignoreCase for exact and prefix (Istio's ignoreUriCase).",
      ...oneOf(['exact', 'prefix', 'pathPrefix', 'regex'], { ignoreCase: { type: 'boolean' } }),
    },
    method: {
      description: 'A method, or a list of them.',
      oneOf: [{ enum: METHODS }, { type: 'array', minItems: 1, uniqueItems: true, items: { enum: METHODS } }],
    },
    headers: {
      description: 'Header name -> exact, prefix or regex (matched whole), or present: true / absent: true. Names are matched ignoring case, values exactly.',
      type: 'object',
      propertyNames: { pattern: HEADER_NAME },
      additionalProperties: oneOf(['exact', 'prefix', 'regex', 'present', 'absent']),
    },
    query: {
      description: 'Query parameter name -> exact or regex (matched whole), or present: true. Names are case-sensitive.',
      type: 'object',
      additionalProperties: oneOf(['exact', 'regex', 'present']),
    },
  },
};

/** The `routes:` schema; route policies refer to the checks' own definitions. */
export function routesSchema(checks: readonly Check[]): Json {
  const names = new Set(checks.map((c) => c.name));
  const fault = checks.find((c) => c.name === 'fault')?.section.schema as { properties?: { rules?: { items?: { properties?: Json } } } } | undefined;
  const faultRule = fault?.properties?.rules?.items?.properties ?? {};
  const policies: Json = {};
  for (const p of ROUTE_POLICIES.filter((n) => names.has(n))) {
    policies[p] =
      p === 'fault'
        ? { description: 'A fault on this route: abort and/or delay, as in policies.fault rules (the route selects the requests).', type: 'object', additionalProperties: false, minProperties: 1, properties: { abort: faultRule.abort, delay: faultRule.delay } }
        : { $ref: `#/definitions/${p}`, description: `This route's own ${p}, in the shape of policies.${p}; it replaces the suite's for the route's requests.` };
  }
  return {
    description: 'Routes, first match wins (as in Istio and Gateway API). Each sends the requests it matches to its destination, and scopes its own policies to them. Top-level policies stay the defaults.',
    type: 'array',
    minItems: 1,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'to'],
      properties: {
        name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.-]*$', maxLength: 63 },
        hosts: { description: 'Host header values the route serves (default any); requests carry the first.', type: 'array', items: { type: 'string', minLength: 1 } },
        match: matchSchema,
        matches: { description: 'Several matches; any one holding is enough.', type: 'array', minItems: 1, items: matchSchema },
        to: {
          type: 'object',
          additionalProperties: false,
          required: ['upstream'],
          properties: {
            upstream: { type: 'string', minLength: 1 },
            version: { description: 'Every request to this version (plain routing).', type: 'string', minLength: 1 },
            weights: { description: 'version -> percentage, summing to 100.', type: 'object', minProperties: 1, additionalProperties: { type: 'number', minimum: 0, maximum: 100 } },
            tolerance: { description: 'Absolute tolerance on each share. Default 0.05.', type: 'number', exclusiveMinimum: 0, maximum: 0.5 },
            alpha: { description: "False-alarm rate of the route's verdict. Default 1e-4.", type: 'number', exclusiveMinimum: 0, maximum: 0.1 },
          },
        },
        rewrite: {
          description: 'What the upstream sees: the matched prefix replaced by `prefix`, or the whole path replaced by `full`.',
          ...oneOf(['prefix', 'full']),
        },
        ...policies,
      },
    },
  };
}

/** What parsing the section may use from the loader. */
export interface RoutesContext {
  file: string;
  at: (path: Path, detail: string, key?: boolean) => never;
  section: (path: Path) => SectionContext;
  checks: readonly Check[];
  upstreams: readonly UpstreamSpec[];
}

function pathMatch(raw: Obj): PathMatch {
  const kind = (['exact', 'prefix', 'pathPrefix', 'regex'] as const).find((k) => raw[k] !== undefined)!;
  const m: PathMatch = { kind, value: raw[kind] as string };
  if (raw.ignoreCase === true) m.ignoreCase = true;
  return m;
}

function valueKind<K extends string>(raw: Obj, kinds: readonly K[]): { kind: K; value?: string } {
  const kind = kinds.find((k) => raw[k] !== undefined)!;
  return typeof raw[kind] === 'string' ? { kind, value: raw[kind] as string } : { kind };
}

function regexOk(c: RoutesContext, path: Path, source: string): void {
  try {
    new RegExp(`^(?:${source})$`);
  } catch (err) {
    c.at(path, `not a valid regular expression: ${(err as Error).message}`);
  }
}

function parseMatch(c: RoutesContext, raw: Obj, base: Path): RouteMatch {
  const m: RouteMatch = { headers: [], query: [] };
  if (raw.path !== undefined) {
    m.path = pathMatch(obj(raw.path));
    if (!m.path.value.startsWith('/') && m.path.kind !== 'regex') c.at([...base, 'path', m.path.kind], 'a path starts with /');
    if (m.path.kind === 'regex') regexOk(c, [...base, 'path', 'regex'], m.path.value);
    if (m.path.ignoreCase && (m.path.kind === 'regex' || m.path.kind === 'pathPrefix')) c.at([...base, 'path', 'ignoreCase'], "applies to exact and prefix only (Istio's ignoreUriCase)", true);
  }
  if (raw.method !== undefined) m.methods = (Array.isArray(raw.method) ? raw.method : [raw.method]) as HttpMethod[];
  for (const [name, v] of Object.entries(obj(raw.headers))) {
    const h: HeaderMatch = { name: name.toLowerCase(), ...valueKind(obj(v), ['exact', 'prefix', 'regex', 'present', 'absent'] as const) };
    if (h.kind === 'regex') regexOk(c, [...base, 'headers', name, 'regex'], h.value!);
    m.headers.push(h);
  }
  for (const [name, v] of Object.entries(obj(raw.query))) {
    const q: QueryMatch = { name, ...valueKind(obj(v), ['exact', 'regex', 'present'] as const) };
    if (q.kind === 'regex') regexOk(c, [...base, 'query', name, 'regex'], q.value!);
    m.query.push(q);
  }
  return m;
}

function parseDestination(c: RoutesContext, raw: Obj, base: Path): Route['to'] {
  const upstream = raw.upstream as string;
  const up = c.upstreams.find((u) => u.name === upstream);
  if (!up) c.at([...base, 'upstream'], `no upstream named ${upstream} (upstreams: ${c.upstreams.map((u) => u.name).join(', ')})`);
  if ((raw.version === undefined) === (raw.weights === undefined)) c.at(base, 'give version (one version) or weights (a split), not both and not neither', true);
  const weights = raw.version !== undefined ? { [raw.version as string]: 100 } : { ...(raw.weights as Record<string, number>) };
  for (const v of Object.keys(weights)) {
    if (!up!.versions.includes(v)) c.at([...base, raw.version !== undefined ? 'version' : 'weights'], `upstream ${upstream} has no version ${v} (versions: ${up!.versions.join(', ')})`);
  }
  const sum = Object.values(weights).reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 100) > 1e-9) c.at([...base, 'weights'], `the weights sum to ${sum}, not 100`);
  return { upstream, weights, tolerance: (raw.tolerance as number | undefined) ?? 0.05, alpha: (raw.alpha as number | undefined) ?? 1e-4 };
}

async function parseRoutePolicies(c: RoutesContext, raw: Obj, base: Path, upstream: string): Promise<RoutePolicies> {
  const out: Record<string, unknown> = {};
  for (const name of ROUTE_POLICIES) {
    if (raw[name] === undefined) continue;
    const check = c.checks.find((k) => k.name === name);
    if (!check) continue;
    const section = c.section([...base, name]);
    const given = obj(raw[name]);
    // A route's fault is one rule on the route's own requests.
    const input = name === 'fault' ? { rules: [{ upstream, ...given }] } : given;
    // Its places come back under rules[0]; the route's fault has them at its top.
    const sectionCtx: SectionContext =
      name === 'fault' ? { ...section, fail: (place, detail, atKey) => section.fail(place.slice(2), detail, atKey), duration: (place, value) => section.duration(place.slice(2), value) } : section;
    out[name] = await check.section.parse(input, sectionCtx);
  }
  return out as Pick<Policies, RoutePolicyName & keyof Policies>;
}

/** `routes:` -> Route[], each error naming the route's line. */
export async function parseRoutes(c: RoutesContext, raw: unknown[]): Promise<Route[]> {
  const routes: Route[] = [];
  const seen = new Set<string>();
  for (const [i, item] of raw.entries()) {
    const r = obj(item);
    const base: Path = ['routes', i];
    const name = r.name as string;
    if (seen.has(name)) c.at([...base, 'name'], `a route named ${name} comes earlier; names are unique`);
    seen.add(name);
    if (r.match !== undefined && r.matches !== undefined) c.at(base, 'give match or matches, not both', true);
    const rawMatches = r.matches !== undefined ? (r.matches as Obj[]) : r.match !== undefined ? [obj(r.match)] : [];
    const matches = rawMatches.map((m, k) => parseMatch(c, obj(m), r.matches !== undefined ? [...base, 'matches', k] : [...base, 'match']));
    const to = parseDestination(c, obj(r.to), [...base, 'to']);
    const route: Route = { name, origin: { file: c.file, place: `routes[${i}] (${name})` }, hosts: (r.hosts as string[] | undefined) ?? [], matches, to, policies: await parseRoutePolicies(c, r, base, to.upstream) };
    if (r.rewrite !== undefined) route.rewrite = { ...(obj(r.rewrite) as Route['rewrite']) };
    routes.push(route);
  }
  // A route after one that takes every request is never reached.
  const all = routes.findIndex((r) => r.matches.length === 0 && (!r.hosts.length || r.hosts.includes('*')));
  if (all >= 0 && all < routes.length - 1) c.at(['routes', all + 1], `route ${routes[all + 1].name} is never reached: route ${routes[all].name} before it matches every request`);
  return routes;
}
