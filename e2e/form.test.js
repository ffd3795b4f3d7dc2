// The form and the list as a user meets them: validation beside the field in
// the UI's language, search and filters, editing, language choice, and a
// damaged record that must not take the list down.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { ARTIFACTS, fillForm, launchBrowser, listedNames, openSignedIn, startServer } from './lib.js';

const base = (name, phone, channel, category, content) => ({
  维修站代码: 'SH01',
  投诉顾客姓名: name,
  联系电话: phone,
  投诉渠道: channel,
  投诉分类: category,
  车辆故障或投诉内容: content,
});

async function addComplaint(page, url, fields) {
  await page.goto(`${url}/new`);
  await fillForm(page, fields);
  await page.getByRole('button', { name: /保存|Save/ }).click();
  await page.waitForURL(`${url}/`);
}

describe('form and list', () => {
  let browser;
  let server;
  before(async () => {
    browser = await launchBrowser();
    server = await startServer();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    server?.cleanup();
  });

  test('validation messages appear beside the field, in Chinese; the VIN check digit only warns', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 800, height: 1280 } });
    const page = await context.newPage();
    try {
      await openSignedIn(page, server, 'chen.jie', `${server.url}/new`);
      // Save with nothing typed: every required field says so, nothing is saved.
      await page.getByRole('button', { name: '保存' }).click();
      await page.getByText('请先更正标红的项目').waitFor();
      for (const label of ['投诉顾客姓名', '联系电话', '投诉渠道', '投诉分类', '车辆故障或投诉内容']) {
        await page.locator('.field--error', { hasText: `请填写${label}` }).first().waitFor();
      }
      await page.screenshot({ path: join(ARTIFACTS, 'intake-errors-800x1280.png') });

      await page.getByLabel('联系电话').fill('12345');
      await page.getByLabel('联系电话').blur();
      await page.locator('[data-field=phone] .field__msg--error').getByText('电话号码格式不正确').waitFor();

      await page.getByLabel('车辆识别号 (VIN)').fill('LSVAU2180N2183294'); // check digit should be X
      await page.getByLabel('车辆识别号 (VIN)').blur();
      await page.locator('[data-field=vin] .field__msg--warning').getByText('校验位').waitFor();

      await page.getByLabel('公里数').fill('-5');
      await page.getByLabel('公里数').blur();
      await page.locator('[data-field=mileage_km] .field__msg--error').getByText('不能为负数').waitFor();

      // Fix the errors; the VIN warning stays and does not block saving.
      await fillForm(page, { ...base('钱先生', '021-12345678', '电话投诉', '备件类', '备件缺货，等待三周。'), 公里数: '45,000' });
      await page.locator('[data-field=vin] .field__msg--warning').waitFor();
      await page.getByRole('button', { name: '保存' }).click();
      await page.waitForURL(`${server.url}/`);
      assert.ok((await listedNames(page)).includes('钱先生'));
    } finally {
      await context.close();
    }
  });

  test('search over name, phone, VIN, plate and content, and filters by status, category and channel', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    try {
      await openSignedIn(page, server, 'chen.jie');
      await addComplaint(page, server.url, { ...base('孙女士', '13600001111', '电话投诉', '销售类', '赠品未兑现'), 车牌号码: '沪B88888' });
      await addComplaint(page, server.url, base('周先生', '13700002222', '信函或e-mail投诉', '服务类', '保养等待时间过长'));

      const search = page.getByRole('searchbox');
      await search.fill('136 0000 1111');
      assert.deepEqual(await listedNames(page), ['孙女士']);
      await search.fill('沪b88888');
      assert.deepEqual(await listedNames(page), ['孙女士']);
      await search.fill('保养');
      assert.deepEqual(await listedNames(page), ['周先生']);
      await search.fill('');

      await page.getByLabel('全部渠道').selectOption({ label: '信函或e-mail投诉' });
      assert.deepEqual(await listedNames(page), ['周先生']);
      await page.getByLabel('全部渠道').selectOption({ label: '全部渠道' });
      await page.getByLabel('全部分类').selectOption({ label: '销售类' });
      assert.deepEqual(await listedNames(page), ['孙女士']);
      await page.getByLabel('全部状态').selectOption({ label: '关闭' });
      await page.getByText('没有符合条件的投诉').waitFor();
    } finally {
      await context.close();
    }
  });

  test('the detail view edits the record; the edit shows in the list', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    try {
      await openSignedIn(page, server, 'chen.jie');
      await addComplaint(page, server.url, base('吴先生', '13800009999', '店内面对投诉', '产品质量类', '变速箱换挡顿挫'));
      await page.locator('.complaint-card', { hasText: '吴先生' }).click();
      await page.getByLabel('状态', { exact: true }).selectOption({ label: '冷处理或僵持' });
      await page.getByLabel('情况跟踪和目前维修状态').fill('顾客拒绝到店检测');
      await page.getByRole('button', { name: '保存' }).click();
      await page.getByText('已保存', { exact: true }).waitFor();
      await page.reload();
      assert.equal(await page.getByLabel('情况跟踪和目前维修状态').inputValue(), '顾客拒绝到店检测');
      await page.getByRole('link', { name: /返回列表/ }).click();
      await page.locator('.complaint-card', { hasText: '吴先生' }).getByText('冷处理或僵持').waitFor();
    } finally {
      await context.close();
    }
  });

  test('English for an English browser; the switch is remembered', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    try {
      await openSignedIn(page, server, 'chen.jie');
      await page.getByRole('heading', { name: 'Complaints' }).waitFor();
      await page.getByRole('button', { name: '中文' }).click();
      await page.getByRole('heading', { name: '投诉列表' }).waitFor();
      await page.reload();
      await page.getByRole('heading', { name: '投诉列表' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
      await page.getByRole('button', { name: 'English' }).click();
      await page.goto(`${server.url}/new`);
      await page.getByText('Customer name').first().waitFor();
    } finally {
      await context.close();
    }
  });

  test('a damaged record is reported and skipped; the rest of the list still shows', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    try {
      await openSignedIn(page, server, 'chen.jie');
      await addComplaint(page, server.url, base('郑女士', '13500003333', '电话投诉', '其他', '发票开具错误'));
      await page.evaluate(
        () =>
          new Promise((resolve, reject) => {
            const req = indexedDB.open('complaint-desk');
            req.onerror = () => reject(req.error);
            req.onsuccess = () => {
              const db = req.result;
              const tx = db.transaction('complaints', 'readwrite');
              tx.objectStore('complaints').put('{"id": "broken", "customer_name":', 'broken');
              tx.objectStore('complaints').put({ not: 'text' }, 'foreign');
              tx.oncomplete = () => {
                db.close();
                resolve();
              };
              tx.onerror = () => reject(tx.error);
            };
          }),
      );
      await page.reload();
      await page.getByTestId('unreadable').getByText('2 条记录已损坏无法读取').waitFor();
      assert.ok((await listedNames(page)).includes('郑女士'));
    } finally {
      await context.close();
    }
  });
});
