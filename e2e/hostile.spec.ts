/// <reference lib="dom" />
// A hostile report: every outside string carries payloads that would set
// window.__pwned or fetch from a port we listen on if they ever became markup.
// Proof that nothing ran: no hit on the listener, no request but the page
// itself, window.__pwned unset; and the payloads show as text. Checked twice:
// with the page's CSP, and with the CSP stripped (the escaping alone holds).

import { expect, test, type Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeReports } from '../harness/report/write-reports.ts';
import { hostileReport, OUT, SCREENSHOTS, watch } from './reports.ts';

let server: Server;
let port: number;
const hits: string[] = [];
const dir = join(OUT, 'hostile');

test.beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.end('pwned');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  await writeReports(hostileReport(port), dir, ['alice-key-5f2c8e', 'bob-key-91ad07', 'wrong-key']);
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  const stripped = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\n/, '');
  expect(stripped).not.toBe(html);
  await writeFile(join(dir, 'index-nocsp.html'), stripped);
});

test.afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

async function visit(page: Page, file: string) {
  const { errors, requests } = watch(page);
  const url = pathToFileURL(file).href;
  await page.goto(url, { waitUntil: 'load' });
  // open everything, follow every in-page link, give late loads a moment
  await page.locator('details').evaluateAll((ds) => ds.forEach((d) => ((d as HTMLDetailsElement).open = true)));
  for (const label of ['f-failed', 'f-notpassed', 'f-all']) await page.locator(`label[for="${label}"]`).click();
  await page.waitForTimeout(700);
  return { errors, requests: requests.filter((u) => u !== url && !u.startsWith(`${url}#`)) };
}

for (const variant of ['index.html', 'index-nocsp.html']) {
  test(`the hostile report executes nothing and shows the payloads as text (${variant})`, async ({ page }) => {
    const o = await visit(page, join(dir, variant));
    expect(hits).toEqual([]);
    expect(o.requests).toEqual([]);
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    if (variant === 'index.html') expect(o.errors).toEqual([]);

    // no active element came from the report
    await expect(page.locator('script')).toHaveCount(1);
    await expect(page.locator('script[type="application/json"]')).toHaveCount(1);
    await expect(page.locator('img, iframe, object, embed, link, base, form, meta[http-equiv="refresh"]')).toHaveCount(0);
    await expect(page.locator('a[href^="javascript" i], [onerror], [onload], [onclick]')).toHaveCount(0);
    await expect(page.locator('style')).toHaveCount(1);
    const svgElements = await page.locator('svg *').evaluateAll((els) => [...new Set(els.map((e) => e.tagName))].sort());
    expect(svgElements.length, 'the hostile report draws charts').toBeGreaterThan(0);
    expect(svgElements.filter((t) => !['circle', 'g', 'line', 'path', 'polyline', 'rect', 'text', 'title'].includes(t))).toEqual([]);

    // the payloads are there, as text
    const text = await page.locator('body').innerText();
    expect(text).toContain(`</script><script>window.__pwned=1;fetch('http://127.0.0.1:${port}/script')</script>`);
    expect(text).toContain(`<img src=x onerror="window.__pwned=2;fetch('http://127.0.0.1:${port}/img')">`);
    expect(text).toContain(`<a href="javascript:window.__pwned=4;fetch('http://127.0.0.1:${port}/js-url')">click</a>`);
    expect(text).toContain('</style><style>@import url(');
    for (const where of ['message of retry', 'warning', 'response-body', 'header-value', 'spec description', 'proxy log', 'config', 'curl', 'import note', 'threshold']) {
      expect(text, where).toContain(`${where} </script><script>window.__pwned=1`);
    }
    const textContent = await page.locator('body').evaluate((b) => b.textContent ?? '');
    expect(textContent).toContain('\u2028\u2029</script><!--<script>window.__pwned=5</script>-->');
    // chart labels carry payloads as text too
    expect(await page.locator('figure.chart-canary g.band').first().getAttribute('data-version')).toContain('<img src=x onerror=');

    // the embedded JSON is inert and equals report.json
    const embedded = await page.locator('#proxyproof-report').textContent();
    expect(JSON.parse(embedded!)).toEqual(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')));
    if (variant === 'index.html') await page.screenshot({ path: join(SCREENSHOTS, 'hostile.png') });
  });
}
