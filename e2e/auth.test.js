// Signing in, end to end: the real server (its demo users), the release build
// and Debian's Chromium. A session that expires offline keeps the data and
// sends it once the same user signs in again; another user is asked before
// anything is mixed; signing out sends what it can, warns with the count of
// what it cannot, and removes the device's data; a token the server no
// longer takes brings the sign-in page back. Then the branches: a complaint
// moved to another branch leaves the old branch's tablets and reaches the new
// one's; a branch's staff never sees another branch's complaints, and what
// they may not do is refused with a reason. Every request that must be
// refused is counted; the total is printed as "browser refusal cases: N".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fillForm, launchBrowser, listedNames, openApp, openSignedIn, serverOps, signIn, withServer, inContext } from './lib.js';

let refusals = 0;
/** Counts a refusal that was checked. */
const refused = () => (refusals += 1);

const complaint = (name, phone, branch = 'BJ01') => ({
  维修站代码: branch,
  投诉顾客姓名: name,
  联系电话: phone,
  投诉渠道: '电话投诉',
  投诉分类: '服务类',
  车辆故障或投诉内容: `${name}：等待维修超过两小时。`,
});

async function create(page, url, fields) {
  await page.goto(`${url}/new`);
  await page.getByTestId('intake-form').waitFor();
  await fillForm(page, fields);
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await page.waitForURL(`${url}/`);
}

async function synced(page) {
  await page.getByTestId('sync-pending').and(page.locator('[data-count="0"]')).waitFor({ timeout: 20_000 });
  await page.getByTestId('sync-last').getByText('上次同步').waitFor({ timeout: 20_000 });
}

async function syncNow(page) {
  await page.getByTestId('sync-now').and(page.locator(':not([aria-busy=true])')).waitFor();
  await page.getByTestId('sync-now').click();
  await page.getByTestId('sync-now').and(page.locator(':not([aria-busy=true])')).waitFor();
  await synced(page);
}

/**
 * What the device holds in IndexedDB: whether the database exists, the
 * customer names of its complaints, its queued changes, and the kept session.
 * Opening a database that is not there would create it: checked first.
 */
