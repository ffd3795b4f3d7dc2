// Sync, end to end: two browser contexts are two tablets (each its own
// IndexedDB and device id) against the real server binary.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { ARTIFACTS, fillForm, launchBrowser, listedNames, openSignedIn, pushOps, serverOps, startServer, withServer } from './lib.js';
import { fixture, seedLocalComplaints } from './seed.js';

const X = {
  维修站代码: 'BJ01',
  投诉顾客姓名: '陈女士',
  联系电话: '13711112222',
  投诉渠道: '电话投诉',
  投诉分类: '产品质量类',
  车辆故障或投诉内容: '空调不制冷，已维修两次。',
};

/** Waits until the tablet has nothing left to send and has synced since `since`. */
async function synced(page) {
  await page.getByTestId('sync-pending').and(page.locator('[data-count="0"]')).waitFor({ timeout: 20_000 });
  await page.getByTestId('sync-last').getByText('上次同步').waitFor({ timeout: 20_000 });
}

async function syncNow(page) {
  await page.getByTestId('sync-now').click();
  await page.getByTestId('sync-now').and(page.locator(':not([aria-busy=true])')).waitFor();
  await synced(page);
}

async function create(page, url, fields) {
  await page.goto(`${url}/new`);
  await fillForm(page, fields);
  await page.getByRole('button', { name: '保存' }).click();
  await page.waitForURL(`${url}/`);
}

