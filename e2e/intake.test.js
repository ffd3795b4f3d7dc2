// Offline intake, end to end: the real server binary, the release build and
// Debian's Chromium. A technician takes a complaint in Chinese, the network
// goes away, and everything still opens, saves and comes back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { ARTIFACTS, fillForm, launchBrowser, listedNames, openSignedIn, withServer, WORKED_EXAMPLE } from './lib.js';

const FIRST = WORKED_EXAMPLE;

const SECOND = {
  维修站代码: 'BJ01',
  投诉顾客姓名: '王女士',
  联系电话: '13912345678',
  投诉渠道: '店内面对投诉',
  投诉分类: '服务类',
  车辆故障或投诉内容: '救援现场：车辆无法启动，等待救援超过两小时。',
};

describe('offline intake', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('a complaint taken in Chinese is there after the server is gone and the browser is offline', async () => {
    await withServer(async (server) => {
      const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 768 } });
      const page = await context.newPage();
      try {
        await openSignedIn(page, server, 'zhang.wei');
        assert.equal(await page.getByTestId('net-status').innerText(), '在线');

        await page.getByRole('link', { name: '新建投诉' }).click();
        await fillForm(page, FIRST);
        await page.screenshot({ path: join(ARTIFACTS, 'intake-1024x768.png'), fullPage: false });
        await page.getByRole('button', { name: '保存' }).click();
        await page.waitForURL(`${server.url}/`);
        assert.deepEqual(await listedNames(page), ['李先生']);
        await page.getByText(/已保存投诉 BJ01-\d{8}-[0-9A-Z]{6}-0001/).waitFor();

        // The dead zone: no server, no network.
        await server.stop();
        await context.setOffline(true);
        await page.reload();
        await page.getByText('离线').waitFor();
        assert.deepEqual(await listedNames(page), ['李先生']);

        // A second complaint, taken offline.
        await page.getByRole('link', { name: '新建投诉' }).click();
        await fillForm(page, SECOND);
        await page.getByRole('button', { name: '保存' }).click();
        await page.waitForURL(`${server.url}/`);
        // Counted as waiting from the moment it is saved: never "all sent" in between.
        assert.notEqual(await page.getByTestId('sync-pending').getAttribute('data-count'), '0');
        assert.equal((await listedNames(page)).length, 2);

        await page.reload();
        const names = await listedNames(page);
        assert.deepEqual([...names].sort(), ['李先生', '王女士'].sort());

        // Its detail opens offline too, with every field as typed.
        await page.locator('.complaint-card', { hasText: '李先生' }).click();
        assert.equal(await page.getByLabel('顾客背景').inputValue(), FIRST['顾客背景']);
        assert.equal(await page.getByLabel('车辆识别号 (VIN)').inputValue(), FIRST['车辆识别号 (VIN)']);
      } finally {
        await context.close();
      }
    });
  });

  test('without the service worker the same offline reload fails (negative control)', async () => {
    await withServer(async (server) => {
      const context = await browser.newContext({ locale: 'zh-CN', serviceWorkers: 'block' });
      const page = await context.newPage();
      try {
        await page.goto(server.url);
        await page.getByTestId('net-status').waitFor();
        await server.stop();
        await context.setOffline(true);
        await assert.rejects(page.reload(), /ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED/);
      } finally {
        await context.close();
      }
    });
  });

  test('a half-typed draft survives a reload and a closed tab, offline', async () => {
    await withServer(async (server) => {
      const context = await browser.newContext({ locale: 'zh-CN' });
      let page = await context.newPage();
      try {
        await openSignedIn(page, server, 'zhang.wei', `${server.url}/new`);
        await server.stop();
        await context.setOffline(true);
        await page.getByLabel('投诉顾客姓名').fill('赵先生');
        await page.getByLabel('车辆故障或投诉内容').fill('仪表盘报警灯常亮，');
        await page.getByLabel('公里数').fill('12a'); // invalid input is kept as typed
        await page.getByText('草稿已自动保存在本机').waitFor();

        await page.reload();
        await page.getByText('已恢复上次未保存的草稿').waitFor();
        assert.equal(await page.getByLabel('投诉顾客姓名').inputValue(), '赵先生');
        assert.equal(await page.getByLabel('车辆故障或投诉内容').inputValue(), '仪表盘报警灯常亮，');
        assert.equal(await page.getByLabel('公里数').inputValue(), '12a');

        await page.close();
        page = await context.newPage();
        await page.goto(`${server.url}/new`);
        await page.getByText('已恢复上次未保存的草稿').waitFor();
        assert.equal(await page.getByLabel('投诉顾客姓名').inputValue(), '赵先生');
      } finally {
        await context.close();
      }
    });
  });
});
