// The suite model: what a *.suite.yaml file says, with paths made absolute
// and durations in milliseconds. load-suite.ts builds it; nothing else parses YAML.

import type { HttpMethod } from './spec.ts';
import type { Threshold } from './load-report.ts';

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

export interface JwtSettings {
  alg: 'RS256' | 'HS256';
  /** Absolute path of a JWKS file (RS256). */
  jwks?: string;
  /** Shared secret (HS256). */
  secret?: string;
  issuer?: string;
}

export interface AuthPolicy {
  /** Name in the spec's securitySchemes; undefined = the spec's own requirements. */
  scheme?: string;
  /** Statuses that count as a rejection. Default [401, 403]. */
  reject: number[];
  jwt?: JwtSettings;
}

export interface RateLimitPolicy {
  limit: number;
  windowMs: number;
  by: 'consumer' | 'ip' | 'global';
  /** operationIds in scope; undefined = all operations. */
  operations?: string[];
  /** A Redis the gateway shares its counters in (Kong's rate-limiting policy redis); rendered for Kong only. */
  redis?: { host: string; port: number; database?: number };
}

export interface RetryPolicy {
  /** Retries after the first try. */
  attempts: number;
  on: number[];
  methods: HttpMethod[];
  perTryTimeoutMs?: number;
}

export interface CanaryPolicy {
  upstream: string;
  /** version -> weight (any positive scale; shares are weight / sum). */
  weights: Record<string, number>;
  /** Absolute tolerance on each share, e.g. 0.05. */
  tolerance: number;
  /** False-alarm rate of the whole verdict. Default 1e-4. */
  alpha: number;
  /** Most requests the sequential test may send. Default 6400. */
  maxRequests: number;
}

export interface ContractPolicy {
  /** operationIds to exercise; undefined = all. */
  operations?: string[];
}

/** A fault the proxy injects itself, as Istio's fault.abort (it answers) and fault.delay (it holds the request) do. */
export interface FaultRule {
  /** Operations of this upstream are in scope. */
  upstream: string;
  /** Request headers that select the faulted requests (all must match); none = every request. */
  headers: Array<{ name: string; exact?: string; prefix?: string; regex?: string }>;
  abort?: { status: number; percent: number };
  delay?: { fixedDelayMs: number; percent: number };
}

/** Request transformation: headers the proxy sets (replacing a client's value) or removes before the upstream. */
export interface TransformPolicy {
  setHeaders: Record<string, string>;
  removeHeaders: string[];
}

/**
 * Request timeout: the longest the proxy waits for the upstream's answer to
 * one request, all tries included (Istio's VirtualService `timeout`, Envoy's
 * route timeout, Kong's service read_timeout); past it the client gets `status`.
 */
export interface TimeoutPolicy {
  requestMs: number;
  /** Statuses a timed-out request may get. Default [504]. */
  status: number[];
  /**
   * The upstream the timeout came from (an imported VirtualService's host): the
   * check drives one of its operations. Rendered configs apply the timeout to
   * every upstream (one timeout per suite).
   */
  upstream?: string;
}

export interface FaultPolicy {
  rules: FaultRule[];
}

/** Something a policy source said that proxyproof could not express, or a default it applied. */
export interface ImportNote {
  source: string;
  resource: string;
  kind: 'unexpressed' | 'default' | 'conflict' | 'info';
  message: string;
}

export interface Policies {
  auth?: AuthPolicy;
  rateLimit?: RateLimitPolicy;
  retry?: RetryPolicy;
  canary?: CanaryPolicy;
  contract?: ContractPolicy;
  fault?: FaultPolicy;
  transform?: TransformPolicy;
  timeout?: TimeoutPolicy;
}

export interface Suite {
  /** Absolute path of the suite file. */
  file: string;
  dir: string;
  name: string;
  /** Absolute path of the OpenAPI document. */
  spec: string;
  upstreams: UpstreamSpec[];
  consumers: Consumer[];
  targets: TargetSpec[];
  policies: Policies;
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
