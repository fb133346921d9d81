// The coin page's price chart in headless Chromium, on the local `site` binary (the demo feed
// and the page gallery): at 320, 390, 768 and 1366 px, light and dark, no chart label is cut
// by the edge of the chart or the screen, and time labels never overlap, on every coin of the
// demo feed over every range and on the gallery's awkward prices (a tiny price, one near a
// dollar, a five-figure one). The readout follows the pointer and the keyboard with
// JavaScript; without it the points are a table behind the "Chart data" disclosure.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, startSite, SCREENSHOTS, SCHEMES } from './lib.mjs';

const CHART_WIDTHS = [320, 390, 768, 1366];
const RANGES = ['24h', '7d', '30d', '1y'];

// Every label's box against the chart's and the screen's, in CSS px.
function labelProblems(page) {
  return page.evaluate(() => {
    const svg = document.querySelector('svg.chart');
    if (!svg) return { drawn: false, problems: [] };
    const box = svg.getBoundingClientRect();
    const slack = 0.5;
    const problems = [];
    const labels = [...svg.querySelectorAll('text.chart-label')].map((el) => ({
      text: el.textContent.trim(),
      time: el.classList.contains('chart-time-label'),
      r: el.getBoundingClientRect(),
    }));
    for (const { text, r } of labels) {
      const outside = r.left < box.left - slack || r.right > box.right + slack || r.top < box.top - slack || r.bottom > box.bottom + slack;
      const offScreen = r.left < -slack || r.right > window.innerWidth + slack;
      if (outside || offScreen) {
        problems.push(`“${text}” at ${r.left.toFixed(1)}–${r.right.toFixed(1)} × ${r.top.toFixed(1)}–${r.bottom.toFixed(1)} outside the chart ${box.left.toFixed(1)}–${box.right.toFixed(1)} × ${box.top.toFixed(1)}–${box.bottom.toFixed(1)}`);
      }
    }
    const times = labels.filter((l) => l.time).sort((a, b) => a.r.left - b.r.left);
    for (let i = 1; i < times.length; i++) {
      if (times[i].r.left < times[i - 1].r.right) problems.push(`“${times[i - 1].text}” and “${times[i].text}” overlap`);
    }
    const prices = labels.filter((l) => !l.time).map((l) => l.text);
    if (new Set(prices).size !== prices.length) problems.push(`price labels repeat: ${prices.join(', ')}`);
    if (labels.filter((l) => l.time).length < 2) problems.push(`only ${times.length} time labels`);
    return { drawn: true, problems, labels: labels.length };
  });
}

describe('the price chart', () => {
  let site;
  let browser;

  before(async () => {
    site = await startSite();
    browser = await launch();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    site?.stop();
  });

  // Visits each URL once and measures it at every width and scheme; returns what was wrong.
  async function checkLabels(urls, screenshotPrefix) {
    const problems = [];
    let measured = 0;
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    for (const { url, name, mustDraw, shoot } of urls) {
      let drawn = false;
      // The demo fetches 30-day and 1-year charts in the background on a first visit.
      for (let attempt = 0; attempt < 40 && !drawn; attempt++) {
        const res = await page.goto(`${site.base}${url}`);
        assert.equal(res.status(), 200, `${url} answered ${res.status()}`);
        drawn = (await page.locator('svg.chart').count()) > 0;
        if (!drawn) await new Promise((r) => setTimeout(r, 1000));
      }
      if (!drawn) {
        if (mustDraw) problems.push(`${name}: no chart drawn`);
        continue;
      }
      for (const scheme of SCHEMES) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const width of CHART_WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          const m = await labelProblems(page);
          measured += 1;
          for (const p of m.problems) problems.push(`${name} at ${width} px, ${scheme}: ${p}`);
          if (shoot) {
            await page.locator('.chart-card').screenshot({ path: join(SCREENSHOTS, `${screenshotPrefix}-${name}-${width}-${scheme}.png`) });
          }
        }
      }
    }
    await context.close();
    return { problems, measured };
  }

  test('no label is cut, on every coin of the demo feed over every range', async (t) => {
    const listing = await (await fetch(`${site.base}/?per_page=100`)).text();
    const ids = [...new Set([...listing.matchAll(/href="\/coins\/([a-z0-9._-]+)"/g)].map((m) => m[1]))];
    assert.ok(ids.length >= 10, `only ${ids.length} coins on the listing`);
    const urls = ids.flatMap((id, i) => RANGES.map((range) => ({ url: `/coins/${id}?range=${range}`, name: `${id}-${range}`, mustDraw: true, shoot: i === 0 })));
    const { problems, measured } = await checkLabels(urls, 'chart');
    t.diagnostic(`${ids.length} coins × ${RANGES.length} ranges, ${measured} views measured`);
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  test('no label is cut on awkward prices (the gallery fixture) over every range', async (t) => {
    const index = await (await fetch(`${site.base}/_gallery`)).text();
    const ids = [...index.matchAll(/src="\/_gallery\/(product-chart-[a-z0-9-]+)"/g)].map((m) => m[1]);
    assert.equal(ids.length, 12, `the gallery has ${ids.length} awkward-price charts`);
    const urls = ids.map((id) => ({ url: `/_gallery/${id}`, name: id, mustDraw: true, shoot: true }));
    const { problems, measured } = await checkLabels(urls, 'chart-fixture');
    t.diagnostic(`${ids.length} charts, ${measured} views measured`);
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  test('the readout follows the pointer and the keyboard', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const listing = await (await fetch(`${site.base}/`)).text();
    const id = listing.match(/href="\/coins\/([a-z0-9._-]+)"/)[1];
    await page.goto(`${site.base}/coins/${id}?range=24h`);
    const readout = page.locator('.chart-readout');
    await readout.waitFor({ state: 'visible' });
    const rows = page.locator('.chart-data tbody tr');
    const first = `${(await rows.first().locator('td').last().textContent()).trim()} on ${(await rows.first().locator('td').first().textContent()).trim()} UTC`;
    const last = `${(await rows.last().locator('td').last().textContent()).trim()} on ${(await rows.last().locator('td').first().textContent()).trim()} UTC`;

    const svg = page.locator('svg.chart');
    const box = await svg.boundingBox();
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    assert.equal((await readout.textContent()).trim(), first, 'pointing at the left edge reads the first point');

    await svg.focus();
    await page.keyboard.press('End');
    assert.equal((await readout.textContent()).trim(), last, 'End reads the last point');
    await page.keyboard.press('Home');
    assert.equal((await readout.textContent()).trim(), first, 'Home reads the first point');
    await page.keyboard.press('ArrowRight');
    const second = (await readout.textContent()).trim();
    assert.notEqual(second, first, 'ArrowRight moves to the next point');
    assert.equal(await readout.getAttribute('aria-live'), 'polite');
    await context.close();
  });

  test('without JavaScript the points are a table behind a disclosure', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
    const page = await context.newPage();
    const listing = await (await fetch(`${site.base}/`)).text();
    const id = listing.match(/href="\/coins\/([a-z0-9._-]+)"/)[1];
    await page.goto(`${site.base}/coins/${id}`);
    assert.equal(await page.locator('.chart-readout').isVisible(), false, 'no readout without a script');
    const details = page.locator('details.chart-data');
    assert.equal(await details.locator('table').isVisible(), false, 'closed at first');
    await details.locator('summary').click();
    const rows = await details.locator('tbody tr').count();
    assert.ok(rows >= 24, `only ${rows} rows`);
    assert.match(await details.locator('thead').textContent(), /UTC/);
    await context.close();
  });
});
