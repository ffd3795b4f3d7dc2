// Faults on the tablet, end to end (the real server, the release build and
// Debian's Chromium): a device whose storage is full refuses the save in
// plain words and loses nothing typed; a damaged setting does not stop the
// app; one user's unsaved intake draft is not shown to the next user of a
// shared tablet; a token signed out offline is revoked once the network is
// back; a busy server at sign-in reads like a rate limit.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ARTIFACTS, eventually, fillForm, fillStorage, idb, inContext, launchBrowser, listedNames, openApp, openSignedIn, signIn, withServer } from './lib.js';

/** A setting as the app keeps it (JSON text), parsed; `undefined` when absent. */
async function setting(page, key) {
  const text = await idb(page, 'settings', 'get', key);
  return text === undefined ? undefined : JSON.parse(text);
}

/** Writes `text` as setting `key`, as it is: damaged, if it is not JSON. */
function putRawSetting(page, key, text) {
  return idb(page, 'settings', 'put', text, key);
}

/** The drafts kept on the device: key → the form's text. */
async function drafts(page) {
  const keys = await idb(page, 'drafts', 'getAllKeys');
  const values = await idb(page, 'drafts', 'getAll');
  return Object.fromEntries(keys.map((k, i) => [k, JSON.parse(values[i])]));
}

/** A request with `token`: its status and error code. */
async function call(server, token, path, init = {}) {
  const res = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const body = await res.json().catch(() => ({}));
  return { status: res.status, code: body.error?.code };
}


const FIRST_HALF = {
  维修站代码: 'BJ01',
  投诉顾客姓名: '满存先生',
  联系电话: '13800009999',
};

const SECOND_HALF = {
  投诉渠道: '电话投诉',
  投诉分类: '服务类',
  车辆故障或投诉内容: '存储已满时填写的投诉内容：一个字也不能丢。',
  顾客需求或倾向: '尽快回电',
};

const FULL_MESSAGE = '设备存储空间已满：投诉未能保存，已填写的内容仍保留在表单中。请删除设备上的其他数据后再保存。';

/** What every field of `fields` holds now (a select by its option's label). */
async function formValues(page, fields) {
  const out = {};
  for (const label of Object.keys(fields)) {
    const control = page.getByLabel(label, { exact: false }).first();
    out[label] = await control.evaluate((el) => (el.tagName === 'SELECT' ? el.selectedOptions[0]?.textContent ?? '' : el.value));
  }
  return out;
}

