// The KPI dashboard, the PDCA table and the monthly report's CSV, in the
// browser against the real server: complaints are filed through the API (as
// other devices would), the branch manager's tablet syncs them, goes
// offline, and the dashboard shows the figures worked out by hand below.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fixture } from './seed.js';
import { launchBrowser, withServer, inContext, openSignedIn, pushOps } from './lib.js';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** A moment in China Standard Time, as the API writes it (UTC). */
const cst = (day, hm, month = 10) => {
  const [h, m] = hm.split(':').map(Number);
  return new Date(Date.UTC(2026, month - 1, day, h - 8, m)).toISOString().replace('.000Z', 'Z');
};

let n = 0;
const entry = (kind, at, extra = {}) => ({
  id: `e2ekpi${(n += 1)}`,
  kind,
  at,
  recorded: at,
  // The server takes entries only in the pushing user's name (the admin's).
  by: '系统管理员',
  dev: 'e2e-seed',
  ...extra,
});

/** One creation op: complaint `i` at `branch`, received at `received`, with `timeline` and overrides. */
function creation(i, branch, received, overrides, timeline = []) {
  const set = {
    ...fixture(i, 'e2e-seed'),
    branch_code: branch,
    branch_name: branch === 'BJ01' ? '北京一站' : '北京二站',
    case_number: `${branch}-20261001-E2EKPI-${String(i).padStart(4, '0')}`,
    received_at: received,
    created_at: received,
    ...overrides,
  };
  for (const e of timeline) set[`tl.${e.id}`] = e;
  const rec = crypto.randomUUID();
  return { id: `e2ekpiop${String(i).padStart(8, '0')}`, rec, hlc: `${Date.now()}-${i}`, dev: 'e2e-seed', set };
}

const closed = { status: 'closed', final_result: '已修复', root_cause: '部件故障', service_stage: 'repair' };

/**
 * October 2026 at BJ01, worked out by hand:
 * - C1 received 5 Oct 09:00, quality (SQ), by phone; reached 10:00 (within
 *   2 h: timely); closed 7 Oct 09:00 (48 h: within 3 days); satisfied.
 *   A callback on 9 Oct that did not reach the customer.
 * - C2 received 10 Oct 09:00, service (SA), in person; first reached 12:00
 *   (3 h: not timely); closed 20 Oct 09:00 (10 days: 8–14); not satisfied.
 *   A callback on 21 Oct that reached the customer.
 * - C3 received 31 Oct 23:30 CST (still October locally, 15:30 UTC),
 *   quality, forwarded by the manufacturer; never contacted, open.
 * - C4 received 30 Sep 23:00 (September): not counted, but its callback of
 *   3 Oct, which reached the customer, counts among October's callbacks.
 * - C5 at BJ02 (outside the branch manager's scope): never on the tablet.
 * So: received 3; satisfaction 1/3 = 33.3 %; timeliness 1/3 = 33.3 %;
 * handling 2/3 = 66.7 %; effective callbacks 2/3 = 66.7 %; processing time:
 * within 3 days 1, 8–14 days 1, not closed 1; categories: quality 2,
 * service 1; channels: phone 1, in person 1, manufacturer 1; where the
 * closed ones went wrong: repair (C1), vehicle reception (C2).
 */
function october() {
  return [
    creation(1, 'BJ01', cst(5, '09:00'), { category: 'SQ', channel: 'phone', customer_satisfied: true, ...closed }, [
      entry('contact', cst(5, '10:00'), { method: 'phone', reached: true }),
      entry('status', cst(7, '09:00'), { from: 'on_going', status: 'closed' }),
      entry('callback', cst(9, '10:00'), { method: 'phone', reached: false }),
    ]),
    creation(2, 'BJ01', cst(10, '09:00'), { category: 'SA', channel: 'in_person', customer_satisfied: false, ...closed, service_stage: 'reception' }, [
      entry('contact', cst(10, '12:00'), { method: 'visit', reached: true }),
      entry('status', cst(20, '09:00'), { from: 'in_process', status: 'closed' }),
      entry('callback', cst(21, '10:00'), { method: 'phone', reached: true }),
    ]),
    creation(3, 'BJ01', cst(31, '23:30'), { category: 'SQ', channel: 'manufacturer', status: 'on_going' }),
    creation(4, 'BJ01', cst(30, '23:00', 9), { category: 'SP', channel: 'phone', status: 'on_going' }, [
      entry('callback', cst(3, '10:00'), { method: 'phone', reached: true }),
    ]),
    creation(5, 'BJ02', cst(12, '09:00'), { category: 'SQ', channel: 'phone', status: 'on_going' }),
  ];
}

