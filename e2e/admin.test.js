// People and devices (/admin), end to end: the real server binary with its
// demo users, the release build and Debian's Chromium. An administrator adds
// a user in the page and reads the password shown once; the user signs in on
// another tablet and works; disabled in the page, their next sync is refused
// and their tablet shows the sign-in page. A revoked device loses its data at
// its next sync, and its sign-in page says an administrator signed it out.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  WORKED_EXAMPLE,
  createComplaint,
  inContext,
  launchBrowser,
  openApp,
  openSignedIn,
  synced,
  withServer,
} from './lib.js';

async function syncNow(page) {
  await page.getByTestId('sync-now').and(page.locator(':not([aria-busy=true])')).waitFor();
  await page.getByTestId('sync-now').click();
}

/** Opens the admin page from the top bar and waits for the users table. */
async function openAdmin(page) {
  await page.getByTestId('admin-link').click();
  await page.getByTestId('admin-users').waitFor();
}

function userRow(page, username) {
  return page.locator(`[data-testid=admin-user][data-username="${username}"]`);
}

/** The customer names of the complaints in the tablet's IndexedDB ([] when the database is gone). */
function complaintsOnDevice(page) {
  return page.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (!names.includes('complaint-desk')) return [];
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('complaint-desk');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    try {
      if (!db.objectStoreNames.contains('complaints')) return [];
      return await new Promise((resolve, reject) => {
        const tx = db.transaction('complaints', 'readonly');
        const req = tx.objectStore('complaints').getAll();
        tx.oncomplete = () => resolve(req.result.map((t) => JSON.parse(t).customer_name));
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  });
}

describe('people and devices', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('an admin adds a user who signs in and works; disabled, their next sync is refused', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'admin-add-user', async (admin) => {
        await openSignedIn(admin, server, 'admin');
        await openAdmin(admin);
        const form = admin.getByTestId('add-user');
        // A refused value is said next to the form, and what was typed stays.
        await form.locator('input[name=username]').fill('sun li');
        await form.locator('input[name=display_name]').fill('孙丽');
        await form.locator('select[name=place]').selectOption('BJ01');
        await admin.getByTestId('add-user-submit').click();
        await admin.getByTestId('add-user-error').getByText('用户名须为').waitFor();
        assert.equal(await form.locator('input[name=display_name]').inputValue(), '孙丽');

        await form.locator('input[name=username]').fill('sun.li');
        await admin.getByTestId('add-user-submit').click();
        const box = admin.getByTestId('password-once');
        await box.getByText('只显示这一次').waitFor();
        const password = (await admin.getByTestId('new-password').innerText()).trim();
        assert.equal(password.length, 16);
        await userRow(admin, 'sun.li').waitFor();

        await inContext(browser, 'admin-new-user', async (tablet) => {
          await openApp(tablet, server.url);
          await tablet.locator('input[name=username]').fill('sun.li');
          await tablet.locator('input[name=password]').fill(password);
          await tablet.locator('button[type=submit]:not([data-lang])').click();
          await tablet.getByTestId('user-menu').waitFor();
          await synced(tablet);
          await createComplaint(tablet, server.url, WORKED_EXAMPLE);
          await synced(tablet);
          assert.deepEqual(await complaintsOnDevice(tablet), ['李先生']);
          // Staff see no admin link.
          assert.equal(await tablet.getByTestId('admin-link').count(), 0);

          // Disabled in the page: the next sync is refused, the sign-in page shows.
          await userRow(admin, 'sun.li').getByTestId('user-toggle').click();
          await userRow(admin, 'sun.li').getByTestId('user-status').getByText('已停用').waitFor();
          await syncNow(tablet);
          await tablet.locator('.signin-notice[data-notice=ended]').waitFor({ timeout: 20_000 });
        });
      });
    });
  });

  test('a revoked device loses its data at its next sync and says why', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'admin-revoke', async (admin) => {
        await inContext(browser, 'admin-revoked-tablet', async (tablet) => {
          await openSignedIn(tablet, server, 'zhang.wei');
          await synced(tablet);
          await createComplaint(tablet, server.url, WORKED_EXAMPLE);
          await synced(tablet);
          assert.deepEqual(await complaintsOnDevice(tablet), ['李先生']);

          await openSignedIn(admin, server, 'admin');
          await openAdmin(admin);
          const row = userRow(admin, 'zhang.wei');
          await row.getByTestId('admin-device').first().waitFor();
          // Last contact is shown for the device that synced.
          await row.getByTestId('admin-device').first().getByText('最近联系').waitFor();
          admin.once('dialog', (d) => d.accept());
          await row.getByTestId('device-revoke').first().click();
          await row.getByTestId('device-revoked-state').first().waitFor();

          await syncNow(tablet);
          await tablet
            .getByTestId('device-revoked')
            .getByText('管理员已将本设备退出登录')
            .waitFor({ timeout: 20_000 });
          assert.deepEqual(await complaintsOnDevice(tablet), []);
          assert.equal(await tablet.getByTestId('user-menu').count(), 0);
        });
      });
    });
  });
});
