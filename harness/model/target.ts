// What a target renders from and to: the inputs (suite, spec, addresses,
// a private workdir) and the files and commands of one proxy config.

import type { Spec } from './spec.ts';
import type { Suite } from './suite.ts';
import type { Endpoint } from './upstream.ts';

export interface RenderInput {
  suite: Suite;
  spec: Spec;
  /** Where the proxy must listen: always 127.0.0.1 and a port the OS gave. */
  listen: Endpoint;
  /** upstream name -> version -> replicas, in replica order. */
  upstreams: Record<string, Record<string, Endpoint[]>>;
  /** A private folder for pid, logs, temp paths and extra files. */
  workdir: string;
  /**
   * A second free port on 127.0.0.1, for a target's own status or admin
   * listener (Kong's status_listen); never one a proxy forwards to.
   */
  statusPort?: number;
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
  /** The user's own config file this came from (errors in the main file name it instead of the temp copy). */
  sourceFile?: string;
  /** A rendered config: the suite and the setting it was rendered from, for errors the proxy finds in it. */
  origin?: { file: string; place: string };
}