async function onDevice(page) {
  return page.evaluate(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (!names.includes('complaint-desk')) return { exists: false, names: [], outbox: 0, session: null };
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('complaint-desk');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const all = (store) =>
      new Promise((resolve, reject) => {
        const req = db.transaction(store).objectStore(store).getAll();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    const get = (store, key) =>
      new Promise((resolve, reject) => {
        const req = db.transaction(store).objectStore(store).get(key);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    const complaints = (await all('complaints')).map((text) => JSON.parse(text).customer_name);
    const outbox = (await all('outbox_queue')).length;
    const drafts = (await all('drafts')).length;
    const session = JSON.parse((await get('settings', 'session')) ?? 'null');
    db.close();
    return { exists: true, names: complaints.sort(), outbox, drafts, session };
  });
}

/** The names of the complaints `username` may pull from the server. */
async function namesOnServer(server, username = 'admin') {
  const ops = await serverOps(server, username);
  return [...new Set(ops.map((op) => op.set.customer_name).filter(Boolean))].sort();
}

/** A request with `token`: its status and error code. */
async function call(server, token, path, init = {}) {
  const res = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const body = await res.json().catch(() => ({}));
  return { status: res.status, code: body.error?.code, body };
}

async function openUserMenu(page) {
  const menu = page.getByTestId('user-menu');
  if ((await menu.getAttribute('open')) === null) await menu.locator('summary').click();
  await page.getByTestId('signout').waitFor();
}

/** Sets what the next browser dialog gets (accept or dismiss) and records its text. */
function answerNextDialog(page, accept) {
  return new Promise((resolve) => {
    page.once('dialog', async (d) => {
      const text = d.message();
      if (accept) await d.accept();
      else await d.dismiss();
      resolve(text);
    });
  });
}

describe('signing in and out, and branch scopes', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    console.log(`browser refusal cases: ${refusals}`);
  });

  test('a session that expires offline keeps the queued complaint; another user is asked first; the same user sends it', async () => {
    await withServer(
      async (server) => {
        await inContext(browser, 'auth-expiry', async (page, context) => {
          await openSignedIn(page, server, 'zhang.wei');
          await synced(page);
          const { session } = await onDevice(page);
          assert.equal(session.user.username, 'zhang.wei');
          const token = session.token;

          // Offline, a complaint is taken; the session's time runs out.
          await context.setOffline(true);
          await create(page, server.url, complaint('离线先生', '13800001111'));
          await page.getByTestId('sync-pending').and(page.locator('[data-count="1"]')).waitFor();
          const wait = Date.parse(session.expires_at) - Date.now() + 1_500;
          assert.ok(wait < 30_000, `the session lasts as configured (${wait} ms left)`);
          await page.waitForTimeout(Math.max(wait, 0));

          // Opened again, offline: sign in again, the data is still there.
          await page.reload();
          const notice = page.locator('.signin-notice[data-notice=expired]');
          await notice.waitFor();
          assert.match(await notice.innerText(), /登录已过期/);
          assert.match(await notice.innerText(), /保留/);
          assert.equal(await page.getByTestId('user-menu').count(), 0, 'the app is not shown');
          let device = await onDevice(page);
          assert.deepEqual(device.names, ['离线先生']);
          assert.equal(device.outbox, 1);

          // Signing in offline: says the network is needed.
          await page.locator('input[name=username]').fill('zhang.wei');
          await page.locator('input[name=password]').fill(server.password);
          await page.locator('button[type=submit]:not([data-lang])').click();
          await page.locator('.signin-error', { hasText: '需要网络连接' }).waitFor();
          refused();

          // The server refuses the expired token too.
          await context.setOffline(false);
          const expired = await call(server, token, '/api/v1/sync/pull?after=&device=x');
          assert.deepEqual([expired.status, expired.code], [401, 'token_expired']);
          refused();

          // Another user of the branch: asked, with the count; says no; nothing changes.
          await page.locator('input[name=username]').fill('li.na');
          await page.locator('input[name=password]').fill(server.password);
          const question = answerNextDialog(page, false);
          await page.locator('button[type=submit]:not([data-lang])').click();
          const text = await question;
          assert.match(text, /zhang\.wei/);
          assert.match(text, /1 条修改尚未发送/);
          assert.match(text, /li\.na/);
          await page.locator('input[name=username]').waitFor();
          assert.equal(await page.getByTestId('user-menu').count(), 0);
          device = await onDevice(page);
          assert.deepEqual(device.names, ['离线先生']);
          assert.equal(device.outbox, 1);
          assert.equal(device.session.user.username, 'zhang.wei', 'the other user is not signed in');
          assert.deepEqual(await namesOnServer(server), [], 'nothing sent as li.na');

          // The same user again: the queued complaint goes out, as theirs.
          await signIn(page, server, 'zhang.wei');
          await synced(page);
          assert.deepEqual(await listedNames(page), ['离线先生']);
          const ops = await serverOps(server, 'zhang.wei');
          assert.equal(ops.length, 1);
          assert.equal(ops[0].set.customer_name, '离线先生');
          assert.equal(ops[0].user, 'zhang.wei');
        });
      },
      { tokenLifetime: '20s' },
    );
  });

  test('another user who agrees: the other data is removed from the device first, then they sign in', async () => {
    await withServer(
      async (server) => {
        await inContext(browser, 'auth-other-user', async (page, context) => {
          await openSignedIn(page, server, 'zhang.wei');
          await synced(page);
          const { session } = await onDevice(page);
          await context.setOffline(true);
          await create(page, server.url, complaint('张先生', '13800002222'));
          await page.waitForTimeout(Math.max(Date.parse(session.expires_at) - Date.now() + 1_500, 0));
          await context.setOffline(false);
          await page.reload();
          await page.locator('.signin-notice[data-notice=expired]').waitFor();

          await page.locator('input[name=username]').fill('wang.fang');
          await page.locator('input[name=password]').fill(server.password);
          const question = answerNextDialog(page, true);
          await page.locator('button[type=submit]:not([data-lang])').click();
          assert.match(await question, /1 条修改尚未发送/);
          await page.getByTestId('user-name').getByText('王芳').waitFor();
          const device = await onDevice(page);
          assert.deepEqual(device.names, [], "zhang.wei's data is gone");
          assert.equal(device.outbox, 0);
          assert.equal(device.session.user.username, 'wang.fang');
          assert.notEqual(device.session.token, session.token);
          // wang.fang's new complaint starts in her own branch.
          await page.goto(`${server.url}/new`);
          assert.equal(await page.getByLabel('维修站代码').inputValue(), 'BJ02');
          assert.deepEqual(await namesOnServer(server), [], 'the removed change was never sent');
        });
      },
      { tokenLifetime: '20s' },
    );
  });

  test('signing out offline with a queued change: warned with the count; cancel keeps everything; confirm removes all data', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'auth-signout-offline', async (page, context) => {
        await openSignedIn(page, server, 'zhang.wei');
        await create(page, server.url, complaint('甲先生', '13800003333'));
        await synced(page);
        await context.setOffline(true);
        await create(page, server.url, complaint('乙女士', '13800004444'));
        await page.getByTestId('sync-pending').and(page.locator('[data-count="1"]')).waitFor();

        // Cancel: nothing changes.
        await openUserMenu(page);
        let warning = answerNextDialog(page, false);
        await page.getByTestId('signout').click();
        assert.match(await warning, /有 1 条修改尚未发送到服务器/);
        assert.match(await warning, /永久丢失/);
        await page.getByTestId('user-menu').waitFor();
        assert.deepEqual([...(await listedNames(page))].sort(), ['乙女士', '甲先生'].sort());
        let device = await onDevice(page);
        assert.equal(device.outbox, 1);
        assert.ok(device.session);

        // Confirm: every piece of data leaves the device.
        await openUserMenu(page);
        warning = answerNextDialog(page, true);
        await page.getByTestId('signout').click();
        assert.match(await warning, /有 1 条修改尚未发送/);
        await page.locator('.signin-notice[data-notice=signed-out]', { hasText: '已退出登录，本机数据已删除' }).waitFor();
        device = await onDevice(page);
        assert.deepEqual(device.names, []);
        assert.equal(device.outbox, 0);
        assert.equal(device.drafts, 0);
        assert.equal(device.session, null);
        await page.reload();
        await page.locator('input[name=username]').waitFor();
        assert.equal(await page.getByTestId('user-menu').count(), 0, 'still signed out after a reload');

        await context.setOffline(false);
        assert.deepEqual(await namesOnServer(server), ['甲先生'], 'the change that was never sent is lost, as warned');
      });
    });
  });

  test('signing out online sends the queue first, without a warning, then removes the data; the token is revoked', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'auth-signout-online', async (page, context) => {
        await openSignedIn(page, server, 'zhang.wei');
        await synced(page);
        const { session } = await onDevice(page);
        await context.setOffline(true);
        await create(page, server.url, complaint('丙先生', '13800005555'));
        await page.getByTestId('sync-pending').and(page.locator('[data-count="1"]')).waitFor();
        await context.setOffline(false);
        let asked = null;
        page.on('dialog', async (d) => {
          asked = d.message();
          await d.dismiss();
        });
        await openUserMenu(page);
        await page.getByTestId('signout').click();
        await page.locator('.signin-notice', { hasText: '已退出登录' }).waitFor();
        assert.equal(asked, null, 'nothing was left to lose, so nothing was asked');
        assert.deepEqual(await namesOnServer(server), ['丙先生']);
        const device = await onDevice(page);
        assert.deepEqual([device.names, device.outbox, device.session], [[], 0, null]);
        const revoked = await call(server, session.token, '/api/v1/sync/pull?after=&device=x');
        assert.deepEqual([revoked.status, revoked.code], [401, 'token_revoked']);
        refused();
      });
    });
  });

  test('a token the server no longer takes brings the sign-in page back; the data stays', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'auth-revoked', async (page, context) => {
        await openSignedIn(page, server, 'zhang.wei');
        await create(page, server.url, complaint('丁女士', '13800006666'));
        await synced(page);
        const { session } = await onDevice(page);
        // Signed out elsewhere (the token revoked), while this tablet is offline
        // with a change queued.
        assert.equal((await call(server, session.token, '/api/v1/auth/logout', { method: 'POST' })).status, 200);
        await context.setOffline(true);
        await page.locator('.complaint-card', { hasText: '丁女士' }).click();
        await page.getByLabel('情况跟踪和目前维修状态').fill('已预约复检');
        await page.getByRole('button', { name: '保存', exact: true }).click();
        await page.getByText('已保存', { exact: true }).waitFor();
        // Back online, the tablet syncs by itself: the server refuses the token.
        await context.setOffline(false);
        const notice = page.locator('.signin-notice[data-notice=ended]');
        await notice.waitFor();
        assert.match(await notice.innerText(), /登录已失效/);
        refused();
        const device = await onDevice(page);
        assert.deepEqual(device.names, ['丁女士']);
        assert.equal(device.outbox, 1);

        await signIn(page, server, 'zhang.wei');
        await synced(page);
        const ops = await serverOps(server, 'zhang.wei');
        assert.ok(ops.some((op) => op.set.tracking === '已预约复检' && op.user === 'zhang.wei'), 'the queued edit went out');
      });
    });
  });

  test('sign-in errors are named: wrong password, unknown user, too many attempts (with the wait)', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'auth-errors', async (page) => {
        await openApp(page, server.url);
        const attempt = async (username, password, expected) => {
          await page.locator('input[name=username]').fill(username);
          await page.locator('input[name=password]').fill(password);
          const answered = page.waitForResponse('**/api/v1/auth/login');
          await page.locator('button[type=submit]:not([data-lang])').click();
          await answered;
          await page.locator('.signin-error').filter({ hasText: expected }).waitFor();
          return page.locator('.signin-error').innerText();
        };
        assert.equal(await attempt('zhang.wei', 'not-the-password', '用户名或密码错误'), '用户名或密码错误');
        refused();
        // An unknown user reads the same (the server does not tell which).
        assert.equal(await attempt('nobody', server.password, '用户名或密码错误'), '用户名或密码错误');
        refused();
        for (let i = 0; i < 4; i += 1) {
          await attempt('zhang.wei', `wrong-${i}`, '用户名或密码错误');
          refused();
        }
        // The sixth attempt in the window is refused even with the right password.
        const limited = await attempt('zhang.wei', server.password, '登录失败次数过多');
        assert.match(limited, /^登录失败次数过多，请在 \d+ (秒|分钟)后再试$/);
        refused();
        assert.equal(await page.getByTestId('user-menu').count(), 0);
        // In English too.
        await page.locator('button[data-lang]').click();
        await page.locator('.signin-error', { hasText: 'Too many failed sign-ins; try again in' }).waitFor();
        // Another user of the same tablet is not locked out.
        await page.locator('button[data-lang]').click();
        await signIn(page, server, 'li.na');
      });
    });
  });

  test('a complaint moved to another branch leaves the old branch\'s tablet and reaches the new branch', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'auth-move-staff', async (a, ctxA) => {
        await inContext(browser, 'auth-move-manager', async (b) => {
          await openSignedIn(a, server, 'zhang.wei');
          await create(a, server.url, complaint('移交先生', '13800007777'));
          await create(a, server.url, complaint('留下女士', '13800008888'));
          await synced(a);

          // Staff may not hand a complaint over to another branch.
          await a.locator('.complaint-card', { hasText: '留下女士' }).click();
          await a.getByLabel('维修站代码').fill('BJ02');
          await a.getByRole('button', { name: '保存', exact: true }).click();
          await a.getByText('已保存', { exact: true }).waitFor();
          await a.getByTestId('sync-now').click();
          const refusal = a.getByTestId('refused-change');
          await refusal.getByText('您无权把投诉登记到或转给这个维修站').waitFor();
          refused();
          await refusal.getByRole('button', { name: '放弃此修改' }).click();
          await refusal.waitFor({ state: 'detached' });
          assert.equal(await a.getByLabel('维修站代码').inputValue(), 'BJ01');

          // The branch manager hands the other one over to BJ02.
          await openSignedIn(b, server, 'li.na');
          await syncNow(b);
          await b.locator('.complaint-card', { hasText: '移交先生' }).click();
          await b.getByLabel('维修站代码').fill('BJ02');
          await b.getByRole('button', { name: '保存', exact: true }).click();
          await b.getByText('已保存', { exact: true }).waitFor();
          await synced(b);
          // It left li.na's branch too: gone from her tablet at the next sync.
          await syncNow(b);
          await b.goto(server.url);
          assert.deepEqual(await listedNames(b), ['留下女士']);

          // zhang.wei's tablet, with an edit of it queued offline meanwhile.
          await ctxA.setOffline(true);
          await a.goto(server.url);
          await a.locator('.complaint-card', { hasText: '移交先生' }).click();
          await a.getByLabel('情况跟踪和目前维修状态').fill('离线时的修改');
          await a.getByRole('button', { name: '保存', exact: true }).click();
          await a.getByText('已保存', { exact: true }).waitFor();
          await ctxA.setOffline(false);
          await syncNow(a);
          await a.goto(server.url);
          assert.deepEqual(await listedNames(a), ['留下女士']);
          const device = await onDevice(a);
          assert.deepEqual(device.names, ['留下女士'], 'removed from IndexedDB, not only from the list');
          assert.equal(device.outbox, 0, 'its queued edit went with it');
          assert.equal(await a.getByTestId('sync-refused').count(), 0);
          // The server agrees: zhang.wei sees nothing of it any more.
          assert.deepEqual(await namesOnServer(server, 'zhang.wei'), ['留下女士']);
          refused();
        });
      });
      // BJ02's staff now has it, whole, with its history.
      await inContext(browser, 'auth-move-new-branch', async (c) => {
        await openSignedIn(c, server, 'wang.fang');
        await synced(c);
        assert.deepEqual(await listedNames(c), ['移交先生']);
        await c.locator('.complaint-card', { hasText: '移交先生' }).click();
        assert.equal(await c.getByLabel('维修站代码').inputValue(), 'BJ02');
        await c.getByTestId('history').locator('summary').click();
        await c.locator('[data-testid=history-entry][data-user="li.na"]', { hasText: '维修站代码：BJ02' }).waitFor();
        await c.locator('[data-testid=history-entry][data-user="zhang.wei"]', { hasText: '登记投诉' }).waitFor();
      });
    });
  });

  test("a branch's staff never sees another branch's complaint, and cannot file one there", async () => {
    await withServer(async (server) => {
      await inContext(browser, 'auth-scope-bj02', async (c) => {
        await openSignedIn(c, server, 'wang.fang');
        await create(c, server.url, complaint('海淀女士', '13900001111', 'BJ02'));
        await synced(c);
      });
      const bj02 = (await serverOps(server, 'wang.fang')).find((op) => op.set.customer_name === '海淀女士');
      await inContext(browser, 'auth-scope-bj01', async (a) => {
        await openSignedIn(a, server, 'zhang.wei');
        await create(a, server.url, complaint('朝阳先生', '13900002222'));
        await synced(a);
        await syncNow(a);
        assert.deepEqual(await listedNames(a), ['朝阳先生']);
        assert.deepEqual((await onDevice(a)).names, ['朝阳先生']);
        // Not by its address either.
        await a.goto(`${server.url}/c/${bj02.rec}`);
        await a.getByText('找不到这条投诉').waitFor();

        // Filing under another branch: kept on the tablet, refused with the reason.
        await create(a, server.url, complaint('越界先生', '13900003333', 'BJ02'));
        await a.getByTestId('sync-now').click();
        await a.getByTestId('sync-refused').getByText('1 条修改被服务器拒绝').waitFor();
        refused();
        await a.locator('.complaint-card', { hasText: '越界先生' }).click();
        await a.getByTestId('refused-change').getByText('您无权把投诉登记到或转给这个维修站').waitFor();
      });
      // Through the API, as zhang.wei: the BJ02 complaint does not exist for him.
      const token = await server.token('zhang.wei', 'e2e-api');
      const push = async (op) =>
        (await call(server, token, '/api/v1/sync/push', { method: 'POST', body: JSON.stringify({ device: 'e2e-api', ops: [op] }) })).body.results[0];
      const edit = { id: 'e2eedit000000001', rec: bj02.rec, hlc: `${Date.now()}-0`, dev: 'e2e-api', set: { tracking: '越界修改' } };
      const answer = await push(edit);
      assert.deepEqual([answer.status, answer.reason.code], ['rejected', 'unknown_record'], JSON.stringify(answer));
      refused();
      assert.deepEqual(await namesOnServer(server, 'zhang.wei'), ['朝阳先生']);
      refused();
      assert.ok(!(await namesOnServer(server, 'zhang.wei')).includes('越界先生'));
      assert.deepEqual(await namesOnServer(server, 'wang.fang'), ['海淀女士']);
    });
  });
});
