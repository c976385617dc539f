/// <reference lib="dom" />
// index.html in Chromium: renders without console errors and without any
// request, the failure filter works, the charts carry the known numbers of
// the example run, history shows what changed; screenshots for review.

import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OUT, SCREENSHOTS, watch } from './reports.ts';

const page_ = (name: string) => join(OUT, name, 'index.html');

/** Open a report page and collect console errors, page errors and every request. */
async function open(page: Page, file: string) {
  const { errors, requests } = watch(page);
  const url = pathToFileURL(file).href;
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  const wallMs = Date.now() - t0;
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return { domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd };
  });
  return { errors, requests: () => requests.filter((u) => u !== url), wallMs, nav };
}

test.describe('the example report (petstore, seed 1)', () => {
  test('renders with no console errors and no requests, small and fast', async ({ page }) => {
    const file = page_('example');
    const size = statSync(file).size;
    const o = await open(page, file);
    console.log(`example index.html: ${(size / 1024).toFixed(0)} KiB; load event ${o.nav.load.toFixed(0)} ms (DOMContentLoaded ${o.nav.domContentLoaded.toFixed(0)} ms, goto wall ${o.wallMs} ms)`);
    expect(size).toBeLessThan(2 * 1024 * 1024);
    expect(o.nav.load).toBeLessThan(5000);
    await expect(page.locator('h1')).toContainText('proxyproof report');
    await expect(page).toHaveTitle(/passed \(14 passed, 0 failed, 2 skipped, 0 not supported\)/);
    expect(o.errors).toEqual([]);
    expect(o.requests()).toEqual([]);
  });

  test('the verdict matrix tells the statuses apart', async ({ page }) => {
    await open(page, page_('example'));
    const matrix = page.locator('table.matrix');
    await expect(matrix.locator('thead th')).toHaveText(['Check', 'petstore / nginx', 'petstore / haproxy']);
    await expect(matrix.locator('td.st.passed')).toHaveCount(14);
    await expect(matrix.locator('td.st.skipped')).toHaveCount(2);
    await expect(matrix.locator('tr', { hasText: 'fault' }).locator('td').first()).toHaveText('○ skipped');
  });

  test('the canary chart shows the shares, intervals and expected weights', async ({ page }) => {
    await open(page, page_('example'));
    const chart = page.locator('article[data-check="canary"][data-target="nginx"] figure.chart-canary');
    await expect(chart).toHaveAttribute('data-requests', '1600');
    const v1 = chart.locator('g.band[data-version="v1"]');
    await expect(v1).toHaveAttribute('data-observed', '0.9');
    await expect(v1).toHaveAttribute('data-expected', '0.9');
    await expect(v1).toHaveAttribute('data-lo', '0.8612');
    await expect(v1).toHaveAttribute('data-hi', '0.9289');
    await expect(v1).toHaveAttribute('data-count', '1440');
    await expect(v1.locator('text').nth(1)).toHaveText('90.0%');
    const v2 = chart.locator('g.band[data-version="v2"]');
    await expect(v2).toHaveAttribute('data-observed', '0.1');
    await expect(v2.locator('text').nth(1)).toHaveText('10.0%');
    expect(await v2.locator('title').first().textContent()).toBe('v2: observed 10.0% (160 requests), interval 7.11%–13.88%, expected 10.0%');
    // inside its interval: not drawn as off
    await expect(chart.locator('g.band.off')).toHaveCount(0);
    // the dot sits at 90% of the axis: x(0%)=110, x(100%)=540
    expect(await v1.locator('circle.observed').getAttribute('cx')).toBe('497');
  });

  test('the rate-limit chart shows admitted and 429 against the limit', async ({ page }) => {
    await open(page, page_('example'));
    for (const target of ['nginx', 'haproxy']) {
      const chart = page.locator(`article[data-check="rateLimit"][data-target="${target}"] figure.chart-ratelimit`);
      await expect(chart).toHaveAttribute('data-admitted', '5');
      await expect(chart).toHaveAttribute('data-rejected', '7');
      await expect(chart).toHaveAttribute('data-limit', '5');
      await expect(chart).toHaveAttribute('data-window-ms', '1000');
      await expect(chart).toHaveAttribute('data-peak', '5');
      await expect(chart.locator('circle.mk-ok')).toHaveCount(5);
      await expect(chart.locator('circle.mk-429')).toHaveCount(7);
      await expect(chart.locator('text.limit-lbl')).toHaveText('limit 5');
    }
  });

  test('the retry chart shows the tries seen at the upstream per scenario', async ({ page }) => {
    await open(page, page_('example'));
    const chart = page.locator('article[data-check="retry"][data-target="haproxy"] figure.chart-retry');
    const groups = chart.locator('g.group');
    await expect(groups).toHaveCount(6);
    const seen = await groups.evaluateAll((gs) => gs.map((g) => `${g.getAttribute('data-expected')}/${g.getAttribute('data-seen')}`));
    expect(seen).toEqual(['3/3', '3/3', '3/3', '3/3', '1/1', '2/2']);
    await expect(chart.locator('g.group.off')).toHaveCount(0);
    await expect(groups.nth(4)).toHaveAttribute('data-category', '5. POST (not in methods) fails once with 502');
  });

  test('evidence: exchanges, proxy log lines of those requests, config and log, seed', async ({ page }) => {
    await open(page, page_('example'));
    const auth = page.locator('article[data-check="auth"][data-target="nginx"]');
    await expect(auth).toContainText('seed 1');
    await auth.locator('summary', { hasText: 'Evidence' }).click();
    await expect(auth.locator('h4', { hasText: 'Exchanges' })).toBeVisible();
    await expect(auth).not.toContainText('alice-key');
    await auth.locator('a', { hasText: 'proxy config and log' }).click();
    await expect(page.locator('#t0')).toBeInViewport();
    await expect(page.locator('section#load')).toHaveCount(0);
    await expect(page.locator('section#history')).toHaveCount(0);
  });

  test('screenshots for review: light and dark, laptop and phone', async ({ browser }) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      for (const [device, viewport] of [['laptop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]] as const) {
        const ctx = await browser.newContext({ colorScheme: scheme, viewport, deviceScaleFactor: 1 });
        const page = await ctx.newPage();
        const o = await open(page, page_('example'));
        await page.screenshot({ path: join(SCREENSHOTS, `example-${scheme}-${device}.png`), fullPage: device === 'laptop' });
        // nothing wider than the phone screen but the scrolling boxes
        if (device === 'phone') {
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect(overflow).toBeLessThanOrEqual(0);
        }
        expect(o.errors).toEqual([]);
        await ctx.close();
      }
    }
  });
});

