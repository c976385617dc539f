// A check is a value, as in the Gateway API conformance suite's
// ConformanceTest: a short name, a description, the features it needs from a
// target, the suite-file section it owns (policy type, JSON Schema fragment,
// parser) and run(). run() drives traffic (effects) and hands what it saw to
// a pure judge that returns typed failures.
//
// Adding a check: a folder harness/checks/<name>/ with policy.ts (the policy
// type added to model/policies.ts's Policies, its features added to
// model/features.ts's FeatureMap, the schema fragment and the parser) and
// index.ts (the Check), plus one line in registry.ts. The suite schema, the
// suite loader and the CLI's check list are assembled from the registry.

import type { Feature } from '../model/features.ts';
import type { Policies, PolicyName } from '../model/policies.ts';
import type { CheckOutcome, Evidence, Failure } from '../model/result.ts';
import type { StartedProxy } from '../model/runtime.ts';
import type { Operation, Spec } from '../model/spec.ts';
import type { Consumer, Suite, UpstreamSpec } from '../model/suite.ts';
import type { Rng } from '../util/rng.ts';
import type { SpecValidator } from '../spec/validate.ts';
import type { MockFleet } from '../upstream/mock-upstream.ts';
import type { ProxyClient } from './shared/client.ts';

export interface CheckContext {
  suite: Suite;
  spec: Spec;
  policies: Policies;
  target: string;
  proxy: StartedProxy;
  fleet: MockFleet;
  client: ProxyClient;
  validator: SpecValidator;
  rng: Rng;
  seed: number;
  /** Operations served through the proxy, in spec order. */
  operations: Operation[];
  /** Set when the target's limiter over-admits a concurrent burst by design: why the burst is sent serially. */
  serialBurst?: string;
  /**
   * For each claim key this check shares with a check that ran before it on
   * this target (in the runner's order), when the last such check ended (ms
   * since the epoch). A key no earlier check claimed is absent: nothing of
   * this run touched it. The rate limit waits for quiet only where needed.
   */
  touchedAt?: Readonly<Record<string, number>>;
  /** The check's time budget (ms), when the run sets one: long measurements that do not fit are left out and said so. */
  budgetMs?: number;
  log: (line: string) => void;
}

/**
 * Something a check's traffic touches on a target: an operation, a consumer's
 * credential, a rate-limit counter (`rateLimit:consumer:alice`,
 * `rateLimit:ip:127.0.0.1`, `rateLimit:global`), the target's time, or the
 * machine's timing (TIMING_CLAIM). On one key, shared claims coexist, heavy
 * claims coexist, and nothing else does: an exclusive claim (the check
 * measures the thing, so anyone else's traffic on it would change what it
 * sees) waits for every other claim, and a heavy one (a flood of requests)
 * waits for the shared ones (checks that time what they see) and they for it.
 */
export interface Claim {
  key: string;
  mode: 'shared' | 'exclusive' | 'heavy';
}

export interface Uses {
  claims: Claim[];
  /** About how long the check takes (ms): among checks that conflict, the runner starts the longest first. */
  expectMs?: number;
}

/** The key every check claims: a check that claims it exclusively runs alone on its target. */
export const TIME_CLAIM = 'time';
/**
 * The machine's timing, across targets (the checks, the mocks and the proxies
 * share its cores): checks that judge by elapsed time or pacing claim it
 * shared, checks that send as fast as they can claim it heavy.
 */
export const TIMING_CLAIM = 'machine:timing';

/** True when two claims on one key cannot be held at once. */
export const clash = (a: Claim['mode'], b: Claim['mode']): boolean => a === 'exclusive' || b === 'exclusive' || a !== b;

/** True when two checks may not run at the same time on one target. */
export function conflicts(a: Uses, b: Uses): boolean {
  return a.claims.some((x) => b.claims.some((y) => x.key === y.key && clash(x.mode, y.mode)));
}

/** A place in the suite file, below the section: ['jwt', 'alg'], ['rules', 0, 'upstream']. */
export type Place = ReadonlyArray<string | number>;

/** What a section's parser may use: the suite's other parts and errors that name the YAML line. */
export interface SectionContext {
  /** An InputError naming the suite file and the line of `place` (below this section). */
  fail(place: Place, detail: string, atKey?: boolean): never;
  /** A duration (500ms, 2s) in milliseconds, or an InputError at `place`. */
  duration(place: Place, value: string): number;
  /** A path relative to the suite file, absolute, that must name a readable file (else an InputError at `place`). */
  file(place: Place, value: string): Promise<string>;
  consumers: readonly Consumer[];
  upstreams: readonly UpstreamSpec[];
}

/** A JSON Schema fragment (draft-07); `#/definitions/duration`, `status` and `operationIds` are shared. */
export type SchemaFragment = Record<string, unknown>;

/** The suite-file section a check owns: `policies.<name>`. */
export interface PolicySection<N extends PolicyName = PolicyName> {
  schema: SchemaFragment;
  /** The section as written (already valid against `schema`) -> the policy, defaults filled in. */
  parse(raw: Record<string, unknown>, ctx: SectionContext): Policies[N] | Promise<Policies[N]>;
  /**
   * What the policy says about the spec must hold there (operationIds, scheme
   * names): the problem, with its place below `policies.<name>`, or undefined.
   */
  againstSpec?(policy: NonNullable<Policies[N]>, spec: Spec): { place: string; detail: string } | undefined;
}

export interface Check<N extends PolicyName = PolicyName> {
  /** Short name, used in reports and --check filters; also the policy key it owns. */
  name: N;
  description: string;
  section: PolicySection<N>;
  /** Features a rendered target must declare; missing ones make the result notSupported. */
  features(policies: Policies, spec: Spec): Feature[];
  run(ctx: CheckContext): Promise<CheckOutcome>;
  /**
   * What run(ctx) will touch, so the runner can run checks on one target side
   * by side when they cannot disturb each other. Without it the check claims
   * the target's time exclusively and runs alone.
   */
  uses?(ctx: CheckContext): Uses;
  /** Credentials the check sends that the suite does not list (variants of the consumers' own): reports redact them too. */
  secretsSent?(suite: Suite): string[];
}

/** A failed outcome: the headline, the first failure, and how many more; evidence lists them all. */
export function failedOutcome(headline: string, failures: Failure[], evidence: Evidence, warnings?: string[]): CheckOutcome {
  const first = failures[0];
  const more = failures.length > 1 ? ` (+${failures.length - 1} more)` : '';
  const curl = evidence.curl ?? failures.find((f) => f.curl)?.curl;
  return {
    status: 'failed',
    message: `${headline}: ${first.message}${more}`,
    failures,
    evidence: { ...evidence, ...(curl ? { curl } : {}), data: { ...evidence.data, problems: failures.map((f) => f.message) } },
    ...(warnings ? { warnings } : {}),
  };
}

