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
  log: (line: string) => void;
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

