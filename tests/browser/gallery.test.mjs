// Every page state in the page gallery (`/_gallery`, the local `site` binary only) checked the
// way real pages are: axe-core finds no serious or critical violation at phone and desktop
// widths in light and dark mode, and the Nu HTML Checker finds no error. The gallery holds the
// states the live site rarely shows (every error page, forms full of errors, empty and huge
// tables, tiny prices, long names), so this covers what the journeys cannot reach.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, runAxe, validateHtml, REPO, ARTIFACTS, WIDTHS, SCHEMES } from './lib.mjs';

const GALLERY_HTML = join(ARTIFACTS, 'gallery-html');

function siteBinary() {
  if (process.env.SITE_BIN) return process.env.SITE_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(REPO, 'target');
  for (const profile of ['release', 'debug']) {
    const bin = join(target, profile, 'site');
    if (existsSync(bin)) return bin;
  }
  throw new Error(`no site binary under ${target}: run cargo build --release -p site`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitReady(base, child) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`site exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('site never became ready');
}

describe('the page gallery', () => {
  let site;
  let base;
  let browser;
  let dataDir;
  const samples = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gallery-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    site = spawn(siteBinary(), [], {
      env: { PATH: process.env.PATH, BIND: `127.0.0.1:${port}`, DATA_DIR: dataDir, RUST_LOG: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitReady(base, site);
    const index = await (await fetch(`${base}/_gallery`)).text();
    for (const match of index.matchAll(/src="\/_gallery\/([a-z0-9-]+)"/g)) samples.push(match[1]);
    rmSync(GALLERY_HTML, { recursive: true, force: true });
    mkdirSync(GALLERY_HTML, { recursive: true });
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    site?.kill('SIGTERM');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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
