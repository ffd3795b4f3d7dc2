// Typing survives: on every form a user types into — sign-in, intake, the
// edit form, the timeline entry form and the PDCA editor — a value is typed
// and the caret parked mid-text, then, in turn, the connection drops, the
// connection returns, another tablet's change to another field of the same
// record arrives by sync, the attention count changes, the 30 s tick passes
// (the page's clock is fast-forwarded) and the language switches. After each,
// the same control (not a new one) holds the typed value, and — except after
// the language switch, which is a tap elsewhere — the focus and the caret.
// The sign-in page has no record and no count: there, the others.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './seed.js';
import { launchBrowser, withServer, inContext, openApp, openSignedIn, op, pushOps } from './lib.js';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

const CARET = 3;

/** Types `text` into `control` and parks the caret after its third character. */
async function typeInto(control, text) {
  await control.click();
  await control.fill(text);
  await control.evaluate((el, at) => el.setSelectionRange(at, at), CARET);
  return control.elementHandle();
}

/** The same element still holds `text`; with `focus`, it has the focus and the caret. */
async function assertKept(handle, text, why, { focus = true } = {}) {
  const s = await handle.evaluate((el) => ({
    connected: el.isConnected,
    value: el.value,
    focused: document.activeElement === el,
    start: el.selectionStart,
    end: el.selectionEnd,
  }));
  assert.ok(s.connected, `${why}: the control was made again`);
  assert.equal(s.value, text, `${why}: the typed value`);
  if (focus) {
    assert.ok(s.focused, `${why}: the focus left the control`);
    assert.deepEqual([s.start, s.end], [CARET, CARET], `${why}: the caret moved`);
  }
}

/** Asks the app to sync now without touching the page (the browser's `online` event). */
const syncQuietly = (page) => page.evaluate(() => window.dispatchEvent(new Event('online')));

