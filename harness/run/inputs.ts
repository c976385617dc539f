// Everything a run reads before it starts anything: suites, their specs, what
// they say about the specs, the targets asked for, and for each of those a
// dry render with sample addresses (so placeholder and render errors surface
// before a proxy starts) and, for the process runtime, its binary.

import { InputError } from '../model/errors.ts';
import type { Spec } from '../model/spec.ts';
import type { Suite, TargetSpec } from '../model/suite.ts';
import type { RenderedConfig, RenderInput } from '../model/target.ts';
import type { Endpoint } from '../model/upstream.ts';
import { requireBinary } from '../runtime/binaries.ts';
import { loadSpec } from '../spec/load-spec.ts';
import { checkAgainstSpec } from '../suite/against-spec.ts';
import { loadSuite } from '../suite/load-suite.ts';
import { getTarget } from '../targets/registry.ts';
import type { TargetDriver } from '../targets/target.ts';

export interface Loaded {
  suite: Suite;
  spec: Spec;
}

/** Suite files, or suites already loaded (the library's runSuite with a suite given as data). */
export async function loadAll(suites: Array<string | Suite>): Promise<Loaded[]> {
  const out: Loaded[] = [];
  for (const s of suites) {
    const suite = typeof s === 'string' ? await loadSuite(s) : s;
    const spec = await loadSpec(suite.spec, suite.specOptions);
    checkAgainstSpec(suite, spec);
    out.push({ suite, spec });
  }
  return out;
}

/** The suite's targets that --target names (all when none is named); naming none of the suite's is an input error. */
export function selectedTargets(suite: Suite, only?: string[]): TargetSpec[] {
  if (!only?.length) return suite.targets;
  const picked = suite.targets.filter((t) => only.includes(t.name));
  if (!picked.length) throw new InputError(suite.file, 'targets', `names none of --target ${only.join(', ')} (it has ${suite.targets.map((t) => t.name).join(', ')})`);
  return picked;
}

export function driverOf(t: TargetSpec): TargetDriver {
  const driver = getTarget(t.name);
  if (!driver) throw new Error(`internal: no target named ${t.name}`);
  return driver;
}

/** Render (or take) the config for a target; pure but for reading the user's file. */
export function configFor(t: TargetSpec, input: RenderInput): RenderedConfig {
  const driver = driverOf(t);
  if (t.config) return driver.fromUserConfig(input, t.config);
  return { ...driver.render(input), origin: { file: input.suite.file, place: `targets.${t.name}` } };
}

/** Addresses for a dry render: fixed, documented sample ports, nothing bound. */
export function sampleInput(loaded: Loaded, workdir: string): RenderInput {
  let port = 9001;
  const upstreams: Record<string, Record<string, Endpoint[]>> = {};
  for (const u of loaded.suite.upstreams) {
    upstreams[u.name] = {};
    for (const v of u.versions) upstreams[u.name][v] = Array.from({ length: u.replicas }, () => ({ host: '127.0.0.1', port: port++ }));
  }
  return { suite: loaded.suite, spec: loaded.spec, listen: { host: '127.0.0.1', port: 8080 }, upstreams, workdir };
}

/** Every requested target can run before anything starts: its binary (process runtime) and a dry render. */
export async function preflight(loaded: Loaded[], only: string[] | undefined, runtime: 'process' | 'container'): Promise<void> {
  for (const l of loaded) {
    for (const t of selectedTargets(l.suite, only)) {
      if (runtime === 'process') await requireBinary(t.name, driverOf(t).process);
      configFor(t, sampleInput(l, '/tmp/proxyproof-validate'));
    }
  }
}
