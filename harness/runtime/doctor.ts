// proxyproof doctor: what this machine can run, and the fix for what it cannot.
// Process runtime: the proxy binaries. Container runtime: the engine (DOCKER_HOST
// or the usual sockets) and, per target, the image a run would use.

import { binaryAvailable } from './binaries.ts';
import { resolveImage } from './containers.ts';
import { ENGINE_FIX } from './container-run.ts';
import { detectEngine, useEngine } from './engine.ts';
import { targets } from '../targets/registry.ts';
import { describeValidator, validatorFor } from './validators.ts';

export async function doctor(env: NodeJS.ProcessEnv = process.env): Promise<{ ok: boolean; text: string }> {
  const out: string[] = [];
  out.push('process runtime (--runtime process):');
  for (const t of targets) {
    const { binary, installHint } = t.process;
    out.push(`  ${t.name.padEnd(8)} ${(await binaryAvailable(binary)) ? `found: ${binary}` : `missing: ${binary} (fix: ${installHint})`}`);
  }
  out.push('container runtime (--runtime container):');
  const { engine, tried } = await detectEngine(env);
  if (!engine) {
    out.push('  engine   missing: no Docker-compatible API answers');
    for (const t of tried) out.push(`           tried ${t}`);
    out.push(`           fix: ${ENGINE_FIX}`);
    await validation(out, env);
    return { ok: false, text: `${out.join('\n')}\n` };
  }
  out.push(`  engine   found: ${engine.name} at ${engine.socket} (${engine.source})`);
  out.push(`  ryuk     ${env.TESTCONTAINERS_RYUK_DISABLED === 'true' || /podman/i.test(engine.name) ? 'off (TESTCONTAINERS_RYUK_DISABLED or Podman): proxyproof reaps its containers by label' : 'on where testcontainers can start it, and proxyproof reaps by label too'}`);
  useEngine(engine);
  for (const t of targets) {
    const r = await resolveImage(t.name);
    if (r.available) out.push(`  ${t.name.padEnd(8)} image found: ${r.image}`);
    else out.push(`  ${t.name.padEnd(8)} image ${t.container.family} not available (looked for ${r.tried.join(', ')}); its checks are skipped. fix: ${t.container.fix}`);
  }
  await validation(out, env);
  return { ok: true, text: `${out.join('\n')}\n` };
}

/** Which validator `proxyproof validate` would use for each target here. */
async function validation(out: string[], env: NodeJS.ProcessEnv): Promise<void> {
  out.push('config validation (proxyproof validate):');
  for (const t of targets) out.push(`  ${t.name.padEnd(8)} ${describeValidator(t.name, await validatorFor(t.name, undefined, env))}`);
}
