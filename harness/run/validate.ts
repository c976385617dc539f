// `proxyproof validate` and `proxyproof render`: the static side of a run,
// nothing started and nothing written.

import { InputError } from '../model/errors.ts';
import { getTarget } from '../targets/registry.ts';
import { configFor, loadAll, sampleInput } from './inputs.ts';

export async function validateSuites(files: string[]): Promise<string[]> {
  const loaded = await loadAll(files);
  const lines: string[] = [];
  for (const l of loaded) {
    // Placeholders and file reads are checked here too: a user config with an unknown placeholder fails validate.
    for (const t of l.suite.targets) configFor(t, sampleInput(l, '/tmp/proxyproof-validate'));
    const policies = Object.keys(l.suite.policies).join(', ') || 'none';
    lines.push(`${l.suite.file}: ok (${l.spec.operations.length} operations, targets ${l.suite.targets.map((t) => t.name).join(', ')}, policies ${policies})`);
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
