// The listing and the watchlist on a phone (320, 390 and 430 px wide, 844 px tall), and the
// desktop table, measured in headless Chromium through the ALB stand-in: the page never
// scrolls sideways, the first coin's row (with its price and 24h change) is on the first
// screen, every target in the page is at least 24×24 px (WCAG 2.2), the banners take one line
// and the market figures one strip, the sort headings work by keyboard and say their state,
// and the column headings stay in view while a long table scrolls on desktop.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, newContext, uniqueName, PASSWORD, SCREENSHOTS, resetArtifacts } from './lib.mjs';

const PHONES = [320, 390, 430];
const PHONE_HEIGHT = 844;
const MIN_TARGET = 24;

let browser;

async function phonePage(width) {
  const context = await newContext(browser, { width });
  const page = await context.newPage();
  await page.setViewportSize({ width, height: PHONE_HEIGHT });
  return { context, page };
}

// What a visitor sees of the page now shown, in CSS px.
function measure(page) {
  return page.evaluate((minTarget) => {
    const box = (el) => (el ? el.getBoundingClientRect().toJSON() : null);
    const firstRow = document.querySelector('.coin-table tbody tr');
    const cell = (selector) => box(firstRow?.querySelector(selector) ?? null);
    // Links in a sentence are exempt from the target size (WCAG 2.5.8 "inline").
    const inSentence = (el) => getComputedStyle(el).display === 'inline' && el.parentElement?.closest('p') !== null;
    const targets = [...document.querySelectorAll('main a, main button, main [role="button"], main th button, main input[type="submit"]')]
      .filter((el) => el.getClientRects().length > 0 && !el.closest('.visually-hidden') && !inSentence(el))
      .map((el) => {
        const r = el.getBoundingClientRect();
        return { what: `${el.tagName.toLowerCase()} “${(el.textContent || '').trim().slice(0, 30)}”`, width: r.width, height: r.height };
      });
    const small = targets.filter((t) => t.width < minTarget - 0.01 || t.height < minTarget - 0.01);
    const smallest = targets.reduce((m, t) => (Math.min(t.width, t.height) < Math.min(m.width, m.height) ? t : m), { width: Infinity, height: Infinity });
    const banners = [...document.querySelectorAll('.banner')].map((el) => {
      const s = getComputedStyle(el);
      const inner = el.getBoundingClientRect().height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
      return { text: el.textContent.trim(), lines: Math.round(inner / parseFloat(s.lineHeight)) };
    });
    const statTops = [...document.querySelectorAll('.stats .stat')].map((el) => Math.round(el.getBoundingClientRect().top));
    // Logos on the first screen: ours (same origin), loaded, and inside their cell.
    const logos = [...document.querySelectorAll('.coin-table img.coin-logo')]
      .filter((img) => img.getBoundingClientRect().top < window.innerHeight)
      .map((img) => {
        const r = img.getBoundingClientRect();
        const c = img.closest('th, td').getBoundingClientRect();
        return {
          src: img.currentSrc || img.src,
          loaded: img.complete && img.naturalWidth > 0,
          inCell: r.left >= c.left - 0.5 && r.right <= c.right + 0.5 && r.width >= 20,
        };
      });
    return {
      logos,
      innerWidth: window.innerWidth,
      scrollWidth: document.scrollingElement.scrollWidth,
      firstRow: box(firstRow),
      price: cell('.price'),
      change24h: cell('.change-24h'),
      remove: cell('.remove button'),
      small,
      smallest,
      banners,
      statRows: new Set(statTops).size,
    };
  }, MIN_TARGET);
}

function report(t, label, m) {
  const smallest = Number.isFinite(m.smallest.width) ? `${m.smallest.what} ${m.smallest.width.toFixed(1)}×${m.smallest.height.toFixed(1)}` : 'none';
  t.diagnostic(`${label}: scrollWidth ${m.scrollWidth} in ${m.innerWidth}; first row bottom ${m.firstRow ? m.firstRow.bottom.toFixed(1) : '—'}; smallest target ${smallest}`);
}

