// The journey in headless Chromium through the ALB stand-in, by clicking and typing as a person
// would, and the login form by keyboard only.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newContext, uniqueName, PASSWORD, signedInHeader, BASE_URL } from './lib.mjs';

let browser;

async function registerByForm(page, username) {
  await page.goto('/account/register');
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="email"]').fill(`${username}@example.com`);
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.locator('input[name="password_confirm"]').fill(PASSWORD);
  await Promise.all([page.waitForNavigation(), page.locator('form[action="/account/register"] [type="submit"]').click()]);
}

// Presses Tab until the focused element matches `selector`; fails after `max` presses.
async function tabTo(page, selector, max = 60) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return i + 1;
  }
  const at = await page.evaluate(() => document.activeElement?.outerHTML?.slice(0, 200));
  throw new Error(`Tab never reached ${selector} (focus is on ${at})`);
}

describe('the journey in a browser', () => {
  let keyboardUser;

  before(async () => {
    browser = await launch();
    // A user for the keyboard test, set up through the register form.
    keyboardUser = uniqueName('kbd');
    const context = await newContext(browser);
    const page = await context.newPage();
    await registerByForm(page, keyboardUser);
    await context.close();
  });

  after(async () => {
    await browser?.close();
  });

  test('register, watch a coin, see it on the watchlist, log out: clicking and typing', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    try {
      await page.goto('/');
      assert.match(await signedInHeader(page), /Log in/);

      await page.getByRole('link', { name: 'Register' }).click();
      await page.waitForURL('**/account/register**');
      const user = uniqueName('web');
      for (const [name, value] of [
        ['username', user],
        ['email', `${user}@example.com`],
        ['password', PASSWORD],
        ['password_confirm', PASSWORD],
      ]) {
        const field = page.locator(`form[action="/account/register"] input[name="${name}"]`);
        await field.click();
        await field.pressSequentially(value, { delay: 5 });
      }
      await Promise.all([page.waitForNavigation(), page.locator('form[action="/account/register"] [type="submit"]').click()]);
      assert.ok((await signedInHeader(page)).includes(user), 'the header names the new user');
      assert.ok(await page.getByRole('button', { name: 'Log out' }).isVisible());

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Coins' }).click();
      await page.waitForURL(`${BASE_URL}/`);
      await page.locator('main a[href="/coins/bitcoin"]').first().click();
      await page.waitForURL('**/coins/bitcoin');
      assert.ok((await signedInHeader(page)).includes(user), 'product pages know who is signed in');
      await Promise.all([page.waitForNavigation(), page.locator('form[action="/coins/bitcoin/watch"] [type="submit"]').click()]);
      await page.locator('form[action="/coins/bitcoin/unwatch"]').waitFor();

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Watchlist' }).click();
      await page.waitForURL('**/watchlist');
      assert.ok(await page.locator('main a[href="/coins/bitcoin"]').first().isVisible(), 'Bitcoin is on the watchlist');

      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Log out' }).click()]);
      const header = await signedInHeader(page);
      assert.match(header, /Log in/);
      assert.ok(!header.includes(user), 'anonymous again');
      assert.deepEqual(errors, [], 'no script errors');
    } finally {
      await context.close();
    }
  });

  test('the login form by keyboard only', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      await page.goto('/');
      // The first Tab reaches the skip link.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Skip to content');
      // To the header's "Log in" link, and Enter follows it.
      await tabTo(page, 'header a[href^="/account/login"]');
      await Promise.all([page.waitForURL('**/account/login**'), page.keyboard.press('Enter')]);

      await tabTo(page, 'input[name="login"]');
      await page.keyboard.type(keyboardUser);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'password', 'Tab moves from login to password');
      await page.keyboard.type(PASSWORD);
      await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/account/login')), page.keyboard.press('Enter')]);
      assert.ok((await signedInHeader(page)).includes(keyboardUser), 'signed in by keyboard');

      // And out again, by keyboard.
      await tabTo(page, 'header form[action="/account/logout"] button');
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      await page.waitForFunction(() => document.querySelector('header')?.textContent?.includes('Log in'));
    } finally {
      await context.close();
    }
  });

  test('a wrong password by keyboard shows the error and keeps the form usable', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      await page.goto('/account/login');
      await tabTo(page, 'input[name="login"]');
      await page.keyboard.type(keyboardUser);
      await page.keyboard.press('Tab');
      await page.keyboard.type('not-the-password-1');
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      assert.ok(await page.getByRole('alert').first().isVisible(), 'the error is announced');
      assert.match(await signedInHeader(page), /Log in/);
    } finally {
      await context.close();
    }
  });
});
