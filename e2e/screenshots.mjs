// Takes the README's screenshots at tablet sizes from the release build:
//   node e2e/screenshots.mjs <out-dir>     (scripts/screenshots sets the env)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fillForm, launchBrowser, openApp, startServer, WORKED_EXAMPLE } from './lib.js';

const out = process.argv[2] || 'docs/screenshots';
mkdirSync(out, { recursive: true });

// The worked example, with a VIN whose check digit is wrong (to show the warning).
const example = { ...WORKED_EXAMPLE, 处理人: '王经理', 车型: '帕萨特 2.0T', 公里数: '23,560', '车辆识别号 (VIN)': 'LSVAU2180N2183294' };

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
