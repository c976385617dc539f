import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts', 'suites/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Proxies and mocks bind OS-given ports, so files may run in parallel;
    // two workers match the two cores of the CI machines.
    maxWorkers: 2,
    // Test folders of killed workers (configs, keys, logs) are removed before the run.
    globalSetup: ['harness/testing/test-dirs.ts'],
  },
});
