// Every page of the site, through the ALB stand-in in headless Chromium: a screenshot at phone
// (390 px) and desktop (1366 px) widths in light and dark mode (artifacts/screenshots/), no
// serious or critical axe-core violation, and no error from the Nu HTML Checker on the HTML
// the server sent (artifacts/html/).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  launch, newContext, trackDocuments, capture, pages, axeProblems, reflowProblems, validateHtml, resetArtifacts,
  uniqueName, PASSWORD, REPO, javaVersion, fakeClientIp, runAxe,
} from './lib.mjs';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

let browser;

async function open(browserCtx) {
  const page = await browserCtx.newPage();
  const docs = trackDocuments(page);
  return { page, docs };
}

async function visit(page, docs, name, path, expectStatus = 200) {
  await page.goto(path);
  assert.equal(docs.status(), expectStatus, `${name}: GET ${path} answered ${docs.status()}`);
  await capture(page, docs, name);
}

async function submit(page, formSelector) {
  await Promise.all([page.waitForNavigation(), page.locator(`${formSelector} [type="submit"]`).first().click()]);
}

async function register(page, username) {
  await page.goto('/account/register');
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="email"]').fill(`${username}@example.com`);
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.locator('input[name="password_confirm"]').fill(PASSWORD);
  await submit(page, 'form[action="/account/register"]');
}

describe('every page', () => {
  before(async () => {
    resetArtifacts();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
  });

  // Each page is its own test, so that one missing page does not hide the others.
  const visitorPages = [
    ['listing', '/'],
    ['coin', '/coins/bitcoin'],
    ['login', '/account/login'],
    ['login-next', '/account/login?next=/watchlist'],
    ['register', '/account/register'],
    ['logout-get', '/account/logout'],
    ['not-found', '/coins/no-such-coin-at-all', 404],
    ['not-found-login', '/account/no-such-page', 404],
    ['not-found-other', '/no/such/page', 404],
  ];
  for (const [name, path, status] of visitorPages) {
    test(`visitor: ${name} (${path})`, async () => {
      const context = await newContext(browser);
      const { page, docs } = await open(context);
      try {
        await visit(page, docs, name, path, status ?? 200);
      } finally {
        await context.close();
      }
    });
  }

  test('visitor: the register form sent empty marks every problem', async () => {
    const context = await newContext(browser);
    const { page, docs } = await open(context);
    try {
      await page.goto('/account/register');
      await submit(page, 'form[action="/account/register"]');
      assert.equal(docs.status(), 422);
      await capture(page, docs, 'register-errors');
    } finally {
      await context.close();
    }
  });

  test('visitor: a wrong password', async () => {
    const context = await newContext(browser);
    const { page, docs } = await open(context);
    try {
      await page.goto('/account/login');
      await page.locator('input[name="login"]').fill(uniqueName('nobody'));
      await page.locator('input[name="password"]').fill('wrong-password-1');
      await submit(page, 'form[action="/account/login"]');
      assert.ok(docs.status() >= 400 && docs.status() < 500, `failed login answered ${docs.status()}`);
      await capture(page, docs, 'login-failed');
    } finally {
      await context.close();
    }
  });

  test('visitor: a tampered CSRF token gets the styled 403', async () => {
    const context = await newContext(browser);
    const { page, docs } = await open(context);
    try {
      await page.goto('/account/login');
      await page.locator('input[name="csrf_token"]').evaluate((el) => { el.value = 'tampered'; });
      await page.locator('input[name="login"]').fill('someone');
      await page.locator('input[name="password"]').fill('some-password-1');
      await submit(page, 'form[action="/account/login"]');
      assert.equal(docs.status(), 403);
      await capture(page, docs, 'csrf-rejected');
    } finally {
      await context.close();
    }
  });

  test('visitor: too many failed logins get the styled 429', async () => {
    const context = await newContext(browser, { clientIp: fakeClientIp() });
    const { page, docs } = await open(context);
    try {
      const victim = uniqueName('thr');
      let status = 0;
      for (let i = 0; i < 12 && status !== 429; i += 1) {
        await page.goto('/account/login');
        await page.locator('input[name="login"]').fill(victim);
        await page.locator('input[name="password"]').fill(`wrong-password-${i}`);
        await submit(page, 'form[action="/account/login"]');
        status = docs.status();
      }
      assert.equal(status, 429, 'repeated failures end in 429');
      await capture(page, docs, 'too-many-attempts');
    } finally {
      await context.close();
    }
  });

  describe('signed in', () => {
    let context;
    let page;
    let docs;

    before(async () => {
      context = await newContext(browser);
      ({ page, docs } = await open(context));
      await register(page, uniqueName('pages'));
    });

    after(async () => {
      await context?.close();
    });

    test('signed in: after registering', async () => {
      await capture(page, docs, 'after-register');
    });
    for (const [name, path] of [
      ['listing-signed-in', '/'],
      ['watchlist-empty', '/watchlist'],
      ['coin-signed-in', '/coins/ethereum'],
    ]) {
      test(`signed in: ${name} (${path})`, async () => {
        await visit(page, docs, name, path);
      });
    }
    test('signed in: a watched coin', async () => {
      await page.goto('/coins/ethereum');
      await submit(page, 'form[action="/coins/ethereum/watch"]');
      assert.equal(docs.status(), 200);
      await capture(page, docs, 'coin-watched');
    });
    for (const [name, path] of [
      ['watchlist', '/watchlist'],
      ['account', '/account'],
    ]) {
      test(`signed in: ${name} (${path})`, async () => {
        await visit(page, docs, name, path);
      });
    }
  });

  test("the load balancer's own error pages", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      for (const code of ['502', '503', '504']) {
        const file = join(REPO, 'deploy', 'nginx', 'html', `${code}.html`);
        await page.goto(pathToFileURL(file).href);
        const docs = { html: async () => readFileSync(file, 'utf8'), status: () => Number(code) };
        await capture(page, docs, `alb-${code}`);
      }
    } finally {
      await context.close();
    }
  });

  // The checkers themselves: each must find a planted problem, or a pass would mean nothing.
  test('the checkers find planted problems', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      await page.setContent('<!DOCTYPE html><html><head><title>x</title></head><body><img src="data:,"><button></button></body></html>');
      const { violations } = await runAxe(page);
      const ids = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
      assert.ok(ids.includes('image-alt') && ids.includes('button-name'), `axe-core missed planted problems: ${ids}`);
    } finally {
      await context.close();
    }
    const dir = mkdtempSync(join(tmpdir(), 'vnu-'));
    const bad = join(dir, 'bad.html');
    writeFileSync(bad, '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><p><div>x</div></p><a href="x" href="y">y</a></body></html>');
    assert.ok(validateHtml([bad]).length > 0, 'the Nu HTML Checker found nothing wrong in a broken page');
  });

  test('axe-core: no serious or critical violation on any page', () => {
    assert.ok(pages.length > 0, 'no page was captured');
    assert.deepEqual(axeProblems, [], `axe-core found:\n${axeProblems.join('\n')}`);
  });

  test('no page scrolls sideways on a 390 px phone', () => {
    assert.ok(pages.length > 0, 'no page was captured');
    assert.deepEqual(reflowProblems, [], `pages wider than the phone:\n${reflowProblems.join('\n')}`);
  });

  test('Nu HTML Checker: no error on any page', () => {
    assert.ok(pages.length > 0, 'no page was captured');
    const errors = validateHtml(pages.map((p) => p.htmlFile));
    assert.deepEqual(errors, [], `the Nu HTML Checker (${javaVersion().split('\n')[0]}) found:\n${errors.join('\n')}`);
  });
});
