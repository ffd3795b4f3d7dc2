// Takes the README's screenshots at tablet sizes from the release build:
//   node e2e/screenshots.mjs <out-dir>     (scripts/screenshots sets the env)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fillForm, launchBrowser, openApp, signIn, startServer, WORKED_EXAMPLE } from './lib.js';
import { monthOfComplaints } from './seed.js';

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
  // The standard answers: searched by a partial phrase, the suggestion on a
  // complaint, and the branch manager's editor.
  for (const [w, h, user] of [
    [1024, 768, 'li.na'],
    [800, 1280, 'zhang.wei'],
  ]) {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: w, height: h }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await openApp(page, server.url);
    await signIn(page, server, user);
    await page.getByTestId('answers-link').click();
    await page.getByTestId('answers').waitFor({ timeout: 20_000 });
    await page.getByTestId('answer-search').pressSequentially('刹车抖');
    await page.locator('[data-testid=answers] mark').first().waitFor();
    await page.screenshot({ path: join(out, `answers-${w}x${h}.png`) });
    await page.getByRole('link', { name: '投诉列表' }).click();
    await page.locator('.complaint-card', { hasText: '李先生' }).first().click();
    await page.getByTestId('suggested-answers').waitFor();
    await page.getByTestId('suggested-answers').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(out, `suggestions-${w}x${h}.png`) });
    if (user === 'li.na') {
      await page.getByTestId('answers-link').click();
      await page.getByTestId('answer-search').pressSequentially('周末');
      await page.getByTestId('edit-answer').first().click();
      await page.getByTestId('answer-editor').waitFor();
      await page.screenshot({ path: join(out, `answer-editor-${w}x${h}.png`) });
    }
    await context.close();
  }
  // The KPI dashboard and the monthly report: October at BJ01 and BJ02, as
  // pushed by the branches' tablets; the branch manager (1024) sets targets
  // and a plan; the regional manager (800) compares the branches.
  const token = await server.token('admin', 'seed-tablet');
  const res = await fetch(`${server.url}/api/v1/sync/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      device: 'seed-tablet',
      // Entries in the name of who pushes them (the server refuses any other).
      ops: [...monthOfComplaints('BJ01', '北京一站', '2026-10', 46), ...monthOfComplaints('BJ02', '北京二站', '2026-10', 29, 100)].map((op) => {
        for (const [k, v] of Object.entries(op.set)) if (k.startsWith('tl.')) v.by = '系统管理员';
        return op;
      }),
    }),
  });
  const refused = (await res.json()).results.filter((r) => r.status !== 'accepted');
  if (refused.length) throw new Error(`seed refused: ${JSON.stringify(refused[0])}`);
  for (const [w, h, user] of [
    [1024, 768, 'li.na'],
    [800, 1280, 'zhao.lei'],
  ]) {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: w, height: h }, deviceScaleFactor: 1, timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    await openApp(page, server.url);
    await signIn(page, server, user);
    await page.getByTestId('sync-last').getByText('上次同步').waitFor({ timeout: 20_000 });
    await page.goto(`${server.url}/kpi/2026-10/${user === 'li.na' ? 'BJ01' : 'all'}`);
    await page.getByTestId('kpi-timing').waitFor();
    if (user === 'li.na') {
      for (const [kpi, fields] of [
        ['satisfaction', { target: '90', analysis: '回访时间不合顾客心意；部分顾客对处理结果期望过高', measures: '按顾客约定的时间回访；结案前确认方案', owner: '李娜', due: '2026-11-30' }],
        ['timeliness', { target: '80' }],
        ['handling', { target: '70' }],
        ['effective_callback', { target: '60' }],
      ]) {
        await page.locator(`tr[data-kpi=${kpi}] [data-act=edit]`).click();
        const editor = page.getByTestId('plan-editor');
        for (const [name, v] of Object.entries(fields)) await editor.locator(`[name=${name}]`).fill(v);
        await editor.getByRole('button', { name: '保存' }).click();
        await editor.waitFor({ state: 'detached' });
      }
    }
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(out, `kpi-${w}x${h}.png`) });
    await page.screenshot({ path: join(out, `kpi-full-${w}x${h}.png`), fullPage: true });
    await page.getByTestId('kpi-report-link').click();
    await page.getByTestId('report').waitFor();
    await page.screenshot({ path: join(out, `report-${w}x${h}.png`) });
    if (user === 'li.na') {
      // As printed: A4 portrait is about 794 px wide at 96 dpi.
      await page.setViewportSize({ width: 794, height: 1123 });
      await page.emulateMedia({ media: 'print' });
      await page.screenshot({ path: join(out, 'report-print-a4.png'), fullPage: true });
      await page.emulateMedia({ media: 'screen' });
    }
    await page.getByTestId('sync-pending').and(page.locator('[data-count="0"]')).waitFor({ timeout: 20_000 });
    await context.close();
  }
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}