function assertHorizontallyVisible(rect, innerWidth, what) {
  assert.ok(rect, `${what} is missing`);
  assert.ok(rect.left >= 0 && rect.right <= innerWidth + 0.5, `${what} spans ${rect.left.toFixed(1)}–${rect.right.toFixed(1)} px, outside the ${innerWidth} px viewport`);
}

function assertTargets(m, label) {
  assert.deepEqual(m.small.map((t) => `${t.what} ${t.width.toFixed(1)}×${t.height.toFixed(1)}`), [], `${label}: targets under ${MIN_TARGET}×${MIN_TARGET} px`);
}

describe('the listing and the watchlist on a phone', () => {
  before(async () => {
    resetArtifacts();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    browser = undefined;
  });

  for (const width of PHONES) {
    test(`listing at ${width}×${PHONE_HEIGHT}: first coin on the first screen, nothing sideways, 24 px targets`, async (t) => {
      const { context, page } = await phonePage(width);
      try {
        await page.goto('/');
        // Lazy logos on the first screen load once laid out.
        await page.waitForFunction(() => [...document.querySelectorAll('.coin-table img.coin-logo')]
          .filter((img) => img.getBoundingClientRect().top < window.innerHeight)
          .every((img) => img.complete), null, { timeout: 10_000 });
        await page.screenshot({ path: join(SCREENSHOTS, `phone-listing-${width}.png`) });
        const m = await measure(page);
        report(t, `listing ${width}`, m);
        assert.ok(m.scrollWidth <= m.innerWidth, `the page scrolls sideways: ${m.scrollWidth} px wide in ${m.innerWidth} px`);
        assert.ok(m.firstRow, 'the listing shows no coin');
        assert.ok(m.firstRow.bottom <= PHONE_HEIGHT, `the first row ends at ${m.firstRow.bottom.toFixed(1)} px, below the first screen (${PHONE_HEIGHT} px)`);
        assertHorizontallyVisible(m.price, m.innerWidth, 'the first row’s price');
        assertHorizontallyVisible(m.change24h, m.innerWidth, 'the first row’s 24h change');
        assertTargets(m, `listing ${width}`);
        // The local cluster's stand-in CoinGecko has an image for every coin: real logos, not
        // monograms, served from our own origin.
        assert.ok(m.logos.length > 0, 'no coin logo on the first screen');
        for (const logo of m.logos) {
          assert.equal(new URL(logo.src).origin, new URL(page.url()).origin, `a logo from another origin: ${logo.src}`);
          assert.ok(logo.loaded, `a logo did not load: ${logo.src}`);
          assert.ok(logo.inCell, `a logo spills out of its cell: ${logo.src}`);
        }
        for (const b of m.banners) assert.equal(b.lines, 1, `the banner “${b.text}” takes ${b.lines} lines`);
        assert.ok(m.statRows <= 1, `the market figures take ${m.statRows} rows, not one strip`);
      } finally {
        await context.close();
      }
    });
  }

  test('watchlist on a phone: Remove is reachable without scrolling sideways', async (t) => {
    const context = await newContext(browser, { width: 390 });
    const page = await context.newPage();
    try {
      const username = uniqueName('phone');
      await page.goto('/account/register');
      await page.locator('input[name="username"]').fill(username);
      await page.locator('input[name="email"]').fill(`${username}@example.com`);
      await page.locator('input[name="password"]').fill(PASSWORD);
      await page.locator('input[name="password_confirm"]').fill(PASSWORD);
      await Promise.all([page.waitForNavigation(), page.locator('form[action="/account/register"] [type="submit"]').click()]);
      await page.goto('/coins/bitcoin');
      await Promise.all([page.waitForNavigation(), page.locator('form[action="/coins/bitcoin/watch"] [type="submit"]').click()]);
      await page.goto('/watchlist');
      for (const width of PHONES) {
        await page.setViewportSize({ width, height: PHONE_HEIGHT });
        await page.screenshot({ path: join(SCREENSHOTS, `phone-watchlist-${width}.png`) });
        const m = await measure(page);
        report(t, `watchlist ${width}`, m);
        assert.ok(m.scrollWidth <= m.innerWidth, `the watchlist scrolls sideways at ${width} px: ${m.scrollWidth} px wide`);
        assertHorizontallyVisible(m.remove, m.innerWidth, `Remove at ${width} px`);
        assertHorizontallyVisible(m.price, m.innerWidth, `the price at ${width} px`);
        assertTargets(m, `watchlist ${width}`);
      }
    } finally {
      await context.close();
    }
  });

  test('sort headings work by keyboard and announce the sort', async () => {
    const { context, page } = await phonePage(390);
    try {
      await page.goto('/');
      const price = page.locator('.coin-table thead th a', { hasText: 'Price' });
      await price.focus();
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      const sorted = await page.locator('.coin-table thead th[aria-sort]').allTextContents();
      assert.equal(sorted.length, 1, 'exactly one heading says it sorts the table');
      assert.match(sorted[0], /Price/);
      const state = await page.locator('.coin-table thead th[aria-sort]').getAttribute('aria-sort');
      assert.ok(['ascending', 'descending'].includes(state), `aria-sort is ${state}`);
    } finally {
      await context.close();
    }
  });
});

