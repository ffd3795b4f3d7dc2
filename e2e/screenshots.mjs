// Takes the README's screenshots at tablet sizes from the release build:
//   node e2e/screenshots.mjs <out-dir>     (scripts/screenshots sets the env)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fillForm, launchBrowser, openApp, signIn, startServer, WORKED_EXAMPLE } from './lib.js';

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
    // The sign-in page; then the first tablet is the branch manager's, the
    // second a technician's of the same branch.
    await openApp(page, `${server.url}/new`);
    await page.locator('input[name=username]').waitFor();
    await page.screenshot({ path: join(out, `signin-${w}x${h}.png`) });
    await signIn(page, server, w === 1024 ? 'li.na' : 'zhang.wei');
    await fillForm(page, example);
    await page.getByLabel('车辆识别号 (VIN)').blur();
    await page.getByLabel('联系电话').fill('1380013800');
    await page.getByLabel('联系电话').blur();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(out, `intake-${w}x${h}.png`) });
    await page.getByLabel('联系电话').fill('138 0013 8000');
    await page.getByRole('button', { name: '保存' }).click();
    await page.waitForURL(`${server.url}/`);
    if (w === 1024) await page.screenshot({ path: join(out, `list-${w}x${h}.png`) });
    // Who is signed in: the user menu in the top bar.
    await page.getByTestId('user-menu').locator('summary').click();
    await page.getByTestId('signout').waitFor();
    await page.screenshot({ path: join(out, `usermenu-${w}x${h}.png`) });
    await page.getByTestId('user-menu').locator('summary').click();

    // The handling of that complaint, part way through: contacted, escalated,
    // marked major, the report to the manufacturer still due.
    // (The second tablet opens the first one's complaint, synced with its handling.)
    const cards = page.locator('.complaint-card', { hasText: '李先生' });
    if (w === 1024) await cards.first().click();
    else {
      await cards.nth(1).waitFor({ timeout: 20_000 });
      await cards.last().click();
      await page.locator('[data-testid=timeline] li[data-kind=major]').waitFor({ timeout: 20_000 });
    }
    await page.getByTestId('handling').waitFor();
    const add = async (kind, text, extra) => {
      await page.locator(`.chip[data-kind=${kind}]`).click();
      if (extra) await extra();
      await page.getByTestId('entry-text').fill(text);
      await page.getByTestId('entry-add').click();
      await page.locator(`[data-testid=timeline] li[data-kind=${kind}]`).last().waitFor();
    };
    if (w === 1024) {
      await add('contact', '已电话联系顾客，先安抚情绪，约定明天上午到店检查');
      for (const n of [1, 2, 3]) {
        await page.locator(`input[data-step="${n}"]`).check();
        await page.locator(`li.step--done input[data-step="${n}"]`).waitFor();
      }
      await add('escalation', '顾客要求更换全部制动部件并赔偿误工，超出维修站权限');
      await add('major', '顾客在媒体工作，威胁曝光', () => page.locator('input[data-criterion="5"]').check());
    }
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(out, `detail-${w}x${h}.png`) });
    await page.locator('[data-testid=handling]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(out, `handling-${w}x${h}.png`) });
    // Everything reaches the server before this tablet is put away.
    await page.getByTestId('sync-pending').and(page.locator('[data-count="0"]')).waitFor({ timeout: 20_000 });
    await context.close();
  }
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}
