#!/usr/bin/env node
// The CLI's entry. An installed package runs the compiled JavaScript in dist/
// (the tarball ships no TypeScript sources); a checkout of the repository runs
// the sources through tsx (a devDependency), so tests and `make test` never
// depend on a build being current.
import { existsSync } from 'node:fs';

const source = new URL('../harness/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