describe('faults on the tablet', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('storage full: the save is refused in plain words, nothing typed is lost, and it saves once there is room', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'faults-quota', async (page, context) => {
        await openSignedIn(page, server, 'zhang.wei');
        await page.goto(`${server.url}/new`);
        await page.getByTestId('intake-form').waitFor();
        await fillForm(page, FIRST_HALF);
        await page.getByText('草稿已自动保存在本机').waitFor();

        // The device fills up: no room for one more byte. Chromium's IndexedDB
        // keeps the room it last measured for ~30 s, so wait until it refuses.
        const release = await fillStorage(page, context, server.url);

        await fillForm(page, SECOND_HALF);
        await page.getByRole('button', { name: '保存', exact: true }).click();
        const notice = page.locator('.notice--error', { hasText: '设备存储空间已满' });
        await notice.waitFor({ timeout: 10_000 });
        assert.equal(await notice.innerText(), FULL_MESSAGE);
        await page.screenshot({ path: join(ARTIFACTS, 'quota-1024x768.png') });

        // Still on the form, every field as typed; the draft kept before the
        // device filled up is still there.
        assert.equal(new URL(page.url()).pathname, '/new');
        assert.deepEqual(await formValues(page, { ...FIRST_HALF, ...SECOND_HALF }), { ...FIRST_HALF, ...SECOND_HALF });
        const kept = await drafts(page);
        assert.equal(kept['intake:zhang.wei']?.customer_name, '满存先生', JSON.stringify(kept));
        const stored = await idb(page, 'complaints', 'count');
        assert.equal(stored, 0, 'nothing half-saved');

        // Room again: the same form saves.
        await release();
        await page.getByRole('button', { name: '保存', exact: true }).click();
        await page.waitForURL(`${server.url}/`);
        assert.deepEqual(await listedNames(page), ['满存先生']);
        await page.locator('.complaint-card', { hasText: '满存先生' }).click();
        assert.equal(await page.getByLabel('车辆故障或投诉内容').inputValue(), SECOND_HALF['车辆故障或投诉内容']);
        assert.deepEqual(Object.keys(await drafts(page)), [], 'the draft went with the save');
        // Persistent storage was asked for at sign-in, and the answer kept.
        assert.equal(typeof (await setting(page, 'storage_persisted')), 'boolean', 'the persist() answer is kept');
      });
    });
  });

  test('a damaged setting is skipped with a notice, once; the app starts', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'faults-setting', async (page) => {
        await openSignedIn(page, server, 'zhang.wei');
        // One of the engine's, one of the app's; neither written again by the
        // running app before the reload (the clock is, on every sync and tick).
        await putRawSetting(page, 'adopted_unsynced', '{"last": 12');
        await putRawSetting(page, 'intake_defaults', 'not JSON at all');
        await page.reload();
        const notice = page.getByTestId('settings-reset');
        await notice.waitFor({ timeout: 10_000 });
        assert.equal(await notice.innerText(), '本机有 2 项设置已损坏无法读取，已恢复为默认值');
        await page.getByTestId('user-menu').waitFor();
        // Once: the next start has nothing to say.
        await page.reload();
        await page.getByTestId('user-menu').waitFor();
        assert.equal(await page.getByTestId('settings-reset').count(), 0);
      });
    });
  });

  test("one user's unsaved intake draft is not shown to the next user of the tablet; it waits for its own user", async () => {
    await withServer(
      async (server) => {
        await inContext(browser, 'faults-draft-owner', async (page) => {
          await openSignedIn(page, server, 'zhang.wei');
          const { expires_at: expires } = await setting(page, 'session');
          await page.goto(`${server.url}/new`);
          await page.getByLabel('投诉顾客姓名').fill('张伟的顾客');
          await page.getByLabel('车辆故障或投诉内容').fill('张伟没写完的投诉');
          await page.getByText('草稿已自动保存在本机').waitFor();

          // His sign-in runs out; the next user of the tablet signs in.
          await page.waitForTimeout(Math.max(Date.parse(expires) - Date.now() + 1_500, 0));
          await page.reload();
          await page.locator('.signin-notice[data-notice=expired]').waitFor();
          await signIn(page, server, 'li.na');
          await page.goto(`${server.url}/new`);
          await page.getByTestId('intake-form').waitFor();
          await page.waitForTimeout(1_000); // the draft, if any, is read by now
          assert.equal(await page.getByText('已恢复上次未保存的草稿').count(), 0, "li.na is shown zhang.wei's draft");
          assert.equal(await page.getByLabel('投诉顾客姓名').inputValue(), '');
          assert.equal(await page.getByLabel('车辆故障或投诉内容').inputValue(), '');

          // Back to him (li.na's time runs out too): his draft is his again.
          const { expires_at: hers } = await setting(page, 'session');
          await page.waitForTimeout(Math.max(Date.parse(hers) - Date.now() + 1_500, 0));
          await page.reload();
          await page.locator('.signin-notice[data-notice=expired]').waitFor();
          await signIn(page, server, 'zhang.wei');
          await page.goto(`${server.url}/new`);
          await page.getByText('已恢复上次未保存的草稿').waitFor();
          assert.equal(await page.getByLabel('投诉顾客姓名').inputValue(), '张伟的顾客');
          assert.equal(await page.getByLabel('车辆故障或投诉内容').inputValue(), '张伟没写完的投诉');
        });
      },
      { tokenLifetime: '15s' },
    );
  });

  test('signing out offline revokes the token on the server as soon as the network is back', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'faults-signout-offline', async (page, context) => {
        await openSignedIn(page, server, 'zhang.wei');
        const { token } = await setting(page, 'session');
        await context.setOffline(true);
        await page.getByTestId('user-menu').locator('summary').click();
        await page.getByTestId('signout').click();
        await page.locator('.signin-notice[data-notice=signed-out]').waitFor();
        assert.equal((await call(server, token, '/api/v1/auth/me')).status, 200, 'offline, the server could not be told');
        assert.deepEqual(await setting(page, 'revoke_tokens'), [token], 'the token to revoke is kept');

        await context.setOffline(false);
        await eventually(
          async () => (await call(server, token, '/api/v1/auth/me')).code === 'token_revoked',
          'the token revoked once the network is back',
        );
        await eventually(async () => (await setting(page, 'revoke_tokens'))?.length === 0, 'the revoked token forgotten');
      });
    });
  });

  test('a busy server at sign-in is shown like a rate limit, in both languages', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'faults-busy', async (page) => {
        await openApp(page, server.url);
        let answered = 0;
        await page.route('**/api/v1/auth/login', (route) => {
          answered += 1;
          return route.fulfill({
            status: 503,
            headers: { 'content-type': 'application/json', 'retry-after': '1' },
            body: JSON.stringify({ error: { code: 'busy', message: 'the server is busy checking other sign-ins: try again in 1 seconds' }, server_time: new Date().toISOString() }),
          });
        });
        await page.locator('input[name=username]').fill('zhang.wei');
        await page.locator('input[name=password]').fill(server.password);
        await page.locator('button[type=submit]:not([data-lang])').click();
        const error = page.locator('.signin-error');
        await error.waitFor();
        assert.equal(await error.innerText(), '服务器繁忙，请稍后再试');
        assert.equal(answered, 1);
        await page.locator('button[data-lang]').click();
        await page.locator('.signin-error', { hasText: 'The server is busy; try again in a moment' }).waitFor();
        await page.locator('button[data-lang]').click();

        // When the server has room again, the same form signs in.
        await page.unroute('**/api/v1/auth/login');
        await signIn(page, server, 'zhang.wei');
      });
    });
  });
});
