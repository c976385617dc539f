// A target is a kind of proxy: it renders a config from the policies or takes
// the user's config with placeholders, and declares the features it can
// express. A check needing a feature the target lacks is "notSupported".

import type { Spec } from '../model/spec.ts';
import type { Suite } from '../model/suite.ts';
import type { Policies } from '../model/policies.ts';
import type { Feature } from '../model/features.ts';
import type { RenderedConfig, RenderInput } from '../model/target.ts';
import type { Endpoint } from '../model/upstream.ts';

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
