// Placeholders in user-written proxy configs: {{listen}}, {{listen.port}},
// {{upstream.NAME.VERSION}}, {{upstream.NAME.VERSION.N}}, {{workdir}}.
// A placeholder half written ({{listen, listen}}) or in a third brace
// ({{{listen}}}) would be left in the config as text, or eat a brace of it:
// both are InputErrors naming the line, as is a config that never listens
// where proxyproof sends its requests.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../model/errors.ts';
import type { RenderInput } from '../../model/target.ts';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
/** A placeholder's name with only its closing braces: `listen}}`, `{upstream.api.v1 }}`. */
const HALF_CLOSED = /\b(?:listen|workdir|upstream)(?:\.[\w.-]*)?\s*\}\}/;

/** Braces around placeholders that are not whole ones, on line `n` (1-based); an InputError when there are. */
function checkBraces(line: string, file: string, n: number): void {
  const fail = (detail: string) => {
    throw new InputError(file, `line ${n}`, detail);
  };
  const triple = (text: string) => fail(`a third brace around ${text} is ambiguous; write {{name}} and put a space between it and any brace of the config`);
  const three = /\{\{\{[^{}]*\}*/.exec(line);
  if (three) triple(three[0]);
  for (const m of line.matchAll(PLACEHOLDER)) {
    if (line[m.index - 1] === '{' || line[m.index + m[0].length] === '}') triple(m[0]);
  }
  const rest = line.replace(PLACEHOLDER, ' ');
  const open = /\{\{\s*[^\s{};"]*/.exec(rest);
  if (open) fail(`unbalanced placeholder: ${open[0]} has no closing }}`);
  const half = HALF_CLOSED.exec(rest);
  if (half) fail(`unbalanced placeholder: ${half[0]} has no opening {{`);
}

/** Every placeholder a config may use for this input, name -> value. */
export function placeholderValues(input: RenderInput): Record<string, string> {
  const values: Record<string, string> = {
    listen: `${input.listen.host}:${input.listen.port}`,
    'listen.host': input.listen.host,
    'listen.port': String(input.listen.port),
    workdir: input.workdir,
  };
  for (const [name, versions] of Object.entries(input.upstreams)) {
    for (const [version, replicas] of Object.entries(versions)) {
      replicas.forEach((ep, i) => {
        const hostPort = `${ep.host}:${ep.port}`;
        if (i === 0) values[`upstream.${name}.${version}`] = hostPort;
        values[`upstream.${name}.${version}.${i}`] = hostPort;
      });
    }
  }
  return values;
}

/**
 * Replace every {{name}}; an unknown name, a half placeholder or a third brace
 * is an InputError naming the file and line. With `requireListen`, a config
 * that never uses {{listen}} or {{listen.port}} is one too (checked last, so a
 * misspelt listen placeholder is reported as such).
 */
export function applyPlaceholders(text: string, values: Record<string, string>, file: string, opts: { requireListen?: boolean } = {}): string {
  const used = new Set<string>();
  const out = text
    .split('\n')
    .map((line, i) => {
      checkBraces(line, file, i + 1);
      return line.replace(PLACEHOLDER, (whole: string, name: string) => {
        const value = values[name];
        if (value === undefined) {
          const known = Object.keys(values).map((k) => `{{${k}}}`).join(', ');
          throw new InputError(file, `line ${i + 1}`, `unknown placeholder ${whole}; known: ${known}`);
        }
        used.add(name);
        return value;
      });
    })
    .join('\n');
  if (opts.requireListen && !used.has('listen') && !used.has('listen.port')) {
    throw new InputError(file, undefined, 'the proxy must listen on {{listen}} (or {{listen.port}}): proxyproof sends its requests there, and this config uses neither');
  }
  return out;
}

/**
 * Read the user's own config and fill in its placeholders; errors name the
 * file (and line). `requireListen`: false only where proxyproof writes the
 * listen address itself (Kong's kong.conf).
 */
export function readUserConfig(input: RenderInput, configFile: string, what: string, requireListen = true): { content: string; mainFile: string } {
  if (!existsSync(configFile)) throw new InputError(configFile, undefined, `${what} config file not found`);
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (err) {
    throw new InputError(configFile, undefined, `cannot read the ${what} config: ${(err as Error).message}`);
  }
  return { content: applyPlaceholders(text, placeholderValues(input), configFile, { requireListen }), mainFile: path.basename(configFile) };
}
