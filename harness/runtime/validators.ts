// Which validator checks a target's config on this machine: the proxy's own
// binary (nginx -t, haproxy -c), else the proxy's image on a container engine
// (kong config parse, envoy --mode validate run inside it), else proxyproof's
// schemas only (Kong's declarative format, Envoy's protos and their rules).
// validate uses the best one and says which; doctor lists them.

import { getTarget } from '../targets/registry.ts';
import { binaryAvailable } from './binaries.ts';

/** How a target's config is checked here: by its binary, inside its image, or by proxyproof's schemas only. */
export type Validator = { kind: 'binary' } | { kind: 'image'; image: string } | { kind: 'schema'; why: string };

/** The best validator this machine has for a target: its binary, else its image on a container engine. */
export async function validatorFor(target: string, imageOverride?: string, env: NodeJS.ProcessEnv = process.env): Promise<Validator> {
  const driver = getTarget(target);
  if (!driver) throw new Error(`internal: no target named ${target}`);
  if (await binaryAvailable(driver.process.binary)) return { kind: 'binary' };
  const { detectEngine, useEngine } = await import('./engine.ts');
  const { engine } = await detectEngine(env);
  if (!engine) return { kind: 'schema', why: `no ${driver.process.binary} binary and no container engine` };
  useEngine(engine);
  const { resolveImage } = await import('./containers.ts');
  const r = await resolveImage(target, imageOverride);
  return r.available ? { kind: 'image', image: r.image } : { kind: 'schema', why: `no ${driver.process.binary} binary and no ${driver.container.family} image` };
}

/** The validator in words, for validate's and doctor's output. */
export function describeValidator(target: string, v: Validator): string {
  const driver = getTarget(target);
  const label = driver?.checkLabel ?? target;
  if (v.kind === 'binary') return `${label} (${driver?.process.binary ?? target} on PATH)`;
  if (v.kind === 'image') return `${label} inside ${v.image}`;
  return driver?.schemaCheck ? `${driver.schemaCheck}, by proxyproof (${v.why})` : `none (${v.why})`;
}
