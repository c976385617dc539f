// What a rendered config must do, independent of the proxy: which operation
// goes where, which need a credential, which are rate limited, how servers
// are weighted. nginx/render.ts and haproxy/render.ts turn a Plan into text.

import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InputError } from '../../model/errors.ts';
import type { Operation, SecurityScheme } from '../../model/spec.ts';
import type { Consumer } from '../../model/suite.ts';
import type { RetryPolicy } from '../../checks/retry/policy.ts';
import type { RateLimitPolicy } from '../../checks/rate-limit/policy.ts';
import type { JwtSettings } from '../../checks/auth/policy.ts';
import type { Endpoint } from '../../model/upstream.ts';
import type { RenderInput } from '../../model/target.ts';
import { identifier, NAME, placeKey, VERSION } from './values.ts';
import type { Route, RoutePolicies } from '../../model/routes.ts';
import { routeTable, upstreamOf } from '../../routes/table.ts';
import { generateRequest } from '../../spec/generate-request.ts';

export interface OpPlan {
  op: Operation;
  /** Safe identifier for config files: op0, op1, ... */
  key: string;
  upstream: string;
  secured: boolean;
  rateLimited: boolean;
}

export interface ServerPlan {
  version: string;
  replica: number;
  endpoint: Endpoint;
  /** Integer weight, proportional to version weight / replicas. */
  weight: number;
}

export interface UpstreamPlan {
  name: string;
  servers: ServerPlan[];
}

/** A valid consumer's API key, with the consumer's name (errors name the setting). */
export interface KeyPlan {
  consumer: string;
  key: string;
}

/** A valid consumer's basic credentials, with the consumer's name. */
export interface UserPlan {
  consumer: string;
  user: string;
  password: string;
}

export type AuthPlan =
  | { kind: 'apiKey'; schemeName: string; in: 'header' | 'query' | 'cookie'; name: string; validKeys: KeyPlan[] }
  | { kind: 'basic'; schemeName: string; users: UserPlan[] }
  | { kind: 'bearer'; schemeName: string; jwt: JwtPlan };

export interface JwtPlan {
  alg: 'RS256' | 'HS256';
  secret?: string;
  /** RS256 keys as SPKI PEM. */
  keys: Array<{ kid?: string; pem: string }>;
  issuer?: string;
}

/**
 * A route as a rendered config carries it: evaluated, in order, for the
 * requests of the operations in its domain (`ops`); the first whose match
 * holds sends the request to its own weighted servers with its own policies.
 * A request of an operation some route governs that no route takes is a 404.
 */
export interface RoutePlan {
  /** Safe identifier for config files: r0, r1, ... */
  key: string;
  route: Route;
  /** Keys (OpPlan.key) of the operations the route applies to. */
  ops: string[];
  /** The route's destination: the upstream's replicas of its versions, weighted by the route's weights. */
  upstream: UpstreamPlan;
  /** The route's own policies (the suite's top-level ones are the defaults). */
  policies: RoutePolicies;
}

export interface Plan {
  ops: OpPlan[];
  /** In order, first match wins; [] when the suite has no routes. */
  routes: RoutePlan[];
  upstreams: UpstreamPlan[];
  auth?: AuthPlan;
  rateLimit?: RateLimitPolicy;
  retry?: RetryPolicy;
  balance: 'roundrobin' | 'random';
}

