// What the render tests share: a suite made into a render input with fixed
// mock addresses, machine-independent text, golden files, and what an Envoy
// render must hold for each of a suite's routes.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadSuite } from '../harness/suite/load-suite.ts';
import { loadSpec } from '../harness/spec/load-spec.ts';
import type { Endpoint } from '../harness/model/upstream.ts';
import type { UpstreamSpec } from '../harness/model/suite.ts';
import type { RenderInput } from '../harness/model/target.ts';
import type { Route } from '../harness/model/routes.ts';
import { ALL_METHODS } from '../harness/model/spec.ts';
import type { RetryPolicy } from '../harness/checks/retry/policy.ts';
import { REPO_ROOT } from '../harness/testing/examples.ts';

const update = process.env.PROXYPROOF_UPDATE_GOLDEN === '1';

/** The suite as a render input: mocks on 127.0.0.1 from port 9001 up, listening on 8080. */
export async function inputFor(file: string): Promise<RenderInput> {
  const suite = await loadSuite(file);
  const spec = await loadSpec(suite.spec);
  let port = 9001;
  const upstreams: Record<string, Record<string, Endpoint[]>> = {};
  for (const u of suite.upstreams) {
    upstreams[u.name] = {};
    for (const v of u.versions) upstreams[u.name][v] = Array.from({ length: u.replicas }, () => ({ host: '127.0.0.1', port: port++ }));
  }
  return { suite, spec, listen: { host: '127.0.0.1', port: 8080 }, upstreams, workdir: '/tmp/proxyproof-render' };
}

/** Machine-independent text: the checkout's path becomes <repo>. */
export function portable(text: string): string {
  return text.split(REPO_ROOT).join('<repo>');
}

/** The text equals the golden file (PROXYPROOF_UPDATE_GOLDEN=1 rewrites it; a missing one is written and fails). */
export function golden(file: string, text: string): void {
  if (update || !existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    if (!update) throw new Error(`${file} was missing and has been written; review and commit it`);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}

type J = Record<string, any>;

/** The Envoy routes of a bootstrap, in order. */
export function envoyRoutes(boot: J): J[] {
  return boot.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts.flatMap((h: J) => h.routes);
}

/** The methods an Envoy route can take, read from its :method condition (none: every method). */
function methodsOf(r: J): readonly string[] {
  const m = (r.match.headers ?? []).find((h: J) => h.name === ':method');
  if (!m) return ALL_METHODS;
  return m.string_match.exact !== undefined ? [m.string_match.exact] : String(m.string_match.safe_regex.regex).split('|');
}

/** What is wrong with a route's destination in one Envoy route: its versions and their shares must be the route's. */
function weightProblem(route: Route, r: J): string | undefined {
  const want = Object.entries(route.to.weights).filter(([, w]) => w > 0);
  const total = want.reduce((a, [, w]) => a + w, 0);
  const cluster = (v: string) => `outbound|80|${v}|${route.to.upstream}`;
  if (want.length === 1) return r.route.cluster === cluster(want[0][0]) ? undefined : `${r.name}: cluster ${r.route.cluster}, not ${cluster(want[0][0])}`;
  const got: Array<{ name: string; weight: number }> = r.route.weighted_clusters?.clusters ?? [];
  const gotTotal = got.reduce((a, c) => a + c.weight, 0);
  const same = got.length === want.length && want.every(([v, w]) => got.some((c) => c.name === cluster(v) && Math.abs(c.weight / gotTotal - w / total) < 1e-3));
  return same ? undefined : `${r.name}: weighted_clusters ${JSON.stringify(got)}, not ${JSON.stringify(Object.fromEntries(want))}`;
}

/** What is wrong with the retry of one Envoy route: present (as the policy says) exactly when every method it takes is retried. */
function retryProblem(retry: RetryPolicy | undefined, r: J): string | undefined {
  const due = retry !== undefined && retry.attempts > 0 && methodsOf(r).every((m) => retry.methods.includes(m as never));
  const p = r.route.retry_policy;
  if (!due) return p ? `${r.name}: a retry_policy for methods the policy does not retry` : undefined;
  if (!p) return `${r.name}: no retry_policy`;
  const codes = JSON.stringify(p.retriable_status_codes) === JSON.stringify(retry!.on);
  const perTry = retry!.perTryTimeoutMs === undefined ? p.per_try_timeout === undefined : p.per_try_timeout === `${retry!.perTryTimeoutMs / 1000}s`;
  return p.num_retries === retry!.attempts && codes && perTry ? undefined : `${r.name}: retry_policy ${JSON.stringify(p)} is not ${JSON.stringify(retry)}`;
}

/**
 * Every route of the suite in an Envoy render: at least one Envoy route per
 * route (named r<i>. by the plan's key), each with the route's versions and
 * weights, and the route's retry (or the suite's) on exactly those whose
 * methods it retries. Returns the problems ([] when all hold) and how many
 * Envoy routes were checked.
 */
export function routeFindings(boot: J, routes: readonly Route[], suiteRetry: RetryPolicy | undefined): { problems: string[]; checked: number; retried: number } {
  const all = envoyRoutes(boot);
  const problems: string[] = [];
  let checked = 0;
  let retried = 0;
  routes.forEach((route, i) => {
    const mine = all.filter((r) => String(r.name).startsWith(`r${i}.`));
    if (!mine.length) problems.push(`route ${route.name}: no Envoy route`);
    for (const r of mine) {
      checked++;
      if (r.route?.retry_policy) retried++;
      for (const p of [weightProblem(route, r), retryProblem(route.policies.retry ?? suiteRetry, r)]) if (p) problems.push(`route ${route.name}: ${p}`);
    }
  });
  return { problems, checked, retried };
}

/** A host or backend name as an upstream or version name (the suite schema's identifiers). */
function identifierOf(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z]+/, 'x');
}