describe('the coin table on a desktop', () => {
  before(async () => {
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    browser = undefined;
  });

  test('the column headings stay in view while the table scrolls, and the last row has no stray border', async () => {
    // A short window, so that even the local cluster's short coin list (the mock has a dozen
    // coins) can be scrolled well into the table.
    const context = await newContext(browser, { width: 1366, height: 360 });
    const page = await context.newPage();
    try {
      await page.goto('/');
      const { top, height } = await page.locator('.coin-table').evaluate((el) => {
        const r = el.getBoundingClientRect();
        return { top: r.top + window.scrollY, height: r.height };
      });
      const into = Math.min(600, height / 2);
      assert.ok(into >= 150, `the table is too short (${height.toFixed(0)} px) to test its headings`);
      await page.evaluate((y) => window.scrollTo(0, y), top + into);
      const scrolled = await page.evaluate(() => window.scrollY);
      assert.ok(scrolled >= top + into - 1, `the page scrolled to ${scrolled}, not ${top + into}`);
      const headingTop = await page.locator('.coin-table thead th').first().evaluate((el) => el.getBoundingClientRect().top);
      assert.ok(Math.abs(headingTop) <= 1, `the headings are at ${headingTop.toFixed(1)} px after scrolling ${into.toFixed(0)} px into the table, not at the top`);
      const lastNameBorder = await page.locator('.coin-table tbody tr:last-child th').evaluate((el) => getComputedStyle(el).borderBottomWidth);
      assert.equal(lastNameBorder, '0px', 'the last row’s name cell has a bottom border inside the table’s frame');
    } finally {
      await context.close();
    }
  });

  test('the Register pill keeps its side padding; pages say what they are and carry a theme colour and touch icon', async () => {
    const context = await newContext(browser, { width: 1366 });
    const page = await context.newPage();
    try {
      await page.goto('/');
      const padding = await page.locator('.site-nav a.button-small').evaluate((el) => parseFloat(getComputedStyle(el).paddingLeft));
      assert.ok(padding >= 8, `the Register pill has ${padding} px of side padding`);
      const description = await page.locator('meta[name="description"]').getAttribute('content');
      assert.ok(description && description.length > 20, 'the listing has a meta description');
      assert.equal(await page.locator('meta[name="theme-color"]').count(), 2, 'a theme colour for light and for dark');
      const icon = await page.locator('link[rel="apple-touch-icon"]').getAttribute('href');
      const res = await page.request.get(icon);
      assert.equal(res.status(), 200, `GET ${icon}`);
      assert.equal(res.headers()['content-type'], 'image/png');
      await page.goto('/coins/bitcoin');
      const coin = await page.locator('meta[name="description"]').getAttribute('content');
      assert.match(coin, /Bitcoin/);
      assert.match(coin, /\$[0-9]/);
    } finally {
      await context.close();
    }
  });
});
