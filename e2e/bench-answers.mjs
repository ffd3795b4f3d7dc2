// Figure: the standard answers' search as the user types, over N answers
// and teaching cases (default 5,000, every tenth a case) on a staff tablet, in headless Chromium from the release
// build. A benchmark, not a test: it prints figures and asserts nothing
// about speed.
//   node e2e/bench-answers.mjs [N]        (scripts/bench sets the env)
//
// The administrator pushes N generated answers (varied Chinese titles,
// keywords and texts of ~250 characters, some English keywords) through the
// sync API; a staff tablet pulls them with its first sync, goes offline and
// opens the answers page. Queries are typed key by key; after each key the
// app's own timing of the search and of drawing the results' fragment
// (performance.now() around the shared crate's `AnswerIndex::search`, shown
// in the page's footnote as `data-ms`, each search counted in `data-run`) is read, and the time from the key
// to the footnote changing, which includes the browser's layout.
import { launchBrowser, openApp, opId, signIn, startServer, synced } from './lib.js';

const N = Number(process.argv[2] || 5000);
const BATCH = 500;
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

const PARTS = ['刹车', '空调', '发动机', '变速箱', '方向盘', '车门', '天窗', '座椅', '仪表', '大灯', '轮胎', '雨刮', '电瓶', '音响', '导航', '油耗', '底盘', '排气管', '车窗', '后视镜'];
const SYMPTOMS = ['异响', '抖动', '漏水', '不工作', '报警', '有异味', '发热', '卡滞', '松动', '失灵', '闪烁', '偏软', '噪音大', '异常磨损'];
const WHEN = ['冷车时', '高速时', '下雨后', '启动时', '转弯时', '保养后', '停车时', '颠簸路面'];
const EN = ['noise', 'shudder', 'leak', 'warning light', 'smell', 'rattle', 'vibration'];
const CATEGORIES = ['SQ', 'SA', 'SP', 'S', 'OT'];

function answer(n) {
  const part = PARTS[n % PARTS.length];
  const symptom = SYMPTOMS[Math.floor(n / PARTS.length) % SYMPTOMS.length];
  const when = WHEN[Math.floor(n / (PARTS.length * SYMPTOMS.length)) % WHEN.length];
  const title = `${when}${part}${symptom}（${n}）`;
  const text =
    `客户反映${when}${part}${symptom}时，先询问出现的频率和条件，确认是否与近期维修保养有关。` +
    `请客户在安全地点停车，观察仪表提示并记录。若${part}${symptom}影响行车安全，立即安排救援；` +
    `否则预约进站检查，说明检查项目、预计时间和费用，保修期内按政策处理，处理后回访确认。`.repeat(2);
  const now = new Date().toISOString();
  // Every tenth is a teaching case (the case library is searched with the answers).
  const study =
    n % 10 === 9
      ? {
          case_background: `顾客投诉${when}${part}${symptom}，要求免费处理。`.repeat(3),
          case_handling: `检查确认${part}${symptom}的原因，按保修政策处理，回访顾客满意。`.repeat(3),
          case_stage: 'repair',
          case_source: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
          case_related: [],
        }
      : {};
  return {
    ...study,
    title,
    keywords: [`${part}${symptom}`, `${when}${symptom}`, `${part} ${EN[n % EN.length]}`],
    answer: text,
    steps: ['确认故障现象与条件', '请客户安全停车并观察仪表', '必要时预约进站'],
    category: CATEGORIES[n % CATEGORIES.length],
    models: [],
    author: '系统管理员',
    editor: '系统管理员',
    updated_at: now,
    version: 1,
    created_at: now,
  };
}

const server = await startServer();
const browser = await launchBrowser();
try {
  const token = await server.token('admin', 'bench-answers');
  const started = Date.now();
  for (let first = 0; first < N; first += BATCH) {
    const ops = [];
    for (let n = first; n < Math.min(N, first + BATCH); n += 1) {
      ops.push({ id: opId('bans'), rec: `ans:all:gen-${n}`, hlc: `${Date.now()}-${n}`, dev: 'bench-answers', set: answer(n) });
    }
    const res = await fetch(`${server.url}/api/v1/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ device: 'bench-answers', ops }),
    });
    const body = await res.json();
    const refused = body.results?.filter((r) => r.status !== 'accepted') ?? [];
    if (res.status !== 200 || refused.length) throw new Error(`push: ${res.status} ${JSON.stringify(refused[0] ?? body)}`);
  }
  console.log(`answers search: ${N} answers pushed in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await openApp(page, server.url);
  const pulling = Date.now();
  await signIn(page, server, 'zhang.wei');
  await synced(page);
  await page.getByTestId('answers-link').click();
  const total = N + 22; // and the demo's answers this user reads (all, region HB, branch BJ01)
  await page.locator('[data-testid=answers-timing]').filter({ hasText: `本机共 ${total} 条` }).waitFor({ timeout: 300_000 });
  console.log(`answers search: a staff tablet pulled and listed ${total} answers in ${((Date.now() - pulling) / 1000).toFixed(1)} s`);
  await context.setOffline(true);

  const box = page.getByTestId('answer-search');
  const foot = page.getByTestId('answers-timing');
  const searched = [];
  const shown = [];
  for (const query of ['刹车抖动', '高速方向盘异响', 'brake shudder', '空调 漏水']) {
    await box.fill('');
    await page.waitForTimeout(50);
    let typed = '';
    for (const key of query) {
      typed += key;
      const before = await foot.getAttribute('data-run');
      const t0 = await page.evaluate(() => performance.now());
      await box.pressSequentially(key);
      // The footnote is redrawn with the search's own time once the results are.
      const after = await page.waitForFunction(
        ([q, prev]) => {
          const box = document.querySelector('[data-testid=answer-search]');
          const f = document.querySelector('[data-testid=answers-timing]');
          return box.value === q && f && f.getAttribute('data-run') !== prev ? performance.now() : false;
        },
        [typed, before],
        { polling: 'raf' },
      );
      shown.push((await after.jsonValue()) - t0);
      searched.push(Number(await foot.getAttribute('data-ms')));
    }
    console.log(`answers search: "${query}" → ${await foot.innerText()}`);
  }
  console.log(
    `answers search over ${total} answers (aim ≤ 20 ms per keystroke): search + results drawn median ${median(searched).toFixed(1)} ms, ` +
      `p95 ${p95(searched).toFixed(1)} ms, max ${Math.max(...searched).toFixed(1)} ms over ${searched.length} keystrokes; ` +
      `key to results on screen median ${median(shown).toFixed(1)} ms, max ${Math.max(...shown).toFixed(1)} ms`,
  );
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}
