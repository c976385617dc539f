// Runtime handles, typed by lifecycle: a runtime starts a rendered config and
// returns a started, disposable proxy (`await using proxy = await runtime.start(...)`).

import type { RenderedConfig } from './target.ts';
import type { Endpoint } from './upstream.ts';

export interface StartOptions {
  workdir: string;
  listen: Endpoint;
  /** The status port the render was given (RenderInput.statusPort), when the target has one. */
  statusPort?: number;
  /** How long readiness may take before start fails. */
  readyTimeoutMs?: number;
}

export interface StartedProxy extends AsyncDisposable {
  readonly target: string;
  readonly runtime: 'process' | 'container';
  /** http://127.0.0.1:PORT */
  readonly baseUrl: string;
  /** Everything the proxy wrote to its logs so far (stdout, stderr, error log files). */
  logs(): string;
  /** Stop the proxy and every child; idempotent. */
  stop(): Promise<void>;
}

export interface ProxyRuntime {
  readonly name: 'process' | 'container';
  start(config: RenderedConfig, options: StartOptions): Promise<StartedProxy>;
}
