// Browser tests of index.html in Debian's Chromium (never a downloaded
// browser): `npx playwright test`. The pages are rendered by e2e/global-setup.ts.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  outputDir: 'reports/e2e/test-results',
  workers: 2,
  fullyParallel: false,
  timeout: 60_000,
  reporter: [['list']],
  use: {
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
