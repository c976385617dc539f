// Writing a rendered config's files into the proxy's private workdir: the
// same for a process and for a container (which bind-mounts the workdir).

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../model/errors.ts';
import type { RenderedConfig } from '../model/target.ts';

export function writeConfigFiles(config: RenderedConfig, workdir: string): void {
  // Private: the files hold API keys and JWT secrets. (Rendered nginx configs run
  // their workers as root, and user configs get `user root` when proxyproof is root:
  // workers that ran as nobody could not enter a 0700 folder.)
  mkdirSync(workdir, { recursive: true, mode: 0o700 });
  chmodSync(workdir, 0o700);
  for (const [rel, content] of Object.entries(config.files)) {
    const file = path.resolve(workdir, rel);
    if (!file.startsWith(path.resolve(workdir) + path.sep)) throw new InputError(rel, undefined, `file escapes the workdir ${workdir}`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content, { mode: 0o600 });
  }
}
