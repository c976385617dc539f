// The suite model: what a *.suite.yaml file says, with paths made absolute
// and durations in milliseconds. load-suite.ts builds it; nothing else parses YAML.

import type { Policies } from './policies.ts';
import type { Threshold } from './load-report.ts';
import type { Route } from './routes.ts';

export type Credential =
  | { kind: 'apiKey'; key: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; user: string; password: string };

export interface Consumer {
  name: string;
  /** false: a credential the proxy must reject (a wrong key, a forged token). */
  valid: boolean;
  credential: Credential;
}

export interface UpstreamSpec {
  name: string;
  versions: string[];
  replicas: number;
  /** operationIds this upstream serves; undefined = every operation not claimed by another upstream. */
  operations?: string[];
}

export interface TargetSpec {
  /** Target kind: nginx | haproxy (later kong, envoy). */
  name: string;
  /** Absolute path of the user's own config with placeholders, when given. */
  config?: string;
  /** true: the config is rendered from the policies. Exactly one of config/render. */
  render: boolean;
  /** Balancing for rendered configs: roundrobin (smooth weighted) or random. */
  balance?: 'roundrobin' | 'random';
  /** Container image for --runtime container (overrides the pinned default). */
  image?: string;
}

/** Something a policy source said that proxyproof could not express, or a default it applied. */
export interface ImportNote {
  source: string;
  resource: string;
  /**
   * unexpressed: not checked (the message says why); default: filled in from
   * the product's defaults; conflict: two sources disagree, one stays; info.
   */
  kind: 'unexpressed' | 'default' | 'conflict' | 'info';
  message: string;
  /** The field path inside the resource the note is about (spec.http[1].mirror); '' = the whole resource. */
  field?: string;
}

export interface Suite {
  /** Absolute path of the suite file. */
  file: string;
  dir: string;
  name: string;
  /** Absolute path of the OpenAPI document. */
  spec: string;
  /** How the spec's $refs may reach out: remote refs (opt-in) and more local folders (absolute). */
  specOptions?: { allowRemoteRefs: boolean; allowDirs: string[] };
  upstreams: UpstreamSpec[];
  consumers: Consumer[];
  targets: TargetSpec[];
  policies: Policies;
  /** Routes, first match wins: stated under `routes:` or imported; undefined when the suite has none. */
  routes?: Route[];
  /** Files named by policies.from (absolute), and what importing them could not express. */
  imported?: { from: string[]; notes: ImportNote[] };
  /** The `load:` section: scenarios and thresholds for `proxyproof load`. */
  load?: LoadConfig;
}

/** One load scenario, in k6's executor vocabulary. Durations in ms, rates per timeUnit. */
export interface LoadScenario {
  name: string;
  executor: 'constant-arrival-rate' | 'ramping-arrival-rate' | 'constant-vus';
  /** Arrivals per timeUnit (constant-arrival-rate). */
  rate?: number;
  timeUnitMs: number;
  durationMs?: number;
  /** ramping-arrival-rate: rate at the start and linear stages. */
  startRate?: number;
  stages?: Array<{ target: number; durationMs: number }>;
  /** constant-vus: connections driven as fast as they go (closed model). */
  vus?: number;
  /** Open models: connections opened before the start, and the most it may grow to. */
  preAllocatedVUs?: number;
  maxVUs?: number;
  /** operationId -> weight; undefined = every operation with a success response, equal weights. */
  operations?: Record<string, number>;
  /** Consumers whose credentials the requests carry (round robin); default the valid ones. */
  consumers?: string[];
}

export interface LoadConfig {
  scenarios: LoadScenario[];
  /** Parsed thresholds (harness/load/thresholds.ts). */
  thresholds: Threshold[];
  warmupMs: number;
  timeoutMs: number;
  /** Measure the direct path too (proxy overhead). Default true. */
  overhead: boolean;
  /** Policies to prove under load; default every one the suite sets (rateLimit, retry, canary). */
  policies?: Array<'rateLimit' | 'retry' | 'canary'>;
}
