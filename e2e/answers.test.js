// Standard answers, end to end: the real server binary with its demo
// answers, the release build and Debian's Chromium. Staff search offline
// by a partial Chinese phrase and in English; a complaint suggests the right
// answer and "used this answer" reaches the server on reconnect; a branch
// manager writes and edits answers offline and staff tablets get them on
// their next sync; staff cannot edit, and a manager cannot edit an answer
// outside their scope.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, fillForm, inContext, launchBrowser, openSignedIn, serverOps, synced, withServer } from './lib.js';

/** Waits until the device holds the demo's starter answers (the first sync brought them). */
async function answersArrived(page) {
  await page.getByTestId('answers-link').click();
  await page.getByTestId('answers').waitFor({ timeout: 20_000 });
}

/** Types `text` into the answers' search box, key by key, as a user would. */
async function search(page, text) {
  const box = page.getByTestId('answer-search');
  await box.fill('');
  await box.pressSequentially(text);
}

/** The titles of the answers listed, best first. */
function titles(page) {
  return page.locator('[data-testid=answers] .answer__title').allInnerTexts();
}

/** The op of every "used this answer" timeline entry on the server. */
async function usesOnServer(server) {
  const ops = await serverOps(server);
  return ops.flatMap((op) =>
    Object.entries(op.set)
      .filter(([k, v]) => k.startsWith('tl.') && v && v.kind === 'answer')
      .map(([, v]) => ({ rec: op.rec, ...v })),
  );
}

async function syncNow(page) {
  await page.getByTestId('sync-now').click();
  await synced(page);
}

