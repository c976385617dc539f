// `proxyproof validate` and `proxyproof render`: the static side of a run,
// nothing started and nothing written but temp files. validate is the whole
// static check: the suite, the spec and what the suite says of it, every
// target's config rendered or read (placeholders, render-time rules), and the
// proxy's own config check (nginx -t, haproxy -c) where its binary is here.
// It then shows what a run would check: the routes, the expectations and
// what importing `policies.from` expressed, defaulted or left unchecked; under
// --strict a field left unchecked is an input error (suite/strict.ts).

import { InputError } from '../model/errors.ts';
import type { Suite, TargetSpec } from '../model/suite.ts';
import { freePort } from '../runtime/ports.ts';
import { validatorFor } from '../runtime/validators.ts';
import { checkConfig, configCheckError } from '../runtime/process-runtime.ts';
import type { RenderedConfig } from '../model/target.ts';
import { shellQuote } from '../util/shell.ts';
import { writeConfigFiles } from '../runtime/workdir-files.ts';
import { createWorkdir } from '../runtime/workdirs.ts';
import { getTarget } from '../targets/registry.ts';
import { loadSuite } from '../suite/load-suite.ts';
import { notCheckedDetail } from '../suite/strict.ts';
import { printable } from '../util/printable.ts';
import { suiteDetails } from './show-import.ts';
import { configFor, driverOf, loadAll, sampleInput, selectedTargets, type Loaded } from './inputs.ts';

/** The proxy's own check inside its image; its complaint becomes an InputError as a local check's would. */
async function checkInImage(config: RenderedConfig, workdir: string, image: string): Promise<void> {
  const { runToCompletion, LABEL_RUN } = await import('../runtime/containers.ts');
  const script = [config.checkCommand.bin, ...config.checkCommand.args].map(shellQuote).join(' ');
  const r = await runToCompletion(image, `${script} 2>&1`, [workdir], { [LABEL_RUN]: `validate-${process.pid}` });
  if (r.code !== 0) throw configCheckError(config, workdir, r.log, `${config.checkCommand.bin} (in ${image})`);
}

/** The target's config, rendered or read, and checked by the proxy itself where it (or its image) is here: what ran. */
async function checkTarget(l: Loaded, t: TargetSpec): Promise<string> {
  await using wd = await createWorkdir(`validate-${t.name}`);
  // A free port: the checker may bind the listen address to test it.
  const input = { ...sampleInput(l, wd.path), listen: { host: '127.0.0.1', port: await freePort() }, statusPort: await freePort() };
  // Placeholders, render-time rules and proxyproof's own schemas (Kong's declarative format, Envoy's protos) run here.
  const config = configFor(t, input);
  const how = t.config ? 'read' : 'rendered';
  const driver = driverOf(t);
  const checker = driver.checkLabel;
  const schema = driver.schemaCheck ? `; valid against ${driver.schemaCheck}` : '';
  const v = await validatorFor(t.name, t.image);
  if (v.kind === 'schema') return `${t.name} (${how}${schema}; ${checker} not run: ${v.why})`;
  writeConfigFiles(config, wd.path);
  if (v.kind === 'binary') checkConfig(config, wd.path);
  else await checkInImage(config, wd.path, v.image);
  return `${t.name} (${checker}${v.kind === 'image' ? ` in ${v.image}` : ''}: ok)`;
}

export interface ValidateOptions {
  /** --strict: an imported field proxyproof cannot check is an input error. */
  strict?: boolean;
}

/** Under --strict, the suite's first 'unexpressed' import note as an InputError (exit 2), before anything is checked or written. */
export function requireFullyChecked(suite: Suite): void {
  const detail = notCheckedDetail(suite.imported?.notes ?? [], '--strict');
  if (detail) throw new InputError(suite.file, 'policies.from', detail);
}

/** `run --strict`: every suite's import is read (and only that) before the run starts anything. */
export async function requireFullyCheckedFiles(files: string[]): Promise<void> {
  for (const f of files) requireFullyChecked(await loadSuite(f));
}

/**
 * Per suite: the `ok` line (operations, targets with the config check that
 * ran, policies), then the routes, the expectations and what the import said
 * (show-import.ts).
 */
export async function validateSuites(files: string[], only?: string[], options: ValidateOptions = {}): Promise<string[]> {
  const loaded = await loadAll(files);
  if (options.strict) for (const l of loaded) requireFullyChecked(l.suite);
  const lines: string[] = [];
  for (const l of loaded) {
    const targets: string[] = [];
    for (const t of selectedTargets(l.suite, only)) targets.push(await checkTarget(l, t));
    const policies = Object.keys(l.suite.policies).join(', ') || 'none';
    lines.push(`${printable(l.suite.file)}: ok (${l.spec.operations.length} operations, targets ${targets.join(', ')}, policies ${policies})`);
    lines.push(...suiteDetails(l.suite));
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
