// Stored XSS and the Content-Security-Policy, in the browser against the
// real server: another device files a complaint whose every text field,
// timeline entry and PDCA text carries script payloads, and makes a
// conflicting change; the branch manager's tablet shows it on every page —
// list, attention, detail (timeline, history, conflict), KPI, report, CSV —
// as text, and nothing runs. And the browser itself refuses an inline
// script injected into the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fixture } from './seed.js';
import { launchBrowser, withServer, inContext, openApp, openSignedIn, op, pushOps } from './lib.js';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

// Each payload would set window.__xss if it ran.
const PAYLOADS = [
  '<img src=x onerror="window.__xss=1">',
  '"><svg onload="window.__xss=2">',
  '</textarea><script>window.__xss=3</script>',
  "'><iframe srcdoc=\"<script>parent.__xss=4</script>\">",
];
/** A payload that fits `max` characters, with a readable marker in front. */
const evil = (marker, i = 0, max = 4000) => `${marker}${PAYLOADS[i % PAYLOADS.length]}{}{name}`.slice(0, max);

const iso = (msAgo) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d+Z$/, 'Z');

test('script payloads from another device show as text on every page, and nothing runs', async () => {
  await withServer(async (server) => {
    const rec = crypto.randomUUID();
    const at = iso(3 * 3_600_000); // received 3 h ago, never contacted: needs attention
    const entry = (id, kind, text, extra = {}) => ({
      id,
      kind,
      at,
      recorded: at,
      // Who recorded it is the pushing user, as the server knows them.
      by: '系统管理员',
      dev: 'e2e-other-tablet',
      text,
      ...extra,
    });
    const set = {
      ...fixture(1, 'e2e-other-tablet'),
      branch_code: 'BJ01',
      branch_name: evil('维修站', 0, 200),
      case_number: 'BJ01-20261205-E2EXSS-0001',
      received_at: at,
      created_at: at,
      customer_name: evil('顾客', 0, 50),
      customer_background: evil('背景', 1, 200),
      plate: evil('车牌', 2, 200),
      vehicle_model: evil('车型', 3, 200),
      handler: evil('处理人', 1, 50),
      location: evil('地点', 0, 200),
      oem_case_number: evil('CAC', 2, 200),
      content: evil('内容', 0),
      demand: evil('需求', 1),
      tracking: evil('跟踪', 2),
      final_result: evil('结果', 3),
      root_cause: evil('原因', 0),
      ['tl.e2exssnote1']: entry('e2exssnote1', 'note', evil('备注', 2)),
      ['tl.e2exssesc1']: entry('e2exssesc1', 'escalation', evil('升级', 3), { level: 'management' }),
    };
    await pushOps(server, [op(rec, set)]);
    const month = new Date().toISOString().slice(0, 7);
    await pushOps(
      server,
      [
        op(`pdca:BJ01:handling:${month}`, {
          branch_code: 'BJ01',
          kpi: 'handling',
          month,
          target: 80,
          analysis: evil('分析', 0, 2000),
          measures: evil('措施', 1, 2000),
          owner: evil('负责人', 2, 100),
          due: null,
          created_at: iso(0),
        }),
      ],
      { username: 'zhao.lei' },
    );

    await inContext(
      browser,
      'xss-every-page',
      async (page, context) => {
        const dialogs = [];
        page.on('dialog', (d) => {
          dialogs.push(d.message());
          d.dismiss();
        });
        const ran = async (where) => {
          assert.equal(await page.evaluate(() => window.__xss), undefined, `a payload ran on ${where}`);
          assert.deepEqual(dialogs, [], `a dialog opened on ${where}`);
          // Nothing the payloads would make exists as an element.
          assert.equal(await page.locator('main img[src=x], main iframe, main svg[onload]').count(), 0, where);
        };
        await openSignedIn(page, server, 'li.na');

        // The list and the attention list show the name as text.
        const card = page.locator('.complaint-card', { hasText: '顾客<img' });
        await card.waitFor({ timeout: 20_000 });
        assert.ok((await card.innerText()).includes(PAYLOADS[0]), 'the card shows the payload as typed');
        await ran('the list');
        await page.getByRole('link', { name: '需要关注' }).click();
        await page.locator('.complaint-card', { hasText: '顾客<img' }).waitFor();
        await ran('the attention list');

        // The detail: header, the form's fields (values, not markup), the
        // timeline with its authors, the warnings.
        await page.locator('.complaint-card', { hasText: '顾客<img' }).click();
        await page.getByTestId('detail-form').waitFor();
        assert.equal(await page.locator('#f-content').inputValue(), set.content);
        assert.equal(await page.locator('#f-customer_name').inputValue(), set.customer_name);
        const timeline = page.locator('[data-testid=timeline] > li');
        await timeline.filter({ hasText: '备注<' }).waitFor();
        assert.ok((await timeline.filter({ hasText: '备注<' }).innerText()).includes(set['tl.e2exssnote1'].text));
        assert.ok((await timeline.first().innerText()).includes('系统管理员'));
        await ran('the detail page');

        // A conflict whose other value is a payload: this tablet edits
        // 情况跟踪 offline while the other device sets it.
        await context.setOffline(true);
        await page.getByTestId('net-status').filter({ hasText: '离线' }).waitFor();
        await page.locator('#f-tracking').fill('本机：已联系顾客');
        await page.getByTestId('detail-form').getByRole('button', { name: '保存' }).click();
        await page.getByText('已保存').first().waitFor();
        const conflictValue = evil('冲突', 1);
        await pushOps(server, [op(rec, { tracking: conflictValue })]);
        await context.setOffline(false);
        await page.getByTestId('sync-now').click();
        const conflict = page.locator('[data-testid=conflict][data-field=tracking]');
        await conflict.waitFor({ timeout: 20_000 });
        assert.ok((await conflict.innerText()).includes(conflictValue), 'the conflict shows the payload as text');
        await ran('the conflict panel');

        // The history, opened.
        await page.getByTestId('history').locator('summary').click();
        await page.locator('[data-testid=history-entry]').first().waitFor();
        assert.ok((await page.getByTestId('history').innerText()).includes(conflictValue));
        await ran('the history');

        // The KPI page (the PDCA row's texts) and the report.
        await page.getByRole('link', { name: '统计' }).click();
        const pdca = page.locator('[data-testid=pdca-table] tr[data-kpi=handling]');
        await pdca.filter({ hasText: '分析<' }).waitFor({ timeout: 20_000 });
        const row = await pdca.innerText();
        assert.ok(row.includes('分析<img src=x onerror="window.__xss=1">{}{name}'), row);
        assert.ok(row.includes('{}{name}'), 'a template-looking text is saved and shown unchanged');
        await ran('the KPI page');
        await page.getByTestId('kpi-report-link').click();
        await page.getByTestId('report').waitFor();
        const report = await page.getByTestId('report').innerText();
        assert.ok(report.includes(set.customer_name), 'the report lists the customer as typed');
        assert.ok(report.includes('维修站'), report.slice(0, 200));
        await ran('the report');

        // The CSV: the branch label as a text cell.
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('kpi-csv').click()]);
        const csv = (await readFile(await download.path())).toString('utf8');
        assert.ok(csv.includes('维修站<img'), 'the CSV carries the text as typed');
        await ran('the CSV export');
      },
      { acceptDownloads: true },
    );
  });
});

test('the browser refuses an inline script injected into the page (Content-Security-Policy)', async () => {
  await withServer(async (server) => {
    await inContext(browser, 'xss-csp', async (page) => {
      const response = await page.goto(server.url);
      const csp = response.headers()['content-security-policy'];
      assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
      assert.equal(response.headers()['x-content-type-options'], 'nosniff');
      assert.equal(response.headers()['referrer-policy'], 'no-referrer');
      await openApp(page, server.url);
      const result = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const violations = [];
            document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
            const s = document.createElement('script');
            s.textContent = 'window.__inline = 1;';
            document.body.append(s);
            const h = document.createElement('div');
            h.setAttribute('onclick', 'window.__handler = 1');
            document.body.append(h);
            h.click();
            setTimeout(() => resolve({ inline: window.__inline, handler: window.__handler, violations }), 300);
          }),
      );
      assert.equal(result.inline, undefined, 'the inline script ran');
      assert.equal(result.handler, undefined, 'the inline event handler ran');
      assert.ok(result.violations.some((d) => d.startsWith('script-src')), JSON.stringify(result.violations));
      // The app itself runs under the policy: the sign-in form is there.
      await page.locator('input[name=username]').waitFor();
    });
  });
});
