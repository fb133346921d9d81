// Live prices through the ALB stand-in (or any CLUSTER_URL whose market refreshes every few
// seconds: the local cluster's mock CoinGecko moves prices on each call; a `site` started with
// MARKET_REFRESH_SECS=2 has demo prices that move with time). The listing opens one event
// stream, a price cell changes after a new snapshot without a reload, screen readers are told
// once, and without JavaScript the page opens no stream at all.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, BASE_URL } from './lib.mjs';

const WAIT_MS = 15_000;

describe('live prices', () => {
  let browser;

  before(async () => {
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
  });

  test('the listing follows the market without a reload', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const streams = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/prices/live') streams.push(request.url());
    });
    const problems = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    const opened = page.waitForResponse((res) => new URL(res.url()).pathname === '/prices/live', { timeout: WAIT_MS });
    await page.goto('/');
    const response = await opened;
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'], /^text\/event-stream/);

    const cells = page.locator('[data-live-price]');
    const count = await cells.count();
    assert.ok(count > 0, 'the listing marks its prices');
    const before = await cells.allTextContents();
    const navigations = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });

    await page.waitForFunction(
      (old) => [...document.querySelectorAll('[data-live-price]')].some((el, i) => el.textContent !== old[i]),
      before,
      { timeout: WAIT_MS, polling: 250 },
    );
    assert.deepEqual(navigations, [], 'no reload');
    assert.equal(streams.length, 1, `one stream per tab: ${streams.join(', ')}`);
    const ids = new URL(streams[0]).searchParams.get('ids').split(',');
    assert.equal(ids.length, Math.min(count, 100));

    const announcer = page.locator('[data-live-announcer]');
    assert.equal(await announcer.getAttribute('aria-live'), 'polite');
    await page.waitForFunction(() => /^Prices updated at \d{2}:\d{2} UTC\.$/.test(document.querySelector('[data-live-announcer]').textContent), null, { timeout: 2_000 });
    assert.deepEqual(problems, [], 'no console errors (CSP included)');
    await context.close();
  });

  test('a coin page follows its price, and a hidden tab holds no stream', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const listing = await (await fetch(`${BASE_URL}/`)).text();
    const id = listing.match(/data-live-price="([a-z0-9._-]+)"/)[1];
    await page.goto(`/coins/${id}`);
    const price = page.locator('.coin-price[data-live-price]');
    const before = await price.textContent();
    await page.waitForFunction((old) => document.querySelector('.coin-price').textContent !== old, before, { timeout: WAIT_MS, polling: 250 });
    assert.match(await page.locator('.as-of time[data-live-updated]').evaluate((el) => el.parentElement.textContent), /^Prices as of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(.+\)\.$/);
    assert.equal(await page.locator('[data-live-change]').count(), 3);
    // Hidden: the stream closes; visible again: a new one opens (the script opens one only
    // when it holds none).
    const reopened = page.waitForRequest((req) => new URL(req.url()).pathname === '/prices/live', { timeout: 5_000 });
    await page.evaluate(() => {
      let hidden = true;
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
      document.dispatchEvent(new Event('visibilitychange'));
      hidden = false;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await reopened;
    await context.close();
  });

  test('without JavaScript nothing is streamed', async () => {
    const context = await browser.newContext({ baseURL: BASE_URL, javaScriptEnabled: false });
    const page = await context.newPage();
    const streams = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/prices/live') streams.push(request.url());
    });
    await page.goto('/');
    assert.ok((await page.locator('[data-live-price]').count()) > 0);
    await page.waitForTimeout(500);
    assert.deepEqual(streams, []);
    await context.close();
  });
});
