// The handling process, end to end: the real server binary, the release build
// and Debian's Chromium. A complaint is taken in Chinese with its warnings,
// handled step by step on its page (contact, steps, escalation, major mark,
// report, resolution, callback), refused closing until the record is
// complete, closed, still there offline, and reopened. Then the same-vehicle
// lookup, the needs-attention view, and two tablets adding to one timeline
// offline.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ARTIFACTS, fillForm, launchBrowser, listedNames, openSignedIn, withServer, WORKED_EXAMPLE, inContext } from './lib.js';

/** A tablet a little taller than 768: the handling panel and the form in one view. */
const inTablet = (browser, name, fn) => inContext(browser, name, fn, { viewport: { width: 1024, height: 900 } });

const base = (name, phone, content) => ({
  维修站代码: 'BJ01',
  投诉顾客姓名: name,
  联系电话: phone,
  投诉渠道: '电话投诉',
  投诉分类: '服务类',
  车辆故障或投诉内容: content,
});


/**
 * Opens the intake form once the app has opened its storage: typing on a
 * freshly loaded /new races the storage opening, which resets the fields it
 * pre-fills (维修站代码, 受理时间…) when nothing else has been typed yet.
 */
async function openIntake(page, url) {
  await page.goto(`${url}/`);
  await page.locator('.list-count, p.empty').filter({ hasNotText: '正在加载' }).first().waitFor();
  await page.getByRole('link', { name: '新建投诉' }).click();
  await page.waitForURL(`${url}/new`);
  await page.getByTestId('intake-form').waitFor();
}

async function create(page, url, fields) {
  await openIntake(page, url);
  await fillForm(page, fields);
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await page.waitForURL(`${url}/`);
}

/** The id of the complaint whose card names `name`, from its link. */
async function idOf(page, name) {
  const href = await page.locator('.complaint-card', { hasText: name }).getAttribute('href');
  const m = /^\/c\/(.+)$/.exec(href ?? '');
  assert.ok(m, `card link of ${name}: ${href}`);
  return m[1];
}

/** Locators of the handling UI on a complaint's page. */
function handling(page) {
  const section = page.getByTestId('handling');
  const form = page.getByTestId('entry-form');
  const timeline = page.locator('[data-testid=timeline] > li');
  return {
    section,
    form,
    timeline,
    entries: (kind) => page.locator(`[data-testid=timeline] > li[data-kind=${kind}]`),
    clock: (kind, state) =>
      section.locator(state ? `.clock[data-clock=${kind}][data-state=${state}]` : `.clock[data-clock=${kind}]`),
    status: (code) => section.locator(`button[data-status=${code}]`),
    step: (n) => section.locator(`li:has(> label > input[data-step="${n}"])`),
    /** Picks the entry kind and waits until the form is drawn for it. */
    async kind(kind) {
      await form.locator(`button.chip[data-kind=${kind}]`).click();
      await form.locator(`button.chip[data-kind=${kind}][aria-pressed=true]`).waitFor();
    },
    /** Adds the entry the form holds (with `text`); waits until it is on the timeline, or for the refusal `expect`. */
    async add(kind, { text = '', expect = 'ok' } = {}) {
      const before = await page.locator(`[data-testid=timeline] > li[data-kind=${kind}]`).count();
      // Always typed, also when empty: the form may still hold the last entry's text
      // (see 'after an entry is added, the entry form is empty for the next one').
      await form.getByTestId('entry-text').fill(text);
      await form.getByTestId('entry-add').click();
      if (expect !== 'ok') {
        await page.getByTestId('entry-error').filter({ hasText: expect }).waitFor();
        return;
      }
      await page.locator(`[data-testid=timeline] > li[data-kind=${kind}]`).nth(before).waitFor();
      const added = page.locator(`[data-testid=timeline] > li[data-kind=${kind}]`);
      if (text) await added.filter({ hasText: text }).waitFor();
      assert.equal(await page.getByTestId('entry-error').count(), 0, 'no refusal shown');
    },
  };
}