type Obj = Record<string, any>;

/**
 * A sample's own upstreams, so its routes import whatever hosts it names: an
 * upstream per VirtualService destination host and DestinationRule host (by
 * its first label), its versions the subsets named (else v1); HTTPRoute and
 * GRPCRoute backendRefs become the versions of one upstream, `backend`
 * (import.backends maps each name to its version), so a split across backends
 * is a split across versions.
 */
export function sampleUpstreams(text: string): { upstreams: UpstreamSpec[]; backends: Record<string, { upstream: string; version: string }> } {
  const ups = new Map<string, Set<string>>();
  const backends: Record<string, { upstream: string; version: string }> = {};
  const add = (host: string, version?: string) => {
    const u = identifierOf(host.split('.')[0]);
    if (!ups.has(u)) ups.set(u, new Set());
    if (version) ups.get(u)!.add(identifierOf(version));
  };
  for (const d of parseAllDocuments(text)) {
    const r = d.toJS() as Obj | null;
    const spec: Obj = r?.spec ?? {};
    if (r?.kind === 'DestinationRule' && typeof spec.host === 'string') for (const sub of [{ name: undefined }, ...(spec.subsets ?? [])]) add(spec.host, sub.name);
    if (r?.kind === 'VirtualService') for (const h of spec.http ?? []) for (const rt of h.route ?? []) if (typeof rt.destination?.host === 'string') add(rt.destination.host, rt.destination.subset);
    if (r?.kind === 'HTTPRoute' || r?.kind === 'GRPCRoute') {
      for (const rule of spec.rules ?? []) for (const b of rule.backendRefs ?? []) if (typeof b.name === 'string') {
        add('backend', b.name);
        backends[b.name] = { upstream: 'backend', version: identifierOf(b.name) };
      }
    }
  }
  const upstreams = [...ups].map(([name, vs]) => ({ name, versions: vs.size ? [...vs] : ['v1'], replicas: 1 }));
  return { upstreams, backends };
}

/** Mock endpoints for upstreams, one replica each, from port 9001 up. */
export function endpointsFor(upstreams: readonly UpstreamSpec[]): Record<string, Record<string, Endpoint[]>> {
  let port = 9001;
  return Object.fromEntries(upstreams.map((u) => [u.name, Object.fromEntries(u.versions.map((v) => [v, [{ host: '127.0.0.1', port: port++ }]]))]));
}

/** The vendored Istio and Gateway API samples under `real` (fixtures/realdata): every .yaml/.yml, in directory order. */
export function realSamples(real: string): string[] {
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(d, e.name)] : []));
  return [...walk(path.join(real, 'istio')), ...walk(path.join(real, 'gateway-api'))];
}
