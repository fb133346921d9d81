// Shared by the browser tests: launching the Debian Chromium, visiting pages while keeping the
// HTML the server sent, screenshots, axe-core and the Nu HTML Checker.

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomInt } from 'node:crypto';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

// axe-core in the page. Evaluated through the DevTools protocol, which the page's
// Content-Security-Policy (script-src 'self') does not apply to, so no CSP is loosened.
export async function runAxe(page) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), AXE_TAGS);
}
export const REPO = resolve(here, '..', '..');
export const BASE_URL = (process.env.CLUSTER_URL || 'http://127.0.0.1:18080').replace(/\/$/, '');
export const ARTIFACTS = resolve(process.env.ARTIFACTS_DIR || join(REPO, 'artifacts'));
export const SCREENSHOTS = join(ARTIFACTS, 'screenshots');
export const HTML_DIR = join(ARTIFACTS, 'html');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const PASSWORD = 'Quartz-harbor-tulip-19';
export const WIDTHS = [390, 1366];
export const SCHEMES = ['light', 'dark'];

export function uniqueName(prefix) {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

// A client address from 198.18.0.0/15 (set aside for tests). nginx appends the real peer, a
// trusted proxy, so the services take this as the client's address: it keeps each test's
// per-address login throttling apart.
export function fakeClientIp() {
  return `198.${randomInt(18, 20)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

export async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

export async function newContext(browser, { width = 1366, height = 900, scheme = 'light', clientIp = fakeClientIp() } = {}) {
  const context = await browser.newContext({
    baseURL: BASE_URL,
    viewport: { width, height },
    colorScheme: scheme,
    extraHTTPHeaders: { 'X-Forwarded-For': clientIp },
    javaScriptEnabled: true,
  });
  context.setDefaultTimeout(15_000);
  return context;
}

// Follows the main frame's document responses, so that the HTML the server sent for the page
// now shown (after redirects, after a form post) can be checked as sent.
export function trackDocuments(page) {
  const state = { last: null };
  page.on('response', (res) => {
    if (res.request().isNavigationRequest() && res.frame() === page.mainFrame()) {
      const type = res.headers()['content-type'] || '';
      if (res.status() < 300 || res.status() >= 400) {
        if (type.startsWith('text/html')) state.last = res;
      }
    }
  });
  return {
    async html() {
      if (!state.last) throw new Error('no HTML document has loaded');
      return state.last.text();
    },
    status() {
      return state.last ? state.last.status() : 0;
    },
  };
}

export async function signedInHeader(page) {
  return (await page.locator('header.site-header').innerText()).replace(/\s+/g, ' ');
}

// --- what is checked on every page ---------------------------------------------------------

export const pages = []; // {name, url, status, htmlFile}
export const axeProblems = []; // strings
export const reflowProblems = []; // strings: pages wider than a phone

function safeName(name) {
  return name.replace(/[^a-z0-9-]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
}

export function resetArtifacts() {
  mkdirSync(SCREENSHOTS, { recursive: true });
  rmSync(HTML_DIR, { recursive: true, force: true });
  mkdirSync(HTML_DIR, { recursive: true });
}

// Records the page now shown under `name`: its HTML as the server sent it (for the Nu HTML
// Checker), screenshots at both widths in both colour schemes, and axe-core's findings.
// The page is re-rendered at each width and scheme by resizing and emulating the media
// feature, so state reached by clicking (a form with errors) is kept.
export async function capture(page, docs, name) {
  const file = join(HTML_DIR, `${safeName(name)}.html`);
  const html = await docs.html();
  writeFileSync(file, html);
  pages.push({ name, url: page.url(), status: docs.status(), htmlFile: file });
  const original = page.viewportSize();
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(SCREENSHOTS, `${safeName(name)}-${width}-${scheme}.png`), fullPage: true });
      if (width === WIDTHS[0] && scheme === SCHEMES[0]) {
        // WCAG 1.4.10 Reflow: on a phone the page itself never scrolls sideways (a wide table
        // may scroll inside its own box). Name the widest elements that stick out.
        const reflow = await page.evaluate(() => {
          const vw = document.documentElement.clientWidth;
          const sw = document.documentElement.scrollWidth;
          if (sw <= vw) return null;
          const wide = [...document.querySelectorAll('body *')]
            .map((el) => ({ el, right: el.getBoundingClientRect().right }))
            .filter((x) => x.right > vw + 1)
            .slice(0, 3)
            .map(({ el, right }) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).trim().replace(/\s+/g, '.')}` : ''} (right edge ${Math.round(right)}px)`);
          return `${sw}px wide in a ${vw}px viewport: ${wide.join(', ')}`;
        });
        if (reflow) reflowProblems.push(`${name}: ${reflow}`);
      }
    }
    // axe at both widths in this scheme: layout and contrast differ.
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      const results = await runAxe(page);
      for (const v of results.violations) {
        if (v.impact === 'serious' || v.impact === 'critical') {
          const targets = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
          axeProblems.push(`${name} (${width}px, ${scheme}): [${v.impact}] ${v.id}: ${v.help} — ${targets}`);
        }
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  if (original) await page.setViewportSize(original);
}

// Runs the Nu HTML Checker once over every file; returns its error messages.
export function validateHtml(files) {
  if (files.length === 0) return [];
  const jar = join(here, 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
  const java = process.env.JAVA || 'java';
  const result = spawnSync(java, ['-Xss4m', '-jar', jar, '--errors-only', '--format', 'json', '--exit-zero-always', ...files], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`cannot run ${java}: ${result.error.message}`);
  const out = (result.stderr || '').trim() || (result.stdout || '').trim();
  let parsed;
  try {
    parsed = JSON.parse(out || '{"messages":[]}');
  } catch {
    throw new Error(`the Nu HTML Checker did not answer JSON (exit ${result.status}):\n${out.slice(0, 2000)}`);
  }
  return parsed.messages
    .filter((m) => m.type === 'error' || m.subType === 'fatal')
    .map((m) => `${m.url ? m.url.replace(/^file:/, '') : ''}:${m.lastLine ?? '?'}: ${m.message}${m.extract ? ` «${m.extract.trim().slice(0, 120)}»` : ''}`);
}

export function javaVersion() {
  try {
    return execFileSync(process.env.JAVA || 'java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    return String(err.stderr || err.message);
  }
}

export function readText(file) {
  return readFileSync(file, 'utf8');
}

// The local `site` binary (SITE_BIN, else target/release/site, else target/debug/site): both
// services in one process on a free port with the demo feed, and the page gallery.
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
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
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

// Starts `site` with a data directory of its own; `stop()` ends it and removes the directory.
export async function startSite() {
  const dataDir = mkdtempSync(join(tmpdir(), 'site-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(siteBinary(), [], {
    env: { PATH: process.env.PATH, BIND: `127.0.0.1:${port}`, DATA_DIR: dataDir, RUST_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitReady(base, child);
  return {
    base,
    stop() {
      child.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
