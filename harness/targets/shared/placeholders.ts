// Placeholders in user-written proxy configs: {{listen}}, {{listen.port}},
// {{upstream.NAME.VERSION}}, {{upstream.NAME.VERSION.N}}, {{workdir}}.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../model/errors.ts';
import type { RenderInput } from '../../model/target.ts';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

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

/** Replace every {{name}}; an unknown name is an InputError naming the file and line. */
export function applyPlaceholders(text: string, values: Record<string, string>, file: string): string {
  const lines = text.split('\n');
  return lines
    .map((line, i) =>
      line.replace(PLACEHOLDER, (whole: string, name: string) => {
        const value = values[name];
        if (value === undefined) {
          const known = Object.keys(values).map((k) => `{{${k}}}`).join(', ');
          throw new InputError(file, `line ${i + 1}`, `unknown placeholder ${whole}; known: ${known}`);
        }
        return value;
      }),
    )
    .join('\n');
}

/** Read the user's own config and fill in its placeholders; errors name the file (and line). */
export function readUserConfig(input: RenderInput, configFile: string, what: string): { content: string; mainFile: string } {
  if (!existsSync(configFile)) throw new InputError(configFile, undefined, `${what} config file not found`);
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (err) {
    throw new InputError(configFile, undefined, `cannot read the ${what} config: ${(err as Error).message}`);
  }
  return { content: applyPlaceholders(text, placeholderValues(input), configFile), mainFile: path.basename(configFile) };
}