/** A complaint of BJ01 filed by another tablet; `hoursAgo` received, never contacted. */
function filed(i, hoursAgo, extra = {}) {
  const at = new Date(Date.now() - hoursAgo * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const set = {
    ...fixture(i, 'e2e-other-tablet'),
    branch_code: 'BJ01',
    branch_name: '北京一站',
    case_number: `BJ01-20261205-E2ETYP-${String(i).padStart(4, '0')}`,
    received_at: at,
    created_at: at,
    ...extra,
  };
  return op(crypto.randomUUID(), set);
}

/**
 * Runs the disturbances in turn on the page, checking `handle` keeps `text`
 * after each. `record`: what another tablet changes (a function that pushes
 * it and resolves once the page shows it), or null where there is no record.
 */
async function disturbAll(page, context, server, handle, text, { record, attention = true } = {}) {
  await context.setOffline(true);
  await page.getByTestId('net-status').filter({ hasText: '离线' }).waitFor();
  await assertKept(handle, text, 'the connection dropped');

  await context.setOffline(false);
  await page.getByTestId('net-status').filter({ hasText: '在线' }).waitFor();
  await assertKept(handle, text, 'the connection returned');

  if (record) {
    await record();
    await assertKept(handle, text, "another tablet's change arrived by sync");
  }

  if (attention) {
    const count = page.getByTestId('attention-count');
    const before = (await count.count()) ? Number(await count.innerText()) : 0;
    await pushOps(server, [filed(900 + before, 3)]);
    await syncQuietly(page);
    await count.filter({ hasText: String(before + 1) }).waitFor({ timeout: 20_000 });
    await assertKept(handle, text, 'the attention count changed');
  }

  // The 30 s tick (the clocks, the session check, the KPI page's "as of").
  await page.clock.fastForward(61_000);
  await page.waitForTimeout(200);
  await assertKept(handle, text, 'the 30 s tick passed');

  await page.locator('button[data-lang]').first().click();
  await page.locator('button[data-lang]').first().filter({ hasText: '中文' }).waitFor();
  await assertKept(handle, text, 'the language switched', { focus: false });
}

describe('typing survives', () => {
  test('on the sign-in page: the connection dropping and returning, the tick, a language switch', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'typing-signin', async (page, context) => {
        await context.clock.install();
        await openApp(page, server.url);
        const password = page.locator('input[name=password]');
        await password.fill('not-yet');
        const handle = await typeInto(page.locator('input[name=username]'), 'zhang.wei');
        await disturbAll(page, context, server, handle, 'zhang.wei', { attention: false });
        assert.equal(await password.inputValue(), 'not-yet', 'the password is still there');
        // The labels followed the language.
        await page.getByText('Username').first().waitFor();
      });
    });
  });

  test('on the intake form', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'typing-intake', async (page, context) => {
        await context.clock.install();
        await openSignedIn(page, server, 'zhang.wei');
        await page.getByRole('link', { name: '新建投诉' }).click();
        await page.getByTestId('intake-form').waitFor();
        const phone = page.locator('#f-phone');
        await phone.fill('13800138000');
        await page.locator('#f-plate').fill('京A·E2E01');
        const handle = await typeInto(page.locator('#f-customer_name'), '王小明先生');
        // A complaint about the same vehicle, filed on another tablet,
        // arrives by sync: the form's alert bar names it (the form has no
        // record of its own yet to change).
        const record = async () => {
          await pushOps(server, [filed(1, 0.1, { customer_name: '别的平板登记', plate: '京A·E2E01' })]);
          await syncQuietly(page);
          await page.getByTestId('intake-alerts').filter({ hasText: '同一车辆已有 1 条投诉' }).waitFor({ timeout: 20_000 });
        };
        await disturbAll(page, context, server, handle, '王小明先生', { record });
        assert.equal(await phone.inputValue(), '13800138000');
      });
    });
  });

  test('on the edit form and the timeline entry form of a complaint', async () => {
    await withServer(async (server) => {
      const complaint = filed(2, 0.5, { customer_name: '赵女士', tracking: '等待配件' });
      await pushOps(server, [complaint]);
      await inContext(browser, 'typing-detail', async (page, context) => {
        await context.clock.install();
        await openSignedIn(page, server, 'zhang.wei', `${server.url}/c/${complaint.rec}`);
        await page.getByTestId('detail-form').waitFor({ timeout: 20_000 });
        let n = 0;
        // Another tablet changes 情况跟踪 (edit form) or adds a note (timeline).
        const trackingChange = async () => {
          n += 1;
          const text = `配件已到，第${n}次更新`;
          await pushOps(server, [op(complaint.rec, { tracking: text })]);
          await syncQuietly(page);
          await page.waitForFunction((t) => document.querySelector('#f-tracking')?.value === t, text, { timeout: 20_000 });
        };
        const noteAdded = async () => {
          n += 1;
          const id = `e2etypnote${n}`;
          const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
          const entry = { id, kind: 'note', at, recorded: at, by: '系统管理员', dev: 'e2e-other-tablet', text: `备注${n}` };
          await pushOps(server, [op(complaint.rec, { [`tl.${id}`]: entry })]);
          await syncQuietly(page);
          await page.locator('[data-testid=timeline] > li', { hasText: `备注${n}` }).waitFor({ timeout: 20_000 });
        };

        // The edit form: 顾客需求或倾向, while 情况跟踪 changes on another tablet.
        const demand = await typeInto(page.locator('#f-demand'), '更换方向机并延长保修');
        await disturbAll(page, context, server, demand, '更换方向机并延长保修', { record: trackingChange });

        // The entry form, while a note comes in and 情况跟踪 changes again.
        await page.locator('button[data-lang]').first().click(); // back to Chinese
        await page.locator('button[data-lang]').first().filter({ hasText: 'English' }).waitFor();
        const entry = await typeInto(page.getByTestId('entry-text'), '已电话告知顾客配件到货时间');
        await disturbAll(page, context, server, entry, '已电话告知顾客配件到货时间', {
          record: async () => {
            await noteAdded();
            await trackingChange();
          },
        });
        // What was typed in the edit form is still there too, unsaved.
        await assertKept(demand, '更换方向机并延长保修', 'the edit form after everything', { focus: false });
      });
    });
  });

  test('in the PDCA editor', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'typing-pdca', async (page, context) => {
        await context.clock.install();
        await openSignedIn(page, server, 'li.na');
        await page.getByRole('link', { name: '统计' }).click();
        const table = page.getByTestId('pdca-table');
        await table.locator('tr[data-kpi=satisfaction] [data-act=edit]').click();
        const editor = page.getByTestId('plan-editor');
        const month = await page.getByTestId('kpi-month').inputValue();
        const rec = `pdca:BJ01:satisfaction:${month}`;
        let n = 0;
        // The regional manager fills in the same row's owner on their tablet.
        const rowChanged = async () => {
          n += 1;
          const owner = `赵磊${n}`;
          const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
          const set =
            n === 1
              ? { branch_code: 'BJ01', kpi: 'satisfaction', month, target: 90, analysis: '', measures: '', owner, due: null, created_at: now }
              : { owner };
          await pushOps(server, [op(rec, set)], { username: 'zhao.lei' });
          await syncQuietly(page);
          await table.locator('tr[data-kpi=satisfaction]', { hasText: owner }).waitFor({ timeout: 20_000 });
        };
        const analysis = await typeInto(editor.locator('[name=analysis]'), '回访时间不合顾客心意');
        await disturbAll(page, context, server, analysis, '回访时间不合顾客心意', { record: rowChanged });
        // Saved: what was typed here, over the other manager's owner (which
        // the editor, opened before it arrived, never showed and so keeps).
        await editor.getByRole('button', { name: 'Save' }).click();
        await editor.waitFor({ state: 'detached' });
        const row = table.locator('tr[data-kpi=satisfaction]');
        await row.filter({ hasText: '回访时间不合顾客心意' }).waitFor();
        assert.match(await row.innerText(), new RegExp(`赵磊${n}`), "the other manager's owner stays");
      });
    });
  });

  test('a button pressed keeps the focus: 立即同步, a status, a step', async () => {
    await withServer(async (server) => {
      const complaint = filed(3, 0.5, { customer_name: '钱先生' });
      await pushOps(server, [complaint]);
      await inContext(browser, 'typing-buttons', async (page) => {
        await openSignedIn(page, server, 'zhang.wei', `${server.url}/c/${complaint.rec}`);
        await page.getByTestId('handling').waitFor({ timeout: 20_000 });
        const focused = (handle) => handle.evaluate((el) => el.isConnected && document.activeElement === el);

        const syncNow = await page.getByTestId('sync-now').elementHandle();
        await syncNow.click();
        await page.getByTestId('sync-now').and(page.locator('[aria-busy=false]')).waitFor();
        await page.getByTestId('sync-last').filter({ hasText: '上次同步' }).waitFor();
        assert.ok(await focused(syncNow), '立即同步 keeps the focus through the sync it starts');

        const status = await page.locator('button[data-status=in_process]').elementHandle();
        await status.click();
        await page.locator('button[data-status=in_process][aria-pressed=true]').waitFor();
        await page.locator('[data-testid=timeline] > li[data-kind=status]').waitFor();
        assert.ok(await focused(status), 'the status button keeps the focus once the change is saved');

        const step = await page.locator('input[data-step="1"]').elementHandle();
        await step.click();
        await page.locator('li.step--done input[data-step="1"]').waitFor();
        assert.ok(await focused(step), 'the step keeps the focus once ticked');
      });
    });
  });
});