/** Files `ops` as the admin's seeding device. */
const push = (server, ops) => pushOps(server, ops, { device: 'e2e-seed' });

const rate = (page, kpi) => page.getByTestId(`rate-${kpi}`);

test('the dashboard shows a month worked out by hand, offline; the PDCA row syncs; the CSV opens in Excel', async () => {
  await withServer(async (server) => {
    await push(server, october());
    await inContext(
      browser,
      'kpi-dashboard',
      async (page, context) => {
        await openSignedIn(page, server, 'li.na');
        await page.getByTestId('sync-last').getByText('上次同步').waitFor({ timeout: 20_000 });
        await page.locator('.complaint-card').nth(3).waitFor();

        // No network from here on.
        await context.setOffline(true);
        await page.getByTestId('net-status').filter({ hasText: '离线' }).waitFor();
        await page.getByRole('link', { name: '统计' }).click();
        await page.getByTestId('kpi-month').fill('2026-10');
        await page.getByTestId('kpi-month').dispatchEvent('change');
        await page.waitForURL(/\/kpi\/2026-10\//);
        // Only BJ01 is in li.na's scope: the branch is chosen.
        assert.equal(await page.getByTestId('kpi-branch').inputValue(), 'BJ01');
        await page.getByTestId('kpi-received').and(page.locator('[data-count="3"]')).waitFor();
        const value = async (kpi) => (await rate(page, kpi).getByTestId('rate-value').innerText()).trim();
        assert.equal(await value('satisfaction'), '33.3%');
        assert.equal(await value('timeliness'), '33.3%');
        assert.equal(await value('handling'), '66.7%');
        assert.equal(await value('effective_callback'), '66.7%');
        assert.match(await rate(page, 'effective_callback').innerText(), /2 \/ 3/);
        const bars = async (chart) =>
          Object.fromEntries(
            await page
              .getByTestId(chart)
              .locator('g[data-row]')
              .evaluateAll((gs) => gs.map((g) => [g.dataset.row, Number(g.dataset.count)])),
          );
        assert.deepEqual(await bars('chart-category'), { 销售类: 0, 服务类: 1, 产品质量类: 2, 备件类: 0, 其他: 0 });
        assert.deepEqual(await bars('chart-channel'), {
          店内面对投诉: 1,
          电话投诉: 1,
          '信函或e-mail投诉': 0,
          厂方转投诉: 1,
          其他单位转投诉: 0,
        });
        assert.deepEqual(await bars('chart-time'), {
          '3天以内': 1,
          '4–7天': 0,
          '8–14天': 1,
          '15–30天': 0,
          '1–2个月': 0,
          '2个月以上': 0,
          尚未结案: 1,
        });
        assert.deepEqual(await bars('chart-stage'), {
          预约: 0,
          准备工作: 0,
          '接车/制作订单': 1,
          '修理/进行工作': 1,
          '质检/交车准备': 0,
          '交车/结帐': 0,
          服务跟踪: 0,
          非服务流程问题: 0,
        });
        // The other branch's complaint left no trace.
        assert.ok(!(await page.content()).includes('BJ02'));

        // PDCA, offline: a target for handling (66.7 % against 70: needs
        // improvement) and a plan for satisfaction (33.3 % against 90: below).
        const pdca = page.getByTestId('pdca-table');
        const editRow = async (kpi, fields) => {
          await pdca.locator(`tr[data-kpi=${kpi}] [data-act=edit]`).click();
          const editor = page.getByTestId('plan-editor');
          for (const [name, v] of Object.entries(fields)) await editor.locator(`[name=${name}]`).fill(v);
          await editor.getByRole('button', { name: '保存' }).click();
          await editor.waitFor({ state: 'detached' });
        };
        await editRow('handling', { target: '70' });
        await editRow('satisfaction', {
          target: '90',
          analysis: '回访时间不合顾客心意',
          measures: '按顾客约定的时间回访',
          owner: '李娜',
          due: '2026-11-30',
        });
        await pdca.locator('tr[data-kpi=handling]').getByText('需要改进').waitFor();
        const satisfaction = pdca.locator('tr[data-kpi=satisfaction]');
        await satisfaction.getByText('低于目标').waitFor();
        await satisfaction.getByText('按顾客约定的时间回访').waitFor();
        await rate(page, 'handling').getByText('目标: 70.0%').waitFor();
        await page.getByTestId('sync-pending').and(page.locator('[data-count="2"]')).waitFor();
        // A bad target is refused in the form, nothing saved.
        await pdca.locator('tr[data-kpi=timeliness] [data-act=edit]').click();
        await page.getByTestId('plan-editor').locator('[name=target]').fill('120');
        await page.getByTestId('plan-editor').getByRole('button', { name: '保存' }).click();
        await page.getByText('目标值应为 0 到 100 之间的数字').waitFor();
        await page.getByTestId('plan-editor').getByRole('button', { name: '关闭' }).click();

        // The CSV, still offline.
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('kpi-csv').click()]);
        assert.equal(download.suggestedFilename(), '客户投诉统计分析月报表-BJ01-2026-10.csv');
        const bytes = await readFile(await download.path());
        assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
        const lines = bytes.toString('utf8').slice(1).split('\r\n');
        assert.equal(lines[0], '维修站,月份,项目,分项,数量,基数,占比(%),目标(%),评估');
        assert.equal(lines[1], 'BJ01 北京一站,2026-10,受理总数,,3,3,100.0,,');
        assert.ok(lines.includes('BJ01 北京一站,2026-10,投诉类别,产品质量类,2,3,66.7,,'), lines.join('\n'));
        assert.ok(lines.includes('BJ01 北京一站,2026-10,KPI,客户投诉处理满意率,1,3,33.3,90.0,低于目标'), lines.join('\n'));
        assert.ok(lines.includes('BJ01 北京一站,2026-10,KPI,处理率,2,3,66.7,70.0,需要改进'), lines.join('\n'));
        assert.ok(lines.includes('BJ01 北京一站,2026-10,KPI,有效回访率,2,3,66.7,,'), lines.join('\n'));
        assert.ok(lines.includes('BJ01 北京一站,2026-10,问题发生环节,修理/进行工作,1,2,50.0,,'), lines.join('\n'));
        assert.ok(lines.includes('BJ01 北京一站,2026-10,问题发生环节,未记录,0,2,0.0,,'), lines.join('\n'));

        // The printable report: the same figures, the month's complaints.
        await page.getByTestId('kpi-report-link').click();
        await page.getByTestId('report').waitFor();
        assert.equal(await page.getByTestId('report-total').innerText(), '3');
        assert.equal(await page.locator('.report-cases tbody tr').count(), 3);

        // Back online: the PDCA rows reach the server, attributed to li.na.
        await context.setOffline(false);
        await page.getByTestId('sync-now').click();
        await page.getByTestId('sync-pending').and(page.locator('[data-count="0"]')).waitFor({ timeout: 20_000 });
      },
      { acceptDownloads: true, timezoneId: 'Asia/Shanghai' },
    );
    const token = await server.token('admin', 'e2e-check');
    const res = await fetch(`${server.url}/api/v1/sync/pull?after=&limit=1000&device=e2e-check`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const ops = (await res.json()).ops.filter((op) => op.rec.startsWith('pdca:'));
    assert.deepEqual(ops.map((op) => op.rec).sort(), ['pdca:BJ01:handling:2026-10', 'pdca:BJ01:satisfaction:2026-10']);
    assert.ok(ops.every((op) => op.user === 'li.na'));
  });
});
