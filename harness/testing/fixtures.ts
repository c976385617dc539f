// Vitest fixtures (test.extend) shared by the tests: a temp folder that is
// removed after the test whatever its outcome, and proxies that are stopped
// after it. Use `it` from here instead of vitest's where a test needs them:
//
//   import { it } from '../testing/fixtures.ts';
//   it('renders', async ({ tmp, proxies }) => { ... });

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, test } from 'vitest';
import type { ProxyRuntime, StartedProxy, StartOptions } from '../model/runtime.ts';
import type { RenderedConfig } from '../model/target.ts';
import { makeTestDir } from './test-dirs.ts';

export interface Proxies {
  /** Start a proxy with the given runtime; it is stopped after the test, pass or fail. */
  start(runtime: ProxyRuntime, config: RenderedConfig, options: StartOptions): Promise<StartedProxy>;
}

export interface Fixtures {
  /** A fresh folder in the OS temp folder (proxyproof-test-<pid>-*), removed after the test (swept if its process is killed). */
  tmp: string;
  proxies: Proxies;
}

export const it = test.extend<Fixtures>({
  // eslint-disable-next-line no-empty-pattern
  tmp: async ({}, use) => {
    const dir = makeTestDir();
    try {
      await use(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  // eslint-disable-next-line no-empty-pattern
  proxies: async ({}, use) => {
    const started: StartedProxy[] = [];
    try {
      await use({
        async start(runtime, config, options) {
          const p = await runtime.start(config, options);
          started.push(p);
          return p;
        },
      });
    } finally {
      await Promise.allSettled(started.map((p) => p.stop()));
    }
  },
});

export interface TempFolder {
  /** The folder (set once the file's tests start). */
  readonly path: string;
  /** Write a file under the folder (making its parent folders); returns its path. */
  write(rel: string, text: string): Promise<string>;
}

/** A temp folder for one test file: made before its first test, removed after its last. */
export function tempFolder(prefix?: string): TempFolder {
  let dir = '';
  beforeAll(() => {
    dir = prefix ? mkdtempSync(join(tmpdir(), prefix)) : makeTestDir();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    get path() {
      return dir;
    },
    async write(rel, text) {
      const file = join(dir, rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    },
  };
}
