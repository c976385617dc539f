// What the nginx and HAProxy renderers share about routes: the policies a
// route's requests get (its own, else the suite's), which operations some
// route governs, the path a prefix rewrite replaces, and the route settings a
// PCRE-based proxy cannot carry exactly (cannotRender reasons for `routing`).
// The matching semantics are the model's (model/routes.ts).

import type { Policies, PolicyName } from '../../model/policies.ts';
import type { HeaderMatch, PathMatch, QueryMatch, Route, RouteMatch } from '../../model/routes.ts';
import type { Plan, RoutePlan } from './plan.ts';
import { regexSource, type Source } from './values.ts';
import { InputError } from '../../model/errors.ts';
import type { FaultRule } from '../../checks/fault/policy.ts';

/** The retry a route's requests get: the route's own, else the suite's. */
export function routeRetry(plan: Plan, r: RoutePlan): Policies['retry'] {
  return r.policies.retry ?? plan.retry;
}

/** The timeout a route's requests get: the route's own, else the suite's. */
export function routeTimeout(suitePolicies: Policies, r: RoutePlan): Policies['timeout'] {
  return r.policies.timeout ?? suitePolicies.timeout;
}

/** Keys of the operations some route governs (their requests go where a route sends them, or 404). */
export function governedOps(plan: Plan): Set<string> {
  return new Set(plan.routes.flatMap((r) => r.ops));
}

/** Where a route's setting lives, for errors: `routes[0] (jason) matches[1].headers.end-user`. */
export function routePlace(route: Route, detail: string): Source {
  return { file: route.origin.file, place: `${route.origin.place} ${detail}` };
}

/**
 * The path prefix a prefix rewrite replaces: the match's prefix (or its exact
 * path), "/" for a match without a path (Envoy's route then matches prefix
 * "/"); undefined when the matches disagree or one is a regex (nothing to replace).
 */
export function rewritePrefix(route: Route): { value: string; ignoreCase: boolean; kind: PathMatch['kind'] } | undefined {
  const paths = (route.matches.length ? route.matches : [{ headers: [], query: [] } as RouteMatch]).map((m) => m.path ?? ({ kind: 'prefix', value: '/' } as PathMatch));
  const first = paths[0];
  if (first.kind === 'regex') return undefined;
  if (paths.some((p) => p.kind !== first.kind || p.value !== first.value || !!p.ignoreCase !== !!first.ignoreCase)) return undefined;
  return { value: first.kind === 'pathPrefix' && first.value.length > 1 ? first.value.replace(/\/+$/, '') : first.value, ignoreCase: !!first.ignoreCase, kind: first.kind };
}

/** Every regular expression of a route's matches, with where it is. */
function regexesOf(route: Route): Array<{ source: string; at: string }> {
  const out: Array<{ source: string; at: string }> = [];
  route.matches.forEach((m, k) => {
    if (m.path?.kind === 'regex') out.push({ source: m.path.value, at: `matches[${k}].path.regex` });
    for (const h of m.headers) if (h.kind === 'regex') out.push({ source: h.value ?? '', at: `matches[${k}].headers.${h.name}.regex` });
    for (const q of m.query) if (q.kind === 'regex') out.push({ source: q.value ?? '', at: `matches[${k}].query.${q.name}.regex` });
  });
  return out;
}

/** Characters a query value may hold and mean the same raw and decoded (RFC 3986 unreserved). */
const UNRESERVED = /^[A-Za-z0-9._~-]*$/;

/**
 * Why a route cannot be rendered exactly by a PCRE proxy that reads query
 * values raw (nginx $args, HAProxy url_param), or undefined. The model
 * decodes query values (URLSearchParams) and matches regexes as RE2 does.
 */
function routeProblem(route: Route, proxy: string): string | undefined {
  for (const re of regexesOf(route)) {
    try {
      // The model's regexes are RE2's (Istio, Gateway API via Envoy): one RE2 cannot take has no meaning to carry.
      regexSource(re.source, routePlace(route, re.at), proxy, true);
    } catch (err) {
      return `route ${route.name} ${re.at}: ${(err as Error).message}`;
    }
  }
  for (const [k, m] of route.matches.entries()) {
    const q = m.query.find((x: QueryMatch) => x.kind === 'exact' && !UNRESERVED.test(x.value ?? ''));
    if (q) return `route ${route.name} matches[${k}].query.${q.name}: ${proxy} compares the query value as sent (percent-encoded), and ${JSON.stringify(q.value)} has characters a client may encode in more than one way`;
  }
  if (route.rewrite?.prefix !== undefined && !rewritePrefix(route)) return `route ${route.name}: a prefix rewrite needs one path prefix (or exact path) shared by all its matches; ${proxy} has no match-specific rewrite here`;
  return undefined;
}

/** Route settings the proxy cannot carry: the routing check is notSupported with the first reason. */
export function routingProblems(policies: Policies, proxy: string, extra: (route: Route) => string | undefined = () => undefined): Partial<Record<PolicyName, string>> {
  for (const route of policies.routing?.routes ?? []) {
    const why = routeProblem(route, proxy) ?? extra(route);
    if (why) return { routing: why };
  }
  return {};
}

/** A header match's value as the text its kind compares (exact, prefix, regex); undefined for present and absent. */
export function headerValueOf(h: HeaderMatch): string | undefined {
  return h.kind === 'present' || h.kind === 'absent' ? undefined : (h.value ?? '');
}

/**
 * A route's own fault: at most one rule, on every request the route takes (the
 * suite schema's route fault is one abort and/or delay; an importer gives it
 * the route's match as its only condition). Anything else is an InputError
 * naming the route, never a fault rendered on the wrong requests.
 */
export function routeFault(r: RoutePlan): FaultRule | undefined {
  const rules = r.policies.fault?.rules ?? [];
  if (rules.length > 1 || rules.some((f) => f.headers.length)) {
    throw new InputError(r.route.origin.file, `${r.route.origin.place} fault`, "a route's fault is one abort and/or delay on all of the route's requests; header conditions and several rules are not rendered");
  }
  return rules[0];
}
