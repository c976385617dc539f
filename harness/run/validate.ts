// `proxyproof validate` and `proxyproof render`: the static side of a run,
// nothing started and nothing written but temp files. validate is the whole
// static check: the suite, the spec and what the suite says of it, every
// target's config rendered or read (placeholders, render-time rules), and the
// proxy's own config check (nginx -t, haproxy -c) where its binary is here.

import { InputError } from '../model/errors.ts';
import type { TargetSpec } from '../model/suite.ts';
import { binaryAvailable } from '../runtime/binaries.ts';
import { freePort } from '../runtime/ports.ts';
import { checkConfig } from '../runtime/process-runtime.ts';
import { writeConfigFiles } from '../runtime/workdir-files.ts';
import { createWorkdir } from '../runtime/workdirs.ts';
import { getTarget } from '../targets/registry.ts';
import { configFor, driverOf, loadAll, sampleInput, type Loaded } from './inputs.ts';

/** The target's config, rendered or read, and checked by the proxy itself when it is installed: what ran. */
async function checkTarget(l: Loaded, t: TargetSpec): Promise<string> {
  const driver = driverOf(t);
  await using wd = await createWorkdir(`validate-${t.name}`);
  // Placeholders and file reads are checked here too: a user config with an unknown placeholder fails validate.
  // A free port: the checker may bind the listen address to test it.
  const config = configFor(t, { ...sampleInput(l, wd.path), listen: { host: '127.0.0.1', port: await freePort() } });
  const checker = `${config.checkCommand.bin} ${config.checkCommand.args[0] ?? ''}`.trim();
  if (!(await binaryAvailable(config.checkCommand.bin))) return `${t.name} (${t.config ? 'read' : 'rendered'}; ${checker} not run: ${driver.process.binary} is not installed here)`;
  writeConfigFiles(config, wd.path);
  checkConfig(config, wd.path);
  return `${t.name} (${checker}: ok)`;
}

export async function validateSuites(files: string[]): Promise<string[]> {
  const loaded = await loadAll(files);
  const lines: string[] = [];
  for (const l of loaded) {
    const targets: string[] = [];
    for (const t of l.suite.targets) targets.push(await checkTarget(l, t));
    const policies = Object.keys(l.suite.policies).join(', ') || 'none';
    lines.push(`${l.suite.file}: ok (${l.spec.operations.length} operations, targets ${targets.join(', ')}, policies ${policies})`);
  }
  return lines;
}

export async function renderSuite(file: string, target: string): Promise<string> {
  const [l] = await loadAll([file]);
  const t = l.suite.targets.find((x) => x.name === target) ?? (getTarget(target) ? { name: target, render: true } : undefined);
  if (!t) throw new InputError(file, undefined, `unknown target ${target}`);
  const cfg = configFor(t, sampleInput(l, '/tmp/proxyproof-render'));
  const header = `# ${t.config ? 'user config' : 'rendered'} for ${t.name}; sample addresses: listen 127.0.0.1:8080, upstreams from 127.0.0.1:9001\n`;
  const extra = Object.keys(cfg.files).filter((f) => f !== cfg.mainFile);
  const rest = extra.map((f) => `\n# --- ${f}\n${cfg.files[f]}`).join('');
  return header + cfg.files[cfg.mainFile] + rest;
}
