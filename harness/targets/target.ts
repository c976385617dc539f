// A target is a kind of proxy: it renders a config from the policies or takes
// the user's config with placeholders, and declares the features it can
// express. A check needing a feature the target lacks is "notSupported".

import type { Spec } from '../spec/model.ts';
import type { Policies, Suite } from '../suite/suite.ts';
import type { Endpoint } from '../upstream/types.ts';

export type Feature =
  | 'auth.apiKey'
  | 'auth.basic'
  | 'auth.bearer'
  | 'rateLimit.consumer'
  | 'rateLimit.ip'
  | 'rateLimit.global'
  | 'retry.status'
  | 'retry.methods'
  | 'retry.perTryTimeout'
  | 'canary.weights'
  | 'contract'
  | 'fault.abort'
  | 'fault.delay'
  | 'transform.headers'
  | 'timeout.request';

export interface RenderInput {
  suite: Suite;
  spec: Spec;
  /** Where the proxy must listen: always 127.0.0.1 and a port the OS gave. */
  listen: Endpoint;
  /** upstream name -> version -> replicas, in replica order. */
  upstreams: Record<string, Record<string, Endpoint[]>>;
  /** A private folder for pid, logs, temp paths and extra files. */
  workdir: string;
}

export interface RenderedConfig {
  target: string;
  /** File name of the main config, relative to the workdir. */
  mainFile: string;
  /** Files to write into the workdir before start: relative path -> content. */
  files: Record<string, string>;
  /** How to run it in the foreground; paths already absolute. */
  command: { bin: string; args: string[] };
  /** Command that checks the config without serving (nginx -t, haproxy -c). */
  checkCommand: { bin: string; args: string[] };
}

export interface TargetDriver {
  name: string;
  /** The binary a process runtime needs, and how to get it. */
  binary: string;
  installHint: string;
  /** Features a rendered config of this target expresses. */
  features: ReadonlySet<Feature>;
  /** Why a feature is missing, where the proxy's semantics say so (shown with notSupported). */
  unsupportedBecause?: Partial<Record<Feature, string>>;
  /**
   * Policy settings a rendered config cannot carry, beyond features (a retry
   * status the proxy's directive does not accept, say): policy -> why. Such a
   * check is notSupported, never run against a config that silently lacks it.
   */
  cannotRender?(policies: Policies): Partial<Record<keyof Policies, string>>;
  /** Render a config from the suite's policies. */
  render(input: RenderInput): RenderedConfig;
  /** Take the user's config file, replacing placeholders; input errors name the file and line. */
  fromUserConfig(input: RenderInput, configFile: string): RenderedConfig;
}
