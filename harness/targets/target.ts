// A target is a kind of proxy, described in one place: it renders a config
// from the policies or takes the user's config with placeholders, declares
// the features it can express (and why it lacks the others), how it runs as a
// process (binary, install hint), as a container (images, readiness) and how
// its config check reports a problem. A check needing a feature the target
// lacks is "notSupported".
//
// Adding a target: a folder harness/targets/<name>/ whose index.ts exports a
// TargetDriver, plus one line in registry.ts. The suite loader's target kinds,
// the runtimes' image tables, readiness and install hints, and doctor's list
// are read from the registry.

import type { Feature } from '../model/features.ts';
import type { Policies, PolicyName } from '../model/policies.ts';
import type { RenderedConfig, RenderInput } from '../model/target.ts';

/** Running the proxy as a local process. */
export interface ProcessSupport {
  /** The binary, looked up on PATH. */
  binary: string;
  /** How to get it (shown when it is missing). */
  installHint: string;
}

/**
 * When a started proxy is ready to serve:
 *  - port: its listen port accepts connections;
 *  - http: GET `path` answers (with `status`, when given) on the listen port or on the status port
 *    the render was given (RenderInput.statusPort), e.g. Kong's /status/ready;
 *  - admin-file: the proxy writes its admin address to `file` in the workdir (Envoy's
 *    --admin-address-path); GET `path` there answers `status` (Envoy's /ready: 200 LIVE).
 */
export type Readiness =
  | { kind: 'port' }
  | { kind: 'http'; path: string; port?: 'listen' | 'status'; status?: number }
  | { kind: 'admin-file'; file: string; path: string; status: number };

/** Running the proxy as a container (testcontainers, Docker or Podman). */
export interface ContainerSupport {
  /** The pinned official image, the default. */
  image: string;
  /** An image built from Debian packages where no registry is reachable (scripts/build-images.sh). */
  localImage?: string;
  /** How a skip message names the image family (kong:3.x). */
  family: string;
  /** How to get the image, for doctor. */
  fix: string;
}

/** What a config check's output says: the file and line it names, when it names one, and the complaint. */
export interface CheckComplaint {
  file?: string;
  line?: number;
  message: string;
}

export interface TargetDriver {
  name: string;
  /** Features a rendered config of this target expresses. */
  features: ReadonlySet<Feature>;
  /** Why a feature is missing, where the proxy's semantics say so (shown with notSupported). */
  unsupportedBecause?: Partial<Record<Feature, string>>;
  /**
   * Policy settings a rendered config cannot carry, beyond features (a retry
   * status the proxy's directive does not accept, say): policy -> why. Such a
   * check is notSupported, never run against a config that silently lacks it.
   */
  cannotRender?(policies: Policies): Partial<Record<PolicyName, string>>;
  /** Render a config from the suite's policies. */
  render(input: RenderInput): RenderedConfig;
  /** Take the user's config file, replacing placeholders; input errors name the file and line. */
  fromUserConfig(input: RenderInput, configFile: string): RenderedConfig;
  process: ProcessSupport;
  container: ContainerSupport;
  /** When a started proxy of this target serves, as a process or a container. */
  readiness: Readiness;
  /**
   * How the checks must drive this proxy where its own correct behaviour
   * differs from the others': `serialBurst` (why) makes the rate-limit check
   * send its burst one request after another, for a limiter that counts after
   * admitting and so over-admits a concurrent burst by design (Kong's local policy).
   */
  traits?: { serialBurst?: string };
  /** The proxy's own config check, as people know it (nginx -t, kong config parse). */
  checkLabel: string;
  /** What proxyproof itself checks a config of this target against, without the proxy (when anything). */
  schemaCheck?: string;
  /** The config check's complaint (nginx -t, haproxy -c, ...) read from its output. */
  parseCheckOutput(output: string): CheckComplaint;
}

/** The last non-empty line: what a checker without a file:line format said last. */
export function lastLineComplaint(output: string): CheckComplaint {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  return { message: lines.slice(-1)[0] ?? 'config check failed without output' };
}
