// A check is data plus one function, as in the Gateway API conformance suite:
// a short name, a description, the features it needs from a target, and run().

import type { Rng } from '../util/rng.ts';
import type { StartedProxy } from '../model/runtime.ts';
import type { Operation, Spec } from '../model/spec.ts';
import type { SpecValidator } from '../spec/validate.ts';
import type { Policies, Suite } from '../model/suite.ts';
import type { Feature } from '../model/features.ts';
import type { MockFleet } from '../upstream/mock-upstream.ts';
import type { CheckOutcome } from '../model/result.ts';
import type { ProxyClient } from './client.ts';

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
  log: (line: string) => void;
}

export interface Check {
  /** Short name, used in reports and --check filters. */
  name: 'auth' | 'rateLimit' | 'retry' | 'canary' | 'contract' | 'fault' | 'transform' | 'timeout';
  description: string;
  /** The policy this check needs; without it the check is skipped. */
  policy: keyof Policies;
  /** Features a rendered target must declare; missing ones make the result notSupported. */
  features(policies: Policies, spec: Spec): Feature[];
  run(ctx: CheckContext): Promise<CheckOutcome>;
}