describe('standard answers', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('staff find an answer offline by a partial Chinese phrase and in English, highlighted, and cannot edit', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'answers-search', async (page, context) => {
        await openSignedIn(page, server, 'zhang.wei');
        await synced(page);
        await answersArrived(page);
        await context.setOffline(true);
        await page.getByTestId('net-status').getByText('离线').waitFor();

        await search(page, '刹车抖');
        await eventually(async () => (await titles(page))[0] === '高速制动时方向盘抖动', 'brake answer first');
        // The matched words are marked.
        const marks = await page.locator('[data-testid=answers] .answer').first().locator('mark').allInnerTexts();
        assert.ok(marks.length > 0, 'matches are highlighted');

        await search(page, 'brake shud');
        await eventually(async () => (await titles(page)).includes('高速制动时方向盘抖动'), 'English prefix finds it');

        // A category filter that the answer does not belong to leaves it out.
        await page.getByTestId('answer-category').selectOption({ label: '销售类' });
        await eventually(async () => !(await titles(page)).includes('高速制动时方向盘抖动'), 'filtered out');
        await page.getByTestId('answer-category').selectOption({ value: '' });

        // The search is timed under the list (the bench reads it too).
        const ms = Number(await page.getByTestId('answers-timing').getAttribute('data-ms'));
        assert.ok(Number.isFinite(ms) && ms >= 0, `timing ${ms}`);

        // Staff read, never write: no new-answer button, no edit link, and
        // the editor's address says so.
        assert.equal(await page.getByTestId('new-answer').count(), 0);
        assert.equal(await page.getByTestId('edit-answer').count(), 0);
        await page.evaluate(() => {
          history.pushState(null, '', '/answers/ans:all:brake-shudder');
          dispatchEvent(new PopStateEvent('popstate'));
        });
        await page.getByTestId('answer-not-allowed').waitFor();
        assert.equal(await page.getByTestId('answer-editor').count(), 0);
      });
    });
  });

  test('a complaint suggests the right answer, and "used this answer" made offline reaches the server on reconnect', async () => {
    await withServer(async (server) => {
      await inContext(browser, 'answers-use', async (page, context) => {
        await openSignedIn(page, server, 'zhang.wei');
        await synced(page);
        await answersArrived(page);
        await page.getByRole('link', { name: '新建投诉' }).click();
        await page.getByTestId('intake-form').waitFor();
        await fillForm(page, {
          投诉顾客姓名: '周先生',
          联系电话: '139 0000 1234',
          投诉渠道: '电话投诉',
          投诉分类: '产品质量类',
          车辆故障或投诉内容: '上高速后一踩刹车方向盘就抖，刹车抖动越来越厉害，已经来修过一次。',
        });
        await page.getByRole('button', { name: '保存', exact: true }).click();
        await page.waitForURL(`${server.url}/`);
        await synced(page);

        await context.setOffline(true);
        await page.locator('.complaint-card', { hasText: '周先生' }).click();
        const suggestion = page.locator('[data-testid=suggestion][data-id="ans:all:brake-shudder"]');
        await suggestion.waitFor();
        assert.equal(
          await page.locator('[data-testid=suggestion]').first().getAttribute('data-id'),
          'ans:all:brake-shudder',
          'the brake answer is suggested first',
        );
        await suggestion.getByTestId('use-answer').click();
        const entry = page.locator('[data-testid=timeline] > li[data-kind=answer]');
        await entry.waitFor();
        assert.match(await entry.innerText(), /高速制动时方向盘抖动/);
        assert.match(await entry.innerText(), /第 1 版/);
        assert.deepEqual(await usesOnServer(server), [], 'nothing reaches the server while offline');

        await context.setOffline(false);
        const uses = await eventually(async () => {
          const u = await usesOnServer(server);
          return u.length === 1 && u;
        }, 'the use reaches the server');
        assert.equal(uses[0].answer, 'ans:all:brake-shudder');
        assert.equal(uses[0].version, 1);
        assert.equal(uses[0].by, '张伟');

        // The answer shows how often it was used.
        await page.getByTestId('answers-link').click();
        await search(page, '刹车抖动');
        await page.locator('.answer[data-id="ans:all:brake-shudder"] .answer__meta', { hasText: '已采用 1 次' }).waitFor();
      });
    });
  });

  test("a branch manager's answers written and edited offline reach staff tablets; each may only edit their own scope", async () => {
    await withServer(async (server) => {
      await inContext(browser, 'answers-manager', async (manager, managerContext) => {
        await inContext(browser, 'answers-staff', async (staff) => {
          await openSignedIn(manager, server, 'li.na');
          await synced(manager);
          await answersArrived(manager);
          await openSignedIn(staff, server, 'zhang.wei');
          await synced(staff);

          // li.na manages BJ01: its answers are hers to edit, the maker's are not.
          const own = manager.locator('.answer[data-id="ans:branch:BJ01:weekend-hours"]');
          await search(manager, '周末');
          await own.waitFor();
          assert.equal(await own.getByTestId('edit-answer').count(), 1);
          await search(manager, '胎压');
          await manager.locator('.answer[data-id="ans:all:tpms-light"]').waitFor();
          assert.equal(await manager.locator('.answer[data-id="ans:all:tpms-light"] [data-testid=edit-answer]').count(), 0);

          await managerContext.setOffline(true);
          await manager.getByTestId('net-status').getByText('离线').waitFor();
          // A new answer, offline.
          await manager.getByTestId('new-answer').click();
          const editor = manager.getByTestId('answer-editor');
          await editor.waitFor();
          // Refused with the rule named, nothing lost.
          await editor.locator('textarea[name=answer]').fill('先确认客户的预约时间，再安排接车。');
          await manager.getByTestId('save-answer').click();
          await manager.getByTestId('answer-error').getByText('请填写标题').waitFor();
          await editor.locator('input[name=title]').fill('雨天接车排队太久');
          await editor.locator('textarea[name=keywords]').fill('接车排队\n等太久');
          await manager.getByTestId('save-answer').click();
          await manager.waitForURL(`${server.url}/answers`);
          // And an edit of the branch's answer, offline.
          await search(manager, '周末');
          await own.getByTestId('edit-answer').click();
          await editor.waitFor();
          const title = editor.locator('input[name=title]');
          await title.fill(`${await title.inputValue()}（冬季）`);
          await manager.getByTestId('save-answer').click();
          await manager.waitForURL(`${server.url}/answers`);

          await managerContext.setOffline(false);
          await synced(manager);

          // The staff tablet takes them in at its next sync.
          await syncNow(staff);
          await staff.getByTestId('answers-link').click();
          await search(staff, '接车排队');
          await eventually(async () => (await titles(staff)).includes('雨天接车排队太久'), 'new answer on the staff tablet');
          await search(staff, '周末');
          const edited = staff.locator('.answer[data-id="ans:branch:BJ01:weekend-hours"]');
          await edited.locator('.answer__title', { hasText: '（冬季）' }).waitFor();
          await edited.locator('.answer__meta', { hasText: '第 2 版' }).waitFor();
          await edited.locator('.answer__meta', { hasText: '李娜' }).waitFor();
        });
      });
    });
  });

  test('the demo start shows each demo user the sample complaints and answers their scope allows', async () => {
    await withServer(
      async (server) => {
        for (const [user, complaints, answers] of [
          ['zhang.wei', ['刘志远', '王秀兰', '赵建国', '孙立新'], 22],
          ['zhao.lei', ['刘志远', '王秀兰', '赵建国', '孙立新', '周晓梅', '吴国强', '郑丽娟', '冯志强'], 22],
          ['chen.jie', ['何静', '马永刚', '林晓东', '谢文博'], 20],
        ]) {
          await inContext(browser, `demo-start-${user}`, async (page) => {
            await openSignedIn(page, server, user);
            await synced(page);
            const names = await eventually(async () => {
              const n = await page.locator('.complaint-card__name').allInnerTexts();
              return n.length === complaints.length && n;
            }, `${user} lists ${complaints.length} complaints`);
            assert.deepEqual([...names].sort(), [...complaints].sort(), user);
            // Something needs attention on first start (an overdue first contact, a major complaint…).
            await page.getByTestId('attention-count').waitFor();
            await page.getByTestId('answers-link').click();
            await page.getByTestId('answers-timing').filter({ hasText: `本机共 ${answers} 条` }).waitFor();
          });
        }
      },
      { samples: true },
    );
  });

  test('a manager writes up a closed complaint as a teaching case without the customer\'s personal data; staff find it beside the answers', async () => {
    await withServer(
      async (server) => {
        await inContext(browser, 'case-manager', async (page, context) => {
          await openSignedIn(page, server, 'li.na');
          await synced(page);
          await answersArrived(page);
          await page.getByRole('link', { name: '投诉列表' }).click();
          await page.locator('.complaint-card', { hasText: '刘志远' }).click();
          await context.setOffline(true);
          await page.getByTestId('make-case').click();
          const editor = page.getByTestId('answer-editor');
          await editor.waitFor();
          const texts = await editor.evaluate((form) =>
            [...form.querySelectorAll('input, textarea')].map((e) => e.value).join('\n'),
          );
          assert.match(texts, /方向盘严重抖动/, 'the background is there');
          for (const personal of ['刘志远', '刘先生', '138-0000-0101', '京A·D0101', 'LDEMA1CB6N0000001']) {
            assert.ok(!texts.includes(personal), `${personal} left out`);
          }
          assert.equal(await editor.locator('select[name=stage]').inputValue(), 'repair');
          await editor.locator('textarea[name=keywords]').fill('光盘\n制动抖动复修');
          await page.getByTestId('save-answer').click();
          await page.waitForURL(`${server.url}/answers`);
          await context.setOffline(false);
          await synced(page);
        });
        await inContext(browser, 'case-staff', async (page) => {
          await openSignedIn(page, server, 'zhang.wei');
          await synced(page);
          await answersArrived(page);
          await search(page, '光盘');
          const card = page.locator('.answer', { hasText: '教学案例' }).first();
          await card.waitFor();
          assert.match(await card.innerText(), /修理\/进行工作/);
          assert.equal(await card.getByTestId('edit-answer').count(), 0);
          // The answer it relates to links to it.
          await search(page, '刹车抖动');
          const links = page.locator('.answer[data-id="ans:all:brake-shudder"] [data-testid=related-cases] a');
          await links.first().waitFor();
          await links.first().click();
          await page.getByTestId('answer-not-allowed').waitFor();
          assert.match(await page.locator('.answer').innerText(), /经验教训/);
        });
      },
      { samples: true },
    );
  });
});