describe('sync between tablets', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('offline edits on A and a concurrent edit on B converge; the conflict shows and the other value can be restored', async () => {
    await withServer(async (server) => {
      const ctxA = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 768 } });
      const ctxB = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 768 } });
      const a = await ctxA.newPage();
      const b = await ctxB.newPage();
      try {
        await openSignedIn(a, server, 'zhang.wei');
        await create(a, server.url, X);
        await synced(a);

        await openSignedIn(b, server, 'li.na');
        await syncNow(b);
        assert.deepEqual(await listedNames(b), ['陈女士']);

        // A loses its network: takes a new complaint and edits X.
        await ctxA.setOffline(true);
        await create(a, server.url, { ...X, 投诉顾客姓名: '林先生', 联系电话: '13633334444', 车辆故障或投诉内容: '离线登记：车门异响' });
        await a.locator('.complaint-card', { hasText: '陈女士' }).click();
        await a.getByLabel('情况跟踪和目前维修状态').fill('A：已预约更换压缩机');
        await a.getByLabel('顾客需求或倾向').fill('尽快修好');
        await a.getByRole('button', { name: '保存' }).click();
        await a.getByText('已保存', { exact: true }).waitFor();
        await a.getByTestId('sync-pending').and(a.locator('[data-count="2"]')).waitFor();

        // Meanwhile B edits the same field of X, online.
        await b.locator('.complaint-card', { hasText: '陈女士' }).click();
        await b.getByLabel('情况跟踪和目前维修状态').fill('B：等待厂家技术支持');
        await b.getByRole('button', { name: '保存' }).click();
        await b.getByText('已保存', { exact: true }).waitFor();
        await synced(b);

        // A comes back: its queue goes out, B's edit comes in.
        await ctxA.setOffline(false);
        await synced(a);
        await syncNow(b);

        for (const page of [a, b]) {
          await page.reload();
          const conflict = page.locator('[data-testid=conflict][data-field=tracking]');
          await conflict.waitFor();
          await conflict.getByText('A：已预约更换压缩机').waitFor();
          await conflict.getByText('B：等待厂家技术支持').waitFor();
          // Who changed it: the user and the device of each value.
          await conflict.locator('.conflict__who', { hasText: 'zhang.wei' }).waitFor();
          await conflict.locator('.conflict__who', { hasText: 'li.na' }).waitFor();
          await conflict.locator('.conflict__who', { hasText: '本机' }).waitFor();
          // The field A alone changed merged without conflict.
          assert.equal(await page.getByLabel('顾客需求或倾向').inputValue(), '尽快修好');
        }
        const shownA = await a.getByLabel('情况跟踪和目前维修状态').inputValue();
        const shownB = await b.getByLabel('情况跟踪和目前维修状态').inputValue();
        assert.equal(shownA, shownB, 'both tablets show the same winner');
        await a.screenshot({ path: join(ARTIFACTS, 'conflict-1024x768.png'), fullPage: true });

        // On A, restore the value that lost: a new edit that settles the field everywhere.
        const loser = shownA.startsWith('A') ? 'B：等待厂家技术支持' : 'A：已预约更换压缩机';
        await a.locator('[data-testid=conflict] .conflict__value', { hasText: loser }).getByRole('button', { name: '采用此值' }).click();
        await a.locator('[data-testid=conflict]').waitFor({ state: 'detached' });
        assert.equal(await a.getByLabel('情况跟踪和目前维修状态').inputValue(), loser);
        await synced(a);
        await syncNow(b);
        await b.reload();
        assert.equal(await b.getByLabel('情况跟踪和目前维修状态').inputValue(), loser);
        assert.equal(await b.locator('[data-testid=conflict]').count(), 0);

        // B also has the complaint A took offline.
        await b.goto(server.url);
        assert.deepEqual([...(await listedNames(b))].sort(), ['林先生', '陈女士'].sort());
      } finally {
        await ctxA.close();
        await ctxB.close();
      }
    });
  });

  test('the server killed in the middle of a push and restarted: nothing lost, nothing applied twice', async () => {
    const N = 3000; // six batches of 500
    let server = await startServer();
    const { port, dataDir } = server;
    const ctx = await browser.newContext({ locale: 'zh-CN' });
    const page = await ctx.newPage();
    try {
      // The generated complaints are filed under GZ branches: an administrator's.
      await openSignedIn(page, server, 'admin');
      await synced(page);
      await ctx.setOffline(true);
      await seedLocalComplaints(page, N);
      await page.reload();
      await page.getByTestId('sync-pending').and(page.locator(`[data-count="${N}"]`)).waitFor();

      // Back online (the browser's online event starts the sync); kill the
      // server as soon as the first batch is answered, with five more to go.
      const firstAnswer = page.waitForResponse('**/api/v1/sync/push');
      await ctx.setOffline(false);
      await firstAnswer;
      await server.stop('SIGKILL');
      await page.getByTestId('sync-problem').getByText('无法连接服务器').waitFor();

      server = await startServer({ port, dataDir });
      const before = (await serverOps(server)).length;
      assert.ok(before >= 500 && before < N, `the kill landed mid-push: ${before} of ${N} had arrived`);
      await syncNow(page);

      const ops = await serverOps(server);
      const ids = new Set(ops.map((op) => op.id));
      assert.equal(ops.length, N, 'every complaint reached the server');
      assert.equal(ids.size, N, 'none twice');
      assert.equal(new Set(ops.map((op) => op.rec)).size, N);
    } finally {
      await ctx.close();
      await server.stop();
      server.cleanup();
    }
  });

  test('a fresh tablet lists a long pull page by page while it runs, with its progress', async () => {
    await withServer(async (server) => {
      const N = 2001; // three pull pages: 1,000, 1,000 and 1
      const device = 'e2e-other-tablet';
      const ops = Array.from({ length: N }, (_, i) => ({
        id: `pullop${String(i).padStart(8, '0')}`,
        rec: crypto.randomUUID(),
        hlc: `${Date.now()}-${i}`,
        dev: device,
        set: fixture(i, device),
      }));
      for (let k = 0; k < N; k += 500) await pushOps(server, ops.slice(k, k + 500));
      const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 768 } });
      const page = await ctx.newPage();
      // The answer to the second page is held until the first page is seen listed.
      let release = () => {};
      const held = new Promise((resolve) => (release = resolve));
      let pulls = 0;
      await page.route('**/api/v1/sync/pull**', async (route) => {
        pulls += 1;
        if (pulls === 2) await held;
        await route.continue();
      });
      try {
        await openSignedIn(page, server, 'admin');
        // The first page (1,000 operations: the server's own records come
        // first, then the complaints) is listed while the second is held.
        const bar = page.getByTestId('sync-progress');
        await page.locator('.list-count', { hasText: /共 [1-9]\d* 条/ }).waitFor();
        assert.equal(await bar.getAttribute('value'), '1000');
        assert.ok(Number(await bar.getAttribute('max')) > N);
        const count = async () => Number((await page.locator('.list-count').innerText()).replace(/\D/g, ''));
        const listed = await count();
        assert.ok(listed > 900 && listed <= 1000, `the first page listed: ${listed}`);
        // The first cards are there to open while the rest is on its way.
        assert.ok((await page.locator('.complaint-card__name').count()) > 0);
        assert.equal(pulls, 2);
        // Nothing of this tablet's waits, but it is not "all synced" yet.
        assert.equal(await page.getByTestId('sync-pending').innerText(), '本机修改已全部上传');
        await page.screenshot({ path: join(ARTIFACTS, 'pull-in-progress-1024x768.png') });
        release();
        await page.locator('.list-count', { hasText: `共 ${N} 条` }).waitFor();
        await bar.waitFor({ state: 'detached' });
        assert.equal(pulls, 3);
        await page.getByTestId('sync-pending').getByText('已全部同步').waitFor();
      } finally {
        release();
        await ctx.close();
      }
    });
  });

  test('another open tab of the same tablet shows a new complaint without reloading', async () => {
    await withServer(async (server) => {
      const ctx = await browser.newContext({ locale: 'zh-CN' });
      const first = await ctx.newPage();
      try {
        await openSignedIn(first, server, 'zhang.wei');
        const second = await ctx.newPage();
        await second.goto(server.url);
        await second.getByTestId('net-status').waitFor();
        await create(first, server.url, { ...X, 投诉顾客姓名: '郭女士', 联系电话: '13522223333' });
        await second.locator('.complaint-card', { hasText: '郭女士' }).waitFor({ timeout: 10_000 });
      } finally {
        await ctx.close();
      }
    });
  });

  test('a tab closed with changes still queued sends them the next time the app opens', async () => {
    await withServer(async (server) => {
      const ctx = await browser.newContext({ locale: 'zh-CN' });
      let page = await ctx.newPage();
      try {
        await openSignedIn(page, server, 'zhang.wei');
        await synced(page);
        await ctx.setOffline(true);
        await create(page, server.url, { ...X, 投诉顾客姓名: '何先生', 联系电话: '13955556666' });
        await page.getByTestId('sync-pending').and(page.locator('[data-count="1"]')).waitFor();
        await page.close();
        assert.equal((await serverOps(server)).length, 0);

        await ctx.setOffline(false);
        page = await ctx.newPage();
        await page.goto(server.url);
        await synced(page);
        const ops = await serverOps(server);
        assert.equal(ops.length, 1);
        assert.equal(ops[0].set.customer_name, '何先生');
      } finally {
        await ctx.close();
      }
    });
  });

  test('a tablet whose clock runs hours fast: its change is refused with a reason, blocks nothing, and can be applied again', async () => {
    await withServer(async (server) => {
      const ctx = await browser.newContext({ locale: 'zh-CN' });
      const page = await ctx.newPage();
      try {
        await openSignedIn(page, server, 'zhang.wei');
        await synced(page);
        // Offline, the tablet's clock jumps 3 hours ahead; a complaint taken now
        // is stamped in the future.
        await ctx.setOffline(true);
        await page.clock.setFixedTime(new Date(Date.now() + 3 * 3600 * 1000));
        await page.reload();
        await create(page, server.url, { ...X, 投诉顾客姓名: '宋先生', 联系电话: '13877778888' });

        await ctx.setOffline(false);
        await page.getByTestId('sync-now').click();
        await page.getByTestId('sync-refused').getByText('1 条修改被服务器拒绝').waitFor();
        assert.equal((await serverOps(server)).length, 0);

        // The queue is not blocked: the next complaint goes through (the
        // device now corrects its clock by the server's).
        await create(page, server.url, { ...X, 投诉顾客姓名: '许女士', 联系电话: '13899990000' });
        await syncNow(page);
        assert.deepEqual((await serverOps(server)).map((op) => op.set.customer_name), ['许女士']);

        // An edit of the refused complaint waits for its creation instead of being refused.
        await page.locator('.complaint-card', { hasText: '宋先生' }).click();
        await page.getByLabel('情况跟踪和目前维修状态').fill('复检完成');
        await page.getByRole('button', { name: '保存' }).click();
        await page.getByText('已保存', { exact: true }).waitFor();
        await page.getByTestId('sync-now').click();
        await page.getByTestId('sync-pending').and(page.locator('[data-count="1"]')).waitFor();
        await page.getByTestId('sync-refused').getByText('1 条修改被服务器拒绝').waitFor();

        // The refused change is on its record, with the reason; applied again it goes in.
        const refused = page.getByTestId('refused-change');
        await refused.getByText('本机时间比服务器快太多').waitFor();
        await refused.getByRole('button', { name: '重新提交' }).click();
        await refused.waitFor({ state: 'detached' });
        await syncNow(page);
        const ops = await serverOps(server);
        assert.deepEqual(ops.map((op) => op.set.customer_name).filter(Boolean).sort(), ['宋先生', '许女士'].sort());
        assert.equal(ops.length, 3, 'the two creations and the edit');
        assert.equal(await page.getByTestId('sync-refused').count(), 0);
        assert.equal(await page.getByTestId('sync-pending').getAttribute('data-count'), '0');
        // The edit still wins over the re-made creation: no false conflict.
        await page.reload();
        assert.equal(await page.getByLabel('情况跟踪和目前维修状态').inputValue(), '复检完成');
        assert.equal(await page.locator('[data-testid=conflict]').count(), 0);
      } finally {
        await ctx.close();
      }
    });
  });
});
