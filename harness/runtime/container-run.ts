// What a `--runtime container` run needs before anything starts: an engine
// (Docker or Podman's socket), stale containers of killed runs swept, and an
// image per target, resolved without pulling. A target whose image is absent
// is skipped with the reason, never passed.

import { randomBytes } from 'node:crypto';
import { EnvironmentError } from '../model/errors.ts';
import { createContainerRuntime } from './container-runtime.ts';
import { resolveImage, sweepStale } from './containers.ts';
import { detectEngine, useEngine, type Engine } from './engine.ts';
import { getTarget } from '../targets/registry.ts';
import type { ProxyRuntime } from '../model/runtime.ts';

export interface ContainerPlan {
  engine: Engine;
  runId: string;
  swept: string[];
  /** `${suite}/${target}` -> image resolution */
  images: Map<string, { image: string; available: boolean; tried: string[] }>;
}

export const ENGINE_FIX =
  'start Docker, or Podman\'s API socket: bash scripts/podman-setup.sh (installs podman+runc, writes .podman/containers.conf, starts `podman system service`), then export DOCKER_HOST=unix://$PWD/.podman/podman.sock';

/** Find the engine (exit 3 when none), sweep what killed runs left, resolve every target's image. */
export async function prepareContainers(targets: Array<{ suite: string; target: string; image?: string }>, flagImage?: string): Promise<ContainerPlan> {
  const { engine, tried } = await detectEngine();
  if (!engine) throw new EnvironmentError(`--runtime container: no container engine answers (tried ${tried.join('; ')})`, ENGINE_FIX);
  useEngine(engine);
  const swept = await sweepStale();
  const images = new Map<string, { image: string; available: boolean; tried: string[] }>();
  for (const t of targets) images.set(`${t.suite}/${t.target}`, await resolveImage(t.target, flagImage ?? t.image));
  return { engine, runId: `pp-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`, swept, images };
}

/** Why a target is skipped, or undefined when its image is present. */
export function imageSkipReason(plan: ContainerPlan, suite: string, target: string): string | undefined {
  const r = plan.images.get(`${suite}/${target}`);
  if (!r || r.available) return undefined;
  return `skipped: image ${getTarget(target)?.container.family ?? r.image} not available (looked for ${r.tried.join(', ')} on ${plan.engine.name}; these machines cannot pull: load or build it, see proxyproof doctor)`;
}

export function containerRuntimeFor(plan: ContainerPlan, suite: string): ProxyRuntime {
  return createContainerRuntime({
    engine: plan.engine,
    runId: plan.runId,
    suite,
    imageFor: (target) => plan.images.get(`${suite}/${target}`)!.image,
  });
}