/** Iterative: weights are safe integers here, so this ends; recursion on 1e308 never did. */
function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Integer weights with the same ratios as the given numbers (finite, >= 0;
 * anything else is a RangeError: callers check the suite's values first), at most `cap`.
 */
export function integerWeights(raw: number[], cap: number): number[] {
  const bad = raw.find((w) => !Number.isFinite(w) || w < 0);
  if (bad !== undefined) throw new RangeError(`weight ${bad} is not a finite number >= 0`);
  const top = Math.max(0, ...raw);
  if (top === 0) return raw.map(() => 0);
  // Scale to integers (three decimals are plenty), reduce by the gcd, then cap.
  // Weights whose thousandths are not safe integers (1e308) or all round to 0
  // are first scaled so the largest is 1e12: the ratios survive, the gcd loop ends.
  const plain = top * 1000 >= 1 && top * 1000 <= 1e12;
  let ints = raw.map((w) => Math.round(plain ? w * 1000 : (w / top) * 1e12));
  const g = ints.filter((w) => w > 0).reduce(gcd);
  ints = ints.map((w) => w / g);
  const max = Math.max(...ints);
  if (max > cap) ints = ints.map((w) => (w > 0 ? Math.max(1, Math.round((w * cap) / max)) : 0));
  return ints;
}

function schemeOf(input: RenderInput): { name: string; scheme: SecurityScheme } | undefined {
  const policy = input.suite.policies.auth;
  if (!policy) return undefined;
  let name = policy.scheme;
  if (!name) {
    for (const op of input.spec.operations) {
      const first = op.security[0] && Object.keys(op.security[0])[0];
      if (first) {
        name = first;
        break;
      }
    }
  }
  if (!name) return undefined;
  const scheme = input.spec.securitySchemes[name];
  if (!scheme) {
    throw new InputError(input.suite.file, 'policies.auth.scheme', `unknown security scheme ${name}; the spec has: ${Object.keys(input.spec.securitySchemes).join(', ') || 'none'}`);
  }
  return { name, scheme };
}

function jwtPlan(input: RenderInput, jwt: JwtSettings | undefined): JwtPlan {
  const file = input.suite.file;
  if (!jwt) throw new InputError(file, 'policies.auth', 'a bearer scheme needs policies.auth.jwt (alg with jwks or secret)');
  if (jwt.alg === 'HS256') {
    if (!jwt.secret) throw new InputError(file, 'policies.auth.jwt', 'HS256 needs a secret');
    return { alg: 'HS256', secret: jwt.secret, keys: [], issuer: jwt.issuer };
  }
  if (!jwt.jwks) throw new InputError(file, 'policies.auth.jwt', 'RS256 needs a jwks file');
  let jwks: { keys?: Array<Record<string, unknown>> };
  try {
    jwks = JSON.parse(readFileSync(jwt.jwks, 'utf8'));
  } catch (err) {
    throw new InputError(jwt.jwks, undefined, `cannot read the JWKS: ${(err as Error).message}`);
  }
  const keys: JwtPlan['keys'] = [];
  for (const [i, jwk] of (jwks.keys ?? []).entries()) {
    if (jwk.kty !== 'RSA') continue;
    try {
      const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
      keys.push({ kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, pem });
    } catch (err) {
      throw new InputError(jwt.jwks, `/keys/${i}`, `not a usable RSA key: ${(err as Error).message}`);
    }
  }
  if (keys.length === 0) throw new InputError(jwt.jwks, '/keys', 'no RSA key in the JWKS');
  return { alg: 'RS256', keys, issuer: jwt.issuer };
}

function authPlan(input: RenderInput): AuthPlan | undefined {
  const found = schemeOf(input);
  if (!found) return undefined;
  const { name, scheme } = found;
  const valid = input.suite.consumers.filter((c: Consumer) => c.valid);
  switch (scheme.kind) {
    case 'apiKey':
      return {
        kind: 'apiKey',
        schemeName: name,
        in: scheme.in,
        name: scheme.name,
        validKeys: valid.flatMap((c) => (c.credential.kind === 'apiKey' ? [{ consumer: c.name, key: c.credential.key }] : [])),
      };
    case 'basic':
      return {
        kind: 'basic',
        schemeName: name,
        users: valid.flatMap((c) => (c.credential.kind === 'basic' ? [{ consumer: c.name, user: c.credential.user, password: c.credential.password }] : [])),
      };
    case 'bearer':
      return { kind: 'bearer', schemeName: name, jwt: jwtPlan(input, input.suite.policies.auth?.jwt) };
    default:
      throw new InputError(input.suite.file, 'policies.auth', `security scheme ${name} (${scheme.type}) cannot be rendered; use your own config`);
  }
}

/** A canary weight as the suite gives it, when it is a finite number >= 0; else an InputError naming it. */
export function canaryWeight(input: RenderInput, version: string): number {
  const w = input.suite.policies.canary?.weights[version] ?? 0;
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
    throw new InputError(input.suite.file, `policies.canary.weights.${placeKey(version)}`, `a weight must be a finite number >= 0, not ${String(w)}`);
  }
  return w;
}

/**
 * Upstream names and versions become backend, server, cluster and tag names,
 * and valid consumers' names Kong consumers: each must be the identifier the suite
 * schema allows, or the render stops with an InputError naming it.
 */