test.describe('a report with failures, load data and a baseline', () => {
  test('the failure filter shows only failures, then everything not passed', async ({ page }) => {
    const o = await open(page, page_('failing'));
    const results = page.locator('article.result');
    await expect(results).toHaveCount(16);
    const visible = () => page.locator('article.result:visible');
    await expect(visible()).toHaveCount(16);
    await page.locator('label[for="f-failed"]').click();
    await expect(visible()).toHaveCount(3);
    expect(await visible().evaluateAll((as) => as.map((a) => `${a.getAttribute('data-check')}@${a.getAttribute('data-target')}`).sort())).toEqual(['canary@haproxy', 'rateLimit@haproxy', 'retry@nginx']);
    await expect(page.locator('table.matrix tr.row:visible')).toHaveCount(3);
    await page.locator('label[for="f-notpassed"]').click();
    await expect(visible()).toHaveCount(5);
    await expect(page.locator('table.matrix tr.row:visible')).toHaveCount(4);
    await page.locator('label[for="f-all"]').click();
    await expect(visible()).toHaveCount(16);
    // keyboard: the radios are reachable and work without a mouse
    await page.locator('#f-failed').focus();
    await page.keyboard.press('Space');
    await expect(visible()).toHaveCount(3);
    expect(o.errors).toEqual([]);
    expect(o.requests()).toEqual([]);
  });

  test('failed charts are marked: canary off its weight, retry 4 of 3, 7 admitted of 5', async ({ page }) => {
    await open(page, page_('failing'));
    const canary = page.locator('article[data-check="canary"][data-target="haproxy"] figure.chart-canary');
    await expect(canary.locator('g.band.off')).toHaveCount(2);
    await expect(canary.locator('g.band[data-version="v2"]')).toHaveAttribute('data-observed', '0.22');
    const retry = page.locator('article[data-check="retry"][data-target="nginx"] figure.chart-retry');
    await expect(retry.locator('g.group.off')).toHaveCount(1);
    await expect(retry.locator('g.group.off')).toHaveAttribute('data-seen', '4');
    const rl = page.locator('article[data-check="rateLimit"][data-target="haproxy"] figure.chart-ratelimit');
    await expect(rl).toHaveAttribute('data-admitted', '7');
    await expect(rl).toHaveAttribute('data-peak', '7');
    // failed evidence is open, with the curl line and the proxy's log lines for its requests (whole ids only)
    const article = page.locator('article[data-check="retry"][data-target="nginx"]');
    await expect(article.locator('pre.curl')).toBeVisible();
    const excerpt = await article.locator('pre.log-excerpt').textContent();
    expect(excerpt!.split('\n')).toHaveLength(4);
    expect(excerpt).not.toContain('retry-310');
  });

  test('history against the baseline: newly failing, fixed, load moves', async ({ page }) => {
    await open(page, page_('failing'));
    const counts = page.locator('#history .history-counts');
    await expect(counts).toHaveAttribute('data-newly-failing', '3');
    await expect(counts).toHaveAttribute('data-fixed', '0');
    await expect(counts).toHaveAttribute('data-unchanged', '12');
    await expect(page.locator('#history tr[data-change="newlyFailing"]')).toHaveCount(3);
    await expect(page.locator('#history tr[data-change="changed"]')).toContainText('not supported');
    const moves = page.locator('#history table.load-moves tbody tr');
    await expect(moves.filter({ hasText: 'p99 latency (proxied)' })).toContainText('+100.0%');
    await expect(moves.filter({ hasText: 'p50 latency' })).toHaveCount(0);
  });

  test('load charts: percentiles and histogram direct vs proxied, rate and status over time', async ({ page }) => {
    await open(page, page_('failing'));
    const load = page.locator('section#load');
    await expect(load.locator('figure.chart-latency')).toHaveCount(1);
    const p99 = load.locator('figure.chart-latency g.group[data-category="p99"] rect');
    expect(await p99.evaluateAll((rs) => rs.map((r) => `${r.getAttribute('data-series')}=${r.getAttribute('data-value')}`))).toEqual(['direct=1.1', 'proxied=4.8']);
    await expect(load.locator('figure.chart-histogram g.group')).not.toHaveCount(0);
    await expect(load.locator('figure.chart-rate polyline[data-series="5xx"]')).toHaveAttribute('data-total', '10');
    await expect(load.locator('figure.chart-p99')).toHaveCount(1);
    await expect(load).toContainText('Policies under load');
    await expect(load.locator('figure.chart-rl-load polyline[data-series="admitted"]')).toHaveAttribute('data-total', '14');
    await expect(load.locator('figure.chart-rl-load polyline[data-series="limit"]')).toHaveAttribute('data-total', '15');
  });

  test('screenshots for review: failing report, light and dark', async ({ browser }) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      const ctx = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      const o = await open(page, page_('failing'));
      await page.locator('label[for="f-failed"]').click();
      await page.screenshot({ path: join(SCREENSHOTS, `failing-filtered-${scheme}.png`), fullPage: true });
      await page.locator('label[for="f-all"]').click();
      await page.locator('section#load').screenshot({ path: join(SCREENSHOTS, `load-${scheme}.png`) });
      expect(o.errors).toEqual([]);
      await ctx.close();
    }
  });
});
