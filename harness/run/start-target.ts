// One target as a local process in front of given upstream endpoints, for
// `proxyproof load` and `k6 --run`. Dispose it to stop the proxy and remove
// its workdir.

import type { StartedProxy } from '../model/runtime.ts';
import type { TargetSpec } from '../model/suite.ts';
import type { RenderInput } from '../model/target.ts';
import { requireBinary } from '../runtime/binaries.ts';
import { freePort } from '../runtime/ports.ts';
import { processRuntime } from '../runtime/process-runtime.ts';
import { createWorkdir } from '../runtime/workdirs.ts';
import { configFor, driverOf, type Loaded } from './inputs.ts';

export interface StartedTarget extends AsyncDisposable {
  proxy: StartedProxy;
  config: string;
  mode: 'config' | 'render';
}

export async function startTargetFor(l: Loaded, t: TargetSpec, upstreams: RenderInput['upstreams']): Promise<StartedTarget> {
  await requireBinary(t.name, driverOf(t).process);
  const wd = await createWorkdir(`load-${t.name}`);
  try {
    const listen = { host: '127.0.0.1', port: await freePort() };
    const statusPort = await freePort();
    const cfg = configFor(t, { suite: l.suite, spec: l.spec, listen, upstreams, workdir: wd.path, statusPort });
    const proxy = await processRuntime.start(cfg, { workdir: wd.path, listen, statusPort });
    const dispose = async () => {
      try {
        await proxy.stop();
      } finally {
        await wd[Symbol.asyncDispose]();
      }
    };
    return { proxy, config: cfg.files[cfg.mainFile], mode: t.config ? 'config' : 'render', [Symbol.asyncDispose]: dispose };
  } catch (err) {
    await wd[Symbol.asyncDispose]();
    throw err;
  }
}
