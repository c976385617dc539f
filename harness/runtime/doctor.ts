// proxyproof doctor: what this machine can run, and the fix for what it cannot.
// Process runtime: the proxy binaries. Container runtime: the engine (DOCKER_HOST
// or the usual sockets) and, per target, the image a run would use.

import { binaryAvailable } from './binaries.ts';
import { DEFAULT_IMAGES, detectEngine, IMAGE_FAMILY, resolveImage } from './container-runtime.ts';
import { ENGINE_FIX } from './container-run.ts';
import { getTarget, targetNames } from '../targets/targets.ts';

const IMAGE_FIX: Record<string, string> = {
  nginx: 'bash scripts/build-images.sh (builds proxyproof/nginx:bookworm from Debian packages), or load nginx:1.27',
  haproxy: 'bash scripts/build-images.sh (builds proxyproof/haproxy:bookworm from Debian packages), or load haproxy:2.8',
  kong: `load ${DEFAULT_IMAGES.kong} where a registry is reachable (docker pull ${DEFAULT_IMAGES.kong}; docker save | podman load here), or name yours with --image / targets.kong.image`,
  envoy: `load ${DEFAULT_IMAGES.envoy} where a registry is reachable (docker pull ${DEFAULT_IMAGES.envoy}; docker save | podman load here), or name yours with --image / targets.envoy.image`,
};

export async function doctor(env: NodeJS.ProcessEnv = process.env): Promise<{ ok: boolean; text: string }> {
  const out: string[] = [];
  out.push('process runtime (--runtime process):');
  for (const name of targetNames) {
    const d = getTarget(name)!;
    const found = await binaryAvailable(d.binary);
    out.push(`  ${name.padEnd(8)} ${found ? `found: ${d.binary}` : `missing: ${d.binary} (fix: ${d.installHint})`}`);
  }
  out.push('container runtime (--runtime container):');
  const { engine, tried } = await detectEngine(env);
  if (!engine) {
    out.push('  engine   missing: no Docker-compatible API answers');
    for (const t of tried) out.push(`           tried ${t}`);
    out.push(`           fix: ${ENGINE_FIX}`);
    return { ok: false, text: `${out.join('\n')}\n` };
  }
  out.push(`  engine   found: ${engine.name} at ${engine.socket} (${engine.source})`);
  out.push(`  ryuk     ${env.TESTCONTAINERS_RYUK_DISABLED === 'true' || /podman/i.test(engine.name) ? 'off (TESTCONTAINERS_RYUK_DISABLED or Podman): proxyproof reaps its containers by label' : 'on where testcontainers can start it, and proxyproof reaps by label too'}`);
  for (const name of targetNames) {
    const r = await resolveImage(engine, name);
    if (r.available) out.push(`  ${name.padEnd(8)} image found: ${r.image}`);
    else out.push(`  ${name.padEnd(8)} image ${IMAGE_FAMILY[name] ?? r.image} not available (looked for ${r.tried.join(', ')}); its checks are skipped. fix: ${IMAGE_FIX[name] ?? `load ${r.image}`}`);
  }
  return { ok: true, text: `${out.join('\n')}\n` };
}