/** A `datetime-local` value for now + `deltaMs`, in the browser's local time. */
function localInput(page, deltaMs) {
  return page.evaluate((delta) => {
    const d = new Date(Date.now() + delta);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  }, deltaMs);
}

const DATE_TIME = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/;
const NOTHING_DUE = '没有即将到期或已超时的投诉';

describe('handling a complaint', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('the worked example, from intake warnings to closed, offline and reopened', async () => {
    await withServer(async (server) => {
      await inTablet(browser, 'handling-walk', async (page, context) => {
        await openSignedIn(page, server, 'zhang.wei');
        await openIntake(page, server.url);
        await fillForm(page, WORKED_EXAMPLE);

        // Before saving: the bottom bar names the warnings, and opens into the list.
        const alerts = page.getByTestId('intake-alerts');
        const summary = alerts.locator('summary');
        await summary.filter({ hasText: '存在公关/媒体/法律风险' }).waitFor();
        const line = await summary.innerText();
        for (const title of ['风险提示', '存在公关/媒体/法律风险', '无法解释的故障现象', '顾客有媒体背景']) {
          assert.ok(line.includes(title), `intake alerts name “${title}”: ${line}`);
        }
        assert.ok(!line.includes('同一车辆'), `no same-vehicle complaint yet: ${line}`);
        await summary.click();
        const risk = alerts.getByTestId('risk');
        await risk.locator('li[data-rule=exposure]').waitFor();
        await risk.locator('li[data-rule=media_background]', { hasText: '媒体工作' }).waitFor();
        await risk.locator('li[data-rule=unexplained]', { hasText: '抖动' }).waitFor();
        await page.screenshot({ path: join(ARTIFACTS, 'handling-intake-alerts.png') });

        await page.getByRole('button', { name: '保存', exact: true }).click();
        await page.waitForURL(`${server.url}/`);
        assert.deepEqual(await listedNames(page), ['李先生']);
        await page.locator('.complaint-card', { hasText: '李先生' }).click();
        await page.waitForURL(/\/c\/[^/]+$/);
        const detailUrl = page.url();

        const h = handling(page);
        await h.section.waitFor();
        await h.section.getByTestId('level').filter({ hasText: '处理层级：维修站' }).waitFor();
        await h.clock('first_contact', 'running').waitFor();
        assert.equal(await h.section.getByTestId('major').count(), 0);
        // The saved complaint shows its warnings too.
        await page.locator('[data-testid=risk] li[data-rule=exposure]').waitFor();

        // First contact, by phone, reached.
        await h.kind('contact');
        await h.form.getByTestId('entry-method').selectOption('phone');
        assert.ok(await h.form.getByTestId('entry-reached').isChecked(), 'reached is ticked by default');
        await h.add('contact', { text: '已电话联系李先生，约定明早到店检测' });
        const contact = h.entries('contact').first();
        await contact.locator('.tl__detail', { hasText: '电话' }).filter({ hasText: '已联系上' }).waitFor();
        await h.clock('first_contact', 'done').waitFor();

        // Steps 1 and 2, each with who and when.
        for (const n of [1, 2]) {
          await h.section.locator(`input[data-step="${n}"]`).click();
          await h.step(n).and(page.locator('.step--done')).waitFor();
        }
        for (const n of [1, 2]) {
          assert.ok(await h.section.locator(`input[data-step="${n}"]`).isChecked());
          assert.match(await h.step(n).locator('.step__who').innerText(), DATE_TIME);
        }
        assert.equal(await h.section.locator('li.step--done').count(), 2);

        // Escalation: a reason is required; then branch → management → manufacturer.
        await h.kind('escalation');
        await h.form.getByTestId('entry-level').selectOption('management');
        await h.add('escalation', { expect: '请填写升级原因' });
        assert.equal(await h.entries('escalation').count(), 0, 'the refused escalation is not recorded');
        await h.add('escalation', { text: '顾客不接受光盘处理，需经销商管理层协调' });
        await h.section.getByTestId('level').filter({ hasText: '经销商管理层' }).waitFor();
        await h.form.locator('button.chip[data-kind=escalation][aria-pressed=true]').waitFor();
        assert.deepEqual(await h.form.locator('[data-testid=entry-level] option').evaluateAll((os) => os.map((o) => o.value)), [
          'manufacturer',
        ]);
        await h.form.getByTestId('entry-level').selectOption('manufacturer');
        await h.add('escalation', { text: '顾客坚持更换，报厂方区域经理' });
        await h.section.getByTestId('level').filter({ hasText: '处理层级：厂方区域经理' }).waitFor();
        assert.equal(await h.entries('escalation').count(), 2);
        await h.entries('escalation').nth(1).locator('.tl__detail', { hasText: '→ 厂方区域经理' }).waitFor();
        // At the top level escalation is no longer offered.
        assert.equal(await h.form.locator('button.chip[data-kind=escalation]').count(), 0);

        // Major, with criterion 5: the 4-hour report clock starts; the report stops it.
        await h.kind('major');
        await h.form.locator('[data-criterion="5"]').check();
        await h.add('major', { text: '顾客为媒体从业者，威胁曝光' });
        await h.section.getByTestId('major').filter({ hasText: '重大投诉' }).waitFor();
        await h.entries('major').locator('.tl__detail', { hasText: '符合条件 5' }).waitFor();
        await h.clock('major_report', 'running').waitFor();
        await h.kind('report');
        await h.add('report', { text: '已书面报告厂方区域经理' });
        await h.clock('major_report', 'done').waitFor();
        assert.ok(await h.form.locator('button.chip[data-kind=unmajor]').isVisible(), 'the mark can be taken back');

        // Resolved: the 3-day callback clock runs until a callback reaches the customer.
        assert.equal(await h.clock('callback').count(), 0);
        await h.kind('resolved');
        await h.add('resolved', { text: '已免费更换前制动盘，试车无抖动' });
        await h.clock('callback', 'running').waitFor();
        await h.kind('callback');
        await h.form.getByTestId('entry-method').selectOption('phone');
        await h.form.getByTestId('entry-satisfied-yes').check();
        await h.add('callback', { text: '顾客表示满意' });
        await h.entries('callback').locator('.tl__detail', { hasText: '顾客满意' }).waitFor();
        await h.clock('callback', 'done').waitFor();
        const satisfied = page.locator('[data-testid=detail-form] [data-field=customer_satisfied] select');
        await page.waitForFunction(
          () => document.querySelector('[data-testid=detail-form] [data-field=customer_satisfied] select')?.value === 'yes',
        );
        assert.equal(await satisfied.locator('option:checked').innerText(), '满意');

        // Closing is refused while the record lacks the final result, the root cause and the service stage.
        await h.status('closed').click();
        const refusal = page.getByTestId('handling-error');
        await refusal.filter({ hasText: '关闭投诉前必须填写' }).waitFor();
        const refusalText = await refusal.innerText();
        assert.ok(refusalText.includes('最终结果'), refusalText);
        assert.ok(refusalText.includes('投诉原因分析及投诉整改措施'), refusalText);
        assert.ok(refusalText.includes('问题发生环节（服务核心流程）'), refusalText);
        assert.ok(!refusalText.includes('顾客是否满意'), `the callback answered it: ${refusalText}`);
        assert.equal(await h.status('on_going').getAttribute('aria-pressed'), 'true');
        assert.equal(await h.status('closed').getAttribute('aria-pressed'), 'false');

        // So is closing through the form: the errors stand beside the fields.
        const detailForm = page.getByTestId('detail-form');
        const statusSelect = detailForm.locator('[data-field=status] select');
        const saveButton = detailForm.getByRole('button', { name: '保存', exact: true });
        await statusSelect.selectOption('closed');
        await saveButton.click();
        await detailForm
          .locator('[data-field=final_result] .field__msg--error', { hasText: '关闭投诉前必须填写最终结果' })
          .waitFor();
        await detailForm
          .locator('[data-field=root_cause] .field__msg--error', { hasText: '关闭投诉前必须填写投诉原因分析及投诉整改措施' })
          .waitFor();
        await detailForm
          .locator('[data-field=service_stage] .field__msg--error', { hasText: '关闭投诉前必须填写问题发生环节（服务核心流程）' })
          .waitFor();
        assert.equal(await detailForm.locator('[data-field=customer_satisfied] .field__msg--error').count(), 0);
        assert.equal(await h.status('on_going').getAttribute('aria-pressed'), 'true', 'nothing was saved');
        assert.equal(await h.entries('status').count(), 0);

        // Fill them in, save (still on-going), then close with the button.
        await statusSelect.selectOption('on_going');
        await page.getByLabel('最终结果').fill('免费更换前制动盘，故障排除');
        await page.getByLabel('投诉原因分析及投诉整改措施').fill('制动盘变形；光盘处理不能根治，今后同类故障直接更换');
        const stageSelect = detailForm.locator('[data-field=service_stage] select');
        assert.equal(await stageSelect.inputValue(), '', 'no stage chosen yet: the blank option');
        await stageSelect.selectOption('repair');
        await saveButton.click();
        await page.getByText('已保存', { exact: true }).waitFor();
        assert.equal(await h.entries('status').count(), 0, 'saving without a status change records none');
        await h.status('closed').click();
        await h.status('closed').and(page.locator('[aria-pressed=true]')).waitFor();
        await h.entries('status').locator('.tl__detail', { hasText: '处理中无结论 → 关闭' }).waitFor();
        assert.equal(await refusal.count(), 0, 'the refusal is gone');
        // The other buttons now reopen.
        await h.status('on_going').filter({ hasText: '重新打开为 处理中无结论' }).waitFor();

        const count = await h.timeline.count();
        // contact, 2 escalations, major, report, resolved, callback, status
        assert.equal(count, 8);
        const kinds = await h.timeline.evaluateAll((lis) => lis.map((li) => li.dataset.kind));
        await page.screenshot({ path: join(ARTIFACTS, 'handling-closed.png'), fullPage: true });

        // Reloaded, and reloaded offline: everything is still there.
        const expectSame = async () => {
          await h.section.waitFor();
          await h.timeline.nth(count - 1).waitFor();
          assert.deepEqual(await h.timeline.evaluateAll((lis) => lis.map((li) => li.dataset.kind)), kinds);
          assert.equal(await h.status('closed').getAttribute('aria-pressed'), 'true');
          assert.equal(await h.section.locator('li.step--done').count(), 2);
          for (const n of [1, 2]) assert.match(await h.step(n).locator('.step__who').innerText(), DATE_TIME);
          await h.section.getByTestId('level').filter({ hasText: '厂方区域经理' }).waitFor();
          await h.section.getByTestId('major').waitFor();
          assert.equal(await page.getByLabel('最终结果').inputValue(), '免费更换前制动盘，故障排除');
          assert.equal(await page.locator('[data-testid=detail-form] [data-field=status] select').inputValue(), 'closed');
          assert.equal(await page.locator('[data-testid=detail-form] [data-field=service_stage] select').inputValue(), 'repair');
          assert.equal(await page.locator('[data-testid=detail-form] [data-field=customer_satisfied] select').inputValue(), 'yes');
        };
        await page.reload();
        await expectSame();
        await context.setOffline(true);
        await page.reload();
        await page.getByTestId('net-status').filter({ hasText: '离线' }).waitFor();
        assert.equal(page.url(), detailUrl);
        await expectSame();

        // Reopen (offline): recorded as a reopening.
        await h.status('on_going').click();
        await h.status('on_going').and(page.locator('[aria-pressed=true]')).waitFor();
        await h.entries('status').nth(1).locator('.tl__detail', { hasText: '重新打开：关闭 → 处理中无结论' }).waitFor();
        assert.equal(await h.timeline.count(), count + 1);
        await h.status('closed').filter({ hasText: /^关闭$/ }).waitFor();

        // In the list: the level it was escalated to and the major mark.
        await page.getByRole('link', { name: /返回列表/ }).click();
        const card = page.locator('.complaint-card', { hasText: '李先生' });
        await card.getByTestId('card-level').filter({ hasText: '厂方区域经理' }).waitFor();
        await card.locator('.badge--major').waitFor();
        await card.locator('.badge--on_going').waitFor();
      });
    });
  });

  test('after an entry is added, the entry form is empty for the next one', async () => {
    await withServer(async (server) => {
      await inTablet(browser, 'handling-entry-form-cleared', async (page) => {
        await openSignedIn(page, server, 'zhang.wei');
        // Received an hour ago: a note may be dated after that, not before.
        const received = await localInput(page, -60 * 60 * 1000);
        await create(page, server.url, { ...base('韩女士', '13544445555', '仪表台异响'), 受理时间: received });
        await page.locator('.complaint-card', { hasText: '韩女士' }).click();
        const h = handling(page);
        await h.section.waitFor();
        await h.kind('note');
        await h.form.getByTestId('entry-at').fill(await localInput(page, -30 * 60 * 1000));
        await h.add('note', { text: '顾客来电询问进度' });
        assert.equal(await h.entries('note').count(), 1);
        // Entered half an hour after it happened: the timeline says when it was recorded.
        await h.entries('note').locator('.tl__detail', { hasText: '补记于' }).waitFor();
        assert.equal(await h.form.getByTestId('entry-text').inputValue(), '', 'the text of the entry just added is still in the form');
        assert.equal(await h.form.getByTestId('entry-at').inputValue(), '', 'the time of the entry just added is still in the form');
      });
    });
  });

  test('once a kind is no longer offered, the form adds the kind it shows', async () => {
    await withServer(async (server) => {
      await inTablet(browser, 'handling-entry-form-kind', async (page) => {
        await openSignedIn(page, server, 'zhang.wei');
        await create(page, server.url, base('韩先生', '13544446666', '后备箱漏水'));
        await page.locator('.complaint-card', { hasText: '韩先生' }).click();
        const h = handling(page);
        await h.section.waitFor();
        await h.kind('major');
        await h.form.locator('[data-criterion="2"]').check();
        await h.add('major', { text: '多次维修无法解决' });
        await h.section.getByTestId('major').waitFor();
        // The major chip is gone; the form shows 联系顾客 as the kind it adds.
        assert.equal(await h.form.locator('button.chip[data-kind=major]').count(), 0);
        await h.form.locator('button.chip[aria-pressed=true]').and(h.form.locator('[data-kind=contact]')).waitFor();
        await h.form.getByTestId('entry-text').fill('电话告知处理进展');
        await h.form.getByTestId('entry-add').click();
        await h.timeline.nth(1).waitFor();
        const kinds = await h.timeline.evaluateAll((lis) => lis.map((li) => li.dataset.kind));
        assert.deepEqual(kinds, ['major', 'contact'], 'the entry added is the kind the form showed');
      });
    });
  });

  test("the edit form's 状态 follows a status change made with the buttons", async () => {
    await withServer(async (server) => {
      await inTablet(browser, 'handling-form-status', async (page) => {
        await openSignedIn(page, server, 'zhang.wei');
        await create(page, server.url, base('曹女士', '13566667777', '天窗漏水'));
        await page.locator('.complaint-card', { hasText: '曹女士' }).click();
        const h = handling(page);
        const detailForm = page.getByTestId('detail-form');
        const statusSelect = detailForm.locator('[data-field=status] select');
        await h.section.waitFor();
        // The user picks 冷处理或僵持 in the form, changes their mind and saves another edit…
        await statusSelect.selectOption('hold');
        await statusSelect.selectOption('on_going');
        await page.getByLabel('情况跟踪和目前维修状态').fill('等待配件');
        await detailForm.getByRole('button', { name: '保存', exact: true }).click();
        await page.getByText('已保存', { exact: true }).waitFor();
        // …then changes the status with the buttons: the form shows the new status.
        await h.status('hold').click();
        await h.status('hold').and(page.locator('[aria-pressed=true]')).waitFor();
        await page.locator('.detail-head .badge', { hasText: '冷处理或僵持' }).waitFor();
        // What the select shows (its value), not how it was drawn.
        await page.waitForFunction(() => document.querySelector('#f-status')?.value === 'hold', null, { timeout: 10_000 })
          .catch(() => {});
        assert.equal(await statusSelect.inputValue(), 'hold', 'the form shows a status the complaint no longer has');
      });
    });
  });

  test('the same vehicle is recognised on intake; a complaint not contacted in time needs attention', async () => {
    await withServer(async (server) => {
      await inTablet(browser, 'handling-vehicle-attention', async (page) => {
        await openSignedIn(page, server, 'zhang.wei');
        await create(page, server.url, { ...base('赵先生', '13611112222', '车窗升降失灵'), 车牌号码: '京A·12345' });
        const first = await idOf(page, '赵先生');

        // The same plate, typed differently: recognised while typing.
        await openIntake(page, server.url);
        await fillForm(page, { ...base('赵太太', '13611113333', '车窗再次失灵'), 车牌号码: '京a 12345' });
        const alerts = page.getByTestId('intake-alerts');
        const summary = alerts.locator('summary', { hasText: '同一车辆已有 1 条投诉' });
        await summary.waitFor();
        await summary.click();
        await alerts.locator('[data-testid=risk] li[data-rule=repeat_complaint]').waitFor();
        const links = alerts.locator('[data-testid=same-vehicle] a');
        assert.equal(await links.count(), 1);
        assert.equal(await links.getAttribute('href'), `/c/${first}`);
        assert.ok((await links.innerText()).includes('车窗升降失灵'));
        await links.click();
        await page.waitForURL(`${server.url}/c/${first}`);
        await page.getByRole('heading', { name: '赵先生' }).waitFor();

        // Back to the intake (the draft comes back) and save it: received now.
        await page.goto(`${server.url}/new`);
        await page.getByText('已恢复上次未保存的草稿').waitFor();
        await page.getByRole('button', { name: '保存', exact: true }).click();
        await page.waitForURL(`${server.url}/`);
        // On the first complaint's page, the second is listed.
        await page.goto(`${server.url}/c/${first}`);
        await page.locator('[data-testid=same-vehicle] a', { hasText: '车窗再次失灵' }).waitFor();

        // Received three hours ago and nobody called: overdue.
        const threeHoursAgo = await localInput(page, -3 * 3600 * 1000);
        await create(page, server.url, { ...base('钱女士', '13722223333', '保养后机油灯常亮'), 受理时间: threeHoursAgo });
        const card = page.locator('.complaint-card', { hasText: '钱女士' });
        await card.locator('.clock[data-clock=first_contact][data-state=overdue]').waitFor();
        await page.locator('.complaint-card', { hasText: '赵先生' }).locator('.clock[data-state=running]').waitFor();

        const badge = page.getByTestId('attention-count');
        await badge.waitFor();
        assert.ok(Number(await badge.innerText()) >= 1, `attention count: ${await badge.innerText()}`);
        assert.equal(await badge.innerText(), '1', 'only the overdue complaint');

        await page.getByRole('link', { name: /需要关注/ }).click();
        await page.waitForURL(`${server.url}/attention`);
        await page.getByRole('heading', { name: '需要关注' }).waitFor();
        assert.deepEqual(await listedNames(page), ['钱女士']);
        await page
          .locator('.complaint-card', { hasText: '钱女士' })
          .locator('.clock[data-clock=first_contact][data-state=overdue]', { hasText: '已超时' })
          .waitFor();

        // Contacted (late): no longer needs attention.
        await page.locator('.complaint-card', { hasText: '钱女士' }).click();
        const h = handling(page);
        await h.clock('first_contact', 'overdue').waitFor();
        await h.kind('contact');
        await h.add('contact', { text: '已联系' });
        await h.clock('first_contact', 'late').waitFor();
        await badge.waitFor({ state: 'detached' });
        await page.getByRole('link', { name: /需要关注/ }).click();
        await page.locator('p.empty', { hasText: NOTHING_DUE }).waitFor();
        assert.equal(await page.locator('.complaint-card').count(), 0);
      });
    });
  });

  test('two tablets add notes to one timeline offline; after sync both show both', async () => {
    await withServer(async (server) => {
      await inTablet(browser, 'handling-two-tablets', async (a, ctxA) => {
        await inTablet(browser, 'handling-two-tablets-b', async (b, ctxB) => {
          const synced = async (page) => {
            await page.getByTestId('sync-pending').and(page.locator('[data-count="0"]')).waitFor({ timeout: 20_000 });
            await page.getByTestId('sync-last').getByText('上次同步').waitFor({ timeout: 20_000 });
          };
          const syncNow = async (page) => {
            await page.getByTestId('sync-now').and(page.locator(':not([aria-busy=true])')).waitFor();
            await page.getByTestId('sync-now').click();
            await page.getByTestId('sync-now').and(page.locator(':not([aria-busy=true])')).waitFor();
            await synced(page);
          };

          await openSignedIn(a, server, 'zhang.wei');
          await create(a, server.url, base('冯先生', '13933334444', '导航系统频繁死机'));
          await synced(a);
          const id = await idOf(a, '冯先生');
          await openSignedIn(b, server, 'li.na');
          await syncNow(b);
          assert.deepEqual(await listedNames(b), ['冯先生']);

          for (const page of [a, b]) {
            await page.goto(`${server.url}/c/${id}`);
            await handling(page).section.waitFor();
          }
          await ctxA.setOffline(true);
          await ctxB.setOffline(true);
          for (const [page, note] of [
            [a, 'A：已联系供应商寄送导航主机'],
            [b, 'B：顾客要求提供代步车'],
          ]) {
            const h = handling(page);
            await page.getByTestId('net-status').filter({ hasText: '离线' }).waitFor();
            await h.kind('note');
            await h.add('note', { text: note });
            await page.getByTestId('sync-pending').and(page.locator('[data-count="1"]')).waitFor();
          }

          await ctxA.setOffline(false);
          await ctxB.setOffline(false);
          await syncNow(a);
          await syncNow(b);
          await syncNow(a);
          for (const page of [a, b]) {
            const notes = handling(page).entries('note');
            await notes.filter({ hasText: 'A：已联系供应商寄送导航主机' }).waitFor({ timeout: 10_000 });
            await notes.filter({ hasText: 'B：顾客要求提供代步车' }).waitFor({ timeout: 10_000 });
            assert.equal(await notes.count(), 2);
            assert.equal(await page.locator('[data-testid=conflict]').count(), 0, 'entries merge without a conflict');
          }
          // Both show them in the same order.
          const order = (page) => handling(page).entries('note').locator('.tl__text').allInnerTexts();
          assert.deepEqual(await order(a), await order(b));
          // Who did it: each note by its author's name on the timeline, and
          // the record's history names the user, the device and the change.
          await handling(a).entries('note').filter({ hasText: 'B：' }).locator('.tl__who', { hasText: '李娜' }).waitFor();
          await handling(a).entries('note').filter({ hasText: 'A：' }).locator('.tl__who', { hasText: '张伟' }).waitFor();
          const history = b.getByTestId('history');
          await history.locator('summary').click();
          const byLina = history.locator('[data-testid=history-entry][data-user="li.na"]');
          const byZhang = history.locator('[data-testid=history-entry][data-user="zhang.wei"]');
          await byLina.filter({ hasText: '本机' }).filter({ hasText: '处理记录：备注' }).waitFor();
          await byZhang.filter({ hasText: '设备' }).filter({ hasText: '处理记录：备注' }).waitFor();
          await byZhang.filter({ hasText: '登记投诉' }).waitFor();
          assert.equal(await history.locator('[data-testid=history-entry]').count(), 3, 'created, and a note from each');
          assert.match(await byLina.first().innerText(), /li\.na · 本机 · \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
        });
      });
    });
  });
});
