// Every page state in the page gallery (`/_gallery`, the local `site` binary only) checked the
// way real pages are: axe-core finds no serious or critical violation at phone and desktop
// widths in light and dark mode, and the Nu HTML Checker finds no error. The gallery holds the
// states the live site rarely shows (every error page, forms full of errors, empty and huge
// tables, tiny prices, long names), so this covers what the journeys cannot reach.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { launch, runAxe, validateHtml, startSite, ARTIFACTS, WIDTHS, SCHEMES } from './lib.mjs';

const GALLERY_HTML = join(ARTIFACTS, 'gallery-html');

describe('the page gallery', () => {
  let site;
  let base;
  let browser;
  const samples = [];

  before(async () => {
    site = await startSite();
    base = site.base;
    const index = await (await fetch(`${base}/_gallery`)).text();
    for (const match of index.matchAll(/src="\/_gallery\/([a-z0-9-]+)"/g)) samples.push(match[1]);
    rmSync(GALLERY_HTML, { recursive: true, force: true });
    mkdirSync(GALLERY_HTML, { recursive: true });
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    site?.stop();
  });

  test('lists every page state', () => {
    assert.ok(samples.length >= 40, `only ${samples.length} samples in the gallery`);
  });

  test('no serious or critical axe violation in any state, phone and desktop, light and dark', async () => {
    const problems = [];
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    for (const id of samples) {
      const res = await page.goto(`${base}/_gallery/${id}`);
      assert.equal(res.status(), 200, `${id} answered ${res.status()}`);
      writeFileSync(join(GALLERY_HTML, `${id}.html`), await res.text());
      for (const scheme of SCHEMES) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          const results = await runAxe(page);
          for (const v of results.violations) {
            if (v.impact === 'serious' || v.impact === 'critical') {
              const targets = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
              problems.push(`${id} (${width}px, ${scheme}): [${v.impact}] ${v.id}: ${v.help} — ${targets}`);
            }
          }
        }
      }
    }
    await context.close();
    assert.deepEqual(problems, [], `axe found problems:\n${problems.join('\n')}`);
  });

  test('every state passes the Nu HTML Checker', async () => {
    const index = await (await fetch(`${base}/_gallery`)).text();
    writeFileSync(join(GALLERY_HTML, 'index.html'), index);
    const files = [join(GALLERY_HTML, 'index.html'), ...samples.map((id) => join(GALLERY_HTML, `${id}.html`))];
    const missing = files.filter((f) => !existsSync(f));
    assert.deepEqual(missing, [], 'the axe test did not save every state');
    const errors = validateHtml(files);
    assert.deepEqual(errors, [], `the Nu HTML Checker found errors:\n${errors.join('\n')}`);
  });
});
