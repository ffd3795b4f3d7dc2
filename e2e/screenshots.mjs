// Takes the README's screenshots at tablet sizes from the release build:
//   node e2e/screenshots.mjs <out-dir>     (scripts/screenshots sets the env)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fillForm, launchBrowser, openApp, startServer } from './lib.js';

const out = process.argv[2] || 'docs/screenshots';
mkdirSync(out, { recursive: true });

const example = {
  维修站代码: 'BJ01',
  维修站名称: '北京朝阳特约售后服务中心',
  处理人: '王经理',
  投诉顾客姓名: '李先生',
  联系电话: '138 0013 8000',
  投诉渠道: '厂方转投诉',
  投诉分类: '产品质量类',
  投诉性质: '潜在媒体曝光',
  顾客背景: '在媒体工作，表示如不满意将公开曝光',
  '车辆识别号 (VIN)': 'LSVAU2180N2183294',
  车牌号码: '京A·12345',
  车型: '帕萨特 2.0T',
  公里数: '23,560',
  车辆故障或投诉内容: '保修期内，高速行驶制动时方向盘强烈抖动。维修站仅光盘处理，问题依旧。',
  顾客需求或倾向: '免费更换相关零件并立即修好',
};

const server = await startServer();
const browser = await launchBrowser();
try {
  for (const [w, h] of [
    [1024, 768],
    [800, 1280],
  ]) {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: w, height: h }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await openApp(page, `${server.url}/new`);
    await fillForm(page, example);
    await page.getByLabel('车辆识别号 (VIN)').blur();
    await page.getByLabel('联系电话').fill('1380013800');
    await page.getByLabel('联系电话').blur();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(out, `intake-${w}x${h}.png`) });
    await page.getByLabel('联系电话').fill('138 0013 8000');
    if (w === 1024) {
      await page.getByRole('button', { name: '保存' }).click();
      await page.waitForURL(`${server.url}/`);
      await page.screenshot({ path: join(out, `list-${w}x${h}.png`) });
    }
    await context.close();
  }
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}