function checkNames(input: RenderInput): void {
  const file = input.suite.file;
  for (const u of input.suite.upstreams) {
    identifier(u.name, NAME, { file, place: `upstreams.${placeKey(u.name)}` }, 'an upstream name');
    for (const v of u.versions) identifier(v, VERSION, { file, place: `upstreams.${placeKey(u.name)}.versions` }, 'a version');
  }
  for (const c of input.suite.consumers.filter((x) => x.valid)) identifier(c.name, NAME, { file, place: `consumers.${placeKey(c.name)}` }, 'a consumer name');
}

function upstreamPlans(input: RenderInput, cap: number): UpstreamPlan[] {
  const canary = input.suite.policies.canary;
  return input.suite.upstreams.map((u) => {
    const versions = input.upstreams[u.name] ?? {};
    const entries: Array<{ version: string; replica: number; endpoint: Endpoint; raw: number }> = [];
    for (const version of u.versions) {
      const replicas = versions[version] ?? [];
      const versionWeight = canary && canary.upstream === u.name ? canaryWeight(input, version) : 1;
      replicas.forEach((endpoint, replica) => {
        entries.push({ version, replica, endpoint, raw: versionWeight / replicas.length });
      });
    }
    const weights = integerWeights(entries.map((e) => e.raw), cap);
    const servers = entries
      .map((e, i) => ({ version: e.version, replica: e.replica, endpoint: e.endpoint, weight: weights[i] }))
      .filter((s) => s.weight > 0);
    if (servers.length === 0) {
      throw new InputError(input.suite.file, `upstreams.${placeKey(u.name)}`, 'no replica with a positive weight to route to');
    }
    return { name: u.name, servers };
  });
}

function upstreamFor(input: RenderInput, op: Operation): string {
  const name = upstreamOf(input.suite, op);
  if (!name) throw new InputError(input.suite.file, 'upstreams', 'no upstream');
  return name;
}

/** Each route's servers: the replicas of its versions, weighted by the route's weights over their replicas. */
function routePlans(input: RenderInput, ops: OpPlan[], cap: number): RoutePlan[] {
  const table = routeTable(input.suite, input.spec, (op, rng) => generateRequest(input.spec, op, rng));
  return table.map(({ route, ops: domain }, i) => {
    const versions = input.upstreams[route.to.upstream] ?? {};
    const entries = Object.entries(route.to.weights).flatMap(([version, w]) => (versions[version] ?? []).map((endpoint, replica, all) => ({ version, replica, endpoint, raw: w / all.length })));
    const weights = integerWeights(entries.map((e) => e.raw), cap);
    const servers = entries.map((e, k) => ({ version: e.version, replica: e.replica, endpoint: e.endpoint, weight: weights[k] })).filter((x) => x.weight > 0);
    if (!servers.length) throw new InputError(route.origin.file, route.origin.place, 'no replica with a positive weight to route to');
    const keys = domain.map((d) => ops.find((o) => o.op === d.op)!.key);
    return { key: `r${i}`, route, ops: keys, upstream: { name: route.to.upstream, servers }, policies: route.policies };
  });
}

export function makePlan(input: RenderInput, weightCap: number, target: string): Plan {
  checkNames(input);
  const auth = authPlan(input);
  const rl = input.suite.policies.rateLimit;
  const ops = input.spec.operations.map((op, i) => ({
    op,
    key: `op${i}`,
    upstream: upstreamFor(input, op),
    secured: auth !== undefined && op.security.length > 0,
    rateLimited: rl !== undefined && (rl.operations === undefined || rl.operations.includes(op.id)),
  }));
  return {
    ops,
    routes: routePlans(input, ops, weightCap),
    upstreams: upstreamPlans(input, weightCap),
    auth,
    rateLimit: rl,
    retry: input.suite.policies.retry,
    balance: balanceFor(input, target),
  };
}

export function balanceFor(input: RenderInput, target: string): 'roundrobin' | 'random' {
  return input.suite.targets.find((t) => t.name === target)?.balance ?? 'roundrobin';
}

/** Seconds, rounded up, for Retry-After. */
export function retryAfterSeconds(windowMs: number): number {
  return Math.max(1, Math.ceil(windowMs / 1000));
}
