// Figures: sync of the release build against the release server (SQLite), in
// headless Chromium. A benchmark, not a test: it prints figures and asserts
// nothing about speed; it exits non-zero only when something fails.
//   node e2e/bench-sync.mjs [N]        (N complaints, default 10000; scripts/bench sets the env)
//
// Both tablets are signed in as the demo administrator (the generated
// complaints are filed under GZ branches, outside every other demo scope).
// 1. seed N generated complaints (~1.2 KB JSON, Chinese text) on tablet A,
//    offline, in the app's storage format, 500 to a transaction (`seed.js`);
// 2. A goes online and pushes them: time until nothing waits, requests, bytes;
// 3. a fresh tablet B signs in and pulls them into IndexedDB: time from
//    pressing 登录 until the list reads "共 N 条", requests (the login
//    included), bytes;
// 4. bytes on the wire for one new complaint, a one-field edit (A pushes, B
//    pulls) and a "Sync now" with nothing new;
// 5. server ingest from node over HTTP: batches of 500 creation ops.
//
// Times in the page are taken there: a MutationObserver notes when the sync
// bar and the list first show a value, and IndexedDB's transaction/get/put/
// delete are wrapped to note each transaction's start, first write and end
// (the "where the time goes" lines); requests are timed by Chromium.
// BENCH_DEBUG=1 also prints the fresh device's timeline (requests and
// IndexedDB transactions).
//
// Bytes are what crosses the wire for /api/ calls: request headers + body and
// response headers + (gzip-encoded) body, from Playwright's request.sizes().
// 1 KB = 1000 bytes.
import { fillForm, launchBrowser, openApp, signIn, startServer } from './lib.js';
import { seedLocalComplaints } from './seed.js';

const N = Number(process.argv[2] || 10_000);
const SEED_CHUNK = 2000;
const INGEST_OPS = 20_000;
const INGEST_BATCH = 500;

const kb = (b) => (b / 1000).toFixed(1);
const s = (ms) => (ms / 1000).toFixed(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/** Records every /api/ request of a page: start, timing, sizes. */
function track(page) {
  const t = { n: 0, inflight: 0, last: Date.now(), index: new Map(), done: [] };
  const isApi = (r) => new URL(r.url()).pathname.startsWith('/api/');
  page.on('request', (r) => {
    if (!isApi(r)) return;
    t.index.set(r, t.n++);
    t.inflight++;
    t.last = Date.now();
  });
  const finish = async (r, failed) => {
    if (!t.index.has(r)) return;
    let sizes = { requestHeadersSize: 0, requestBodySize: 0, responseHeadersSize: 0, responseBodySize: 0 };
    try {
      sizes = await r.sizes();
    } catch {
      /* a failed request has no sizes */
    }
    const timing = r.timing();
    let raw;
    if (t.bodies && !failed) {
      try {
        raw = (await (await r.response()).body()).length;
      } catch {
        /* no body */
      }
    }
    const path = new URL(r.url()).pathname.replace('/api/v1/sync/', '');
    t.done.push({ i: t.index.get(r), path, failed, timing, raw, ...sizes });
    t.inflight--;
    t.last = Date.now();
  };
  page.on('requestfinished', (r) => finish(r, false));
  page.on('requestfailed', (r) => finish(r, true));
  /** The requests issued since mark `from` (a value of `t.n`). */
  t.since = (from, to = Infinity) =>
    t.done.filter((q) => q.i >= from && q.i < to).sort((a, b) => a.i - b.i);
  return t;
}

function wire(reqs) {
  const up = reqs.reduce((a, q) => a + q.requestHeadersSize + q.requestBodySize, 0);
  const down = reqs.reduce((a, q) => a + q.responseHeadersSize + q.responseBodySize, 0);
  return { n: reqs.length, up, down, total: up + down, paths: reqs.map((q) => q.path).join('+') };
}

/** Each request's bytes: request headers + body / response headers + body. */
const parts = (reqs) =>
  reqs
    .map(
      (q) =>
        `${q.path} ${q.requestHeadersSize}+${q.requestBodySize} B up, ${q.responseHeadersSize}+${q.responseBodySize} B down` +
        (q.raw !== undefined && q.raw !== q.responseBodySize ? ` (body ${q.raw} B before gzip)` : ''),
    )
    .join(', ');

/** Sum of request durations (start to last byte), and of server waits (request sent to first byte). */
function httpTime(reqs) {
  let total = 0;
  let wait = 0;
  for (const q of reqs) {
    total += Math.max(0, q.timing.responseEnd);
    wait += Math.max(0, q.timing.responseStart - q.timing.requestStart);
  }
  return { total, wait };
}

/** Waits until the page has no /api/ request in flight for `ms` and no sync runs. */
async function quiet(page, t, ms = 700) {
  await page.getByTestId('sync-now').and(page.locator('[aria-busy=false]')).waitFor({ timeout: 60_000 });
  const deadline = Date.now() + 60_000;
  while (t.inflight > 0 || Date.now() - t.last < ms) {
    if (Date.now() > deadline) throw new Error('the page never went quiet');
    await sleep(50);
  }
  if ((await page.getByTestId('sync-now').getAttribute('aria-busy')) === 'true') return quiet(page, t, ms);
}

/** Presses "Sync now" and resolves once the sync it starts has sent its first request. */
async function syncNow(page) {
  const started = page.waitForRequest('**/api/v1/sync/**', { timeout: 10_000 });
  await page.getByTestId('sync-now').click();
  await started;
}

async function pending(page, n, timeout = 120_000) {
  await page.getByTestId('sync-pending').and(page.locator(`[data-count="${n}"]`)).waitFor({ timeout });
}

/** Every op in the server's log, pulled (as an administrator) by a device that pushed nothing; with the JSON size. */
async function serverOps(server) {
  const token = await server.token('admin', 'observer');
  const ops = [];
  let after = '';
  let bytes = 0;
  for (;;) {
    const res = await fetch(`${server.url}/api/v1/sync/pull?after=${after}&limit=2000&device=observer`, {
      headers: { 'accept-encoding': 'identity', authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) throw new Error(`observer pull answered ${res.status}`);
    const text = await res.text();
    bytes += Buffer.byteLength(text);
    const page = JSON.parse(text);
    // Without the demo's 22 starter answers (`ans:…`): the figures count complaints.
    ops.push(...page.ops.filter((op) => !op.rec.startsWith('ans:')));
    after = page.cursor;
    if (!page.more) return { ops, bytes };
  }
}

/**
 * Runs in every page before the app: records, in epoch ms, when the sync bar's
 * count and the list's count first show each value (a MutationObserver, so
 * not delayed by Playwright's polling), and every IndexedDB transaction (its
 * stores, mode, start, first write, end, number of reads and writes).
 */
function instrument() {
  const now = () => performance.timeOrigin + performance.now();
  const bench = (window.__bench = { marks: {}, tx: [] });
  const mark = (key) => {
    if (!(key in bench.marks)) bench.marks[key] = now();
  };
  const look = () => {
    const p = document.querySelector('[data-testid=sync-pending]');
    if (p) mark(`pending:${p.getAttribute('data-count')}`);
    const c = document.querySelector('.list-count');
    if (c) mark(`list:${c.textContent}`);
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  const transaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (...args) {
    const tx = transaction.apply(this, args);
    const rec = { stores: [...tx.objectStoreNames].join(','), mode: tx.mode, start: now(), write: 0, end: 0, reads: 0, writes: 0 };
    bench.tx.push(rec);
    tx.__rec = rec;
    tx.addEventListener('complete', () => (rec.end = now()));
    tx.addEventListener('abort', () => (rec.end = now()));
    return tx;
  };
  for (const [name, kind] of [['get', 'reads'], ['getAll', 'reads'], ['getAllKeys', 'reads'], ['put', 'writes'], ['delete', 'writes']]) {
    const f = IDBObjectStore.prototype[name];
    IDBObjectStore.prototype[name] = function (...args) {
      const rec = this.transaction.__rec;
      if (!rec) return f.apply(this, args);
      rec[kind]++;
      if (kind === 'writes') {
        if (typeof args[0] === 'string') rec.bytes = (rec.bytes || 0) + args[0].length;
        if (!rec.write) rec.write = now();
      }
      const request = f.apply(this, args);
      if (kind === 'writes') rec.lastWrite = now(); // after the value was cloned into the request
      else request.addEventListener('success', () => (rec.lastRead = now()));
      return request;
    };
  }
}

/** IndexedDB transactions of a page that started in [from, to] (epoch ms). */
async function transactions(page, from, to = Infinity) {
  for (let tries = 0; ; tries++) {
    const txs = (await page.evaluate(() => window.__bench.tx)).filter((x) => x.start >= from && x.start <= to);
    if (txs.every((x) => x.end) || tries > 50) return txs.filter((x) => x.end);
    await sleep(100); // one still running: wait for its end
  }
}

const sum = (xs, f) => xs.reduce((a, x) => a + f(x), 0);

let step = 'start';
const rows = [];
const notes = [];
const row = (figure, time, w) =>
  rows.push([figure, time ?? '', w ? String(w.n) : '', w ? kb(w.up) : '', w ? kb(w.down) : '', w ? kb(w.total) : '']);

const server = await startServer();
const browser = await launchBrowser();
try {
  const ctxA = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 768 } });
  await ctxA.addInitScript(instrument);
  const a = await ctxA.newPage();
  const ta = track(a);

  // ---- 1. write N complaints on A, offline
  step = 'open tablet A';
  // The generated complaints are filed under GZ branches: an administrator's tablets.
  await openApp(a, server.url);
  await signIn(a, server, 'admin');
  await quiet(a, ta);
  await ctxA.setOffline(true);
  step = `seed ${N} complaints on A`;
  let seedMs = 0;
  for (let first = 0; first < N; first += SEED_CHUNK) {
    const n = Math.min(SEED_CHUNK, N - first);
    // 500 to a transaction: seeding, not the app's own save (bench-save times that).
    seedMs += await seedLocalComplaints(a, n, first, { perTx: 500 });
  }
  row(`seed ${N} complaints locally (offline, 500 to an IDB transaction)`, `${s(seedMs)} s`);
  await a.reload();
  await pending(a, N);
  await a.getByTestId('sync-problem').waitFor({ timeout: 30_000 }); // the start-up sync failed: offline
  await quiet(a, ta);

  // ---- 2. A pushes them
  step = `push ${N} complaints from A`;
  await a.evaluate(() => {
    window.__bench.marks = {};
    window.__bench.tx = [];
  });
  const pushMark = ta.n;
  const pushStarted = a.waitForRequest('**/api/v1/sync/push', { timeout: 5_000 });
  const pushT0 = Date.now();
  await ctxA.setOffline(false); // the `online` event starts a sync
  await pushStarted.catch(() => a.getByTestId('sync-now').click());
  await pending(a, 0);
  await quiet(a, ta);
  const pushMs = (await a.evaluate(() => window.__bench.marks['pending:0'])) - pushT0;
  const end = (q) => q.timing.startTime + q.timing.responseEnd;
  const syncMs = Math.max(...ta.since(pushMark).map(end)) - pushT0;
  const pushReqs = ta.since(pushMark).filter((q) => q.path === 'push');
  const server1 = await serverOps(server);
  if (server1.ops.length !== N) throw new Error(`the server has ${server1.ops.length} ops, expected ${N}`);
  if (pushReqs.some((q) => q.failed)) throw new Error('a push request failed');
  const pw = wire(pushReqs);
  row(`push ${N}: online -> "0 waiting" (server then has ${server1.ops.length} ops)`, `${s(pushMs)} s`, pw);
  row("  -> the sync's pull answered (own ops skipped): sync done", `${s(syncMs)} s`, wire(ta.since(pushMark).filter((q) => q.path !== 'push')));
  {
    const h = httpTime(pushReqs);
    const first = pushReqs[0].timing.startTime - pushT0;
    const txs = await transactions(a, pushT0, pushT0 + pushMs);
    const settle = txs.filter((x) => x.stores === 'outbox_queue' && x.mode === 'readwrite');
    const read = txs.filter((x) => x.stores === 'outbox_queue' && x.mode === 'readonly');
    const settleMs = sum(settle, (x) => x.end - x.start);
    notes.push(
      `push: ${pushReqs.length} requests of <=500 ops, ${(pw.up / N).toFixed(0)} B up per op (JSON, gzipped by the browser from 512 B). ` +
        `Of ${s(pushMs)} s: HTTP ${s(h.total)} s (server ${s(h.wait)} s = ${(h.wait / pushReqs.length).toFixed(0)} ms per batch); ` +
        `before the first request ${s(first)} s (reading + decoding the outbox ${s(sum(read.slice(0, 1), (x) => x.end - x.start))} s); ` +
        `settling the outbox ${s(settleMs)} s in ${settle.length} transactions of ${settle.length ? Math.round(sum(settle, (x) => x.writes) / settle.length) : 0} range deletes each, ` +
        `each while the next batch is sent; time not covered by the requests (before, between, after them) ${s(pushMs - h.total)} s`,
    );
  }

  // ---- 3. a fresh tablet B pulls them
  step = `fresh tablet B pulls ${N}`;
  const ctxB = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 768 } });
  await ctxB.addInitScript(instrument);
  const b = await ctxB.newPage();
  const tb = track(b);
  await b.goto(server.url);
  await b.locator('input[name=username]').fill('admin');
  await b.locator('input[name=password]').fill(server.password);
  const pullT0 = Date.now();
  await b.locator('button[type=submit]:not([data-lang])').click();
  const listed = `共 ${N} 条`;
  await b.locator('.list-count', { hasText: listed }).waitFor({ timeout: 180_000 });
  await quiet(b, tb);
  const pullMs = (await b.evaluate((k) => window.__bench.marks[k], `list:${listed}`)) - pullT0;
  const pullReqs = tb.since(0);
  const plw = wire(pullReqs);
  row(`fresh device: sign-in -> list shows "${listed}"`, `${s(pullMs)} s`, plw);
  {
    const pulls = pullReqs.filter((q) => q.path === 'pull');
    const h = httpTime(pulls);
    const first = pulls[0].timing.startTime - pullT0;
    const lastEnd = Math.max(...pulls.map(end));
    const txs = await transactions(b, pullT0, pullT0 + pullMs);
    // apply_pulled: complaints + record_states + settings, read-write
    const applies = txs.filter((x) => x.mode === 'readwrite' && x.stores === 'complaints,record_states,settings');
    const readsMerge = sum(applies, (x) => (x.write || x.end) - x.start);
    const writes = sum(applies, (x) => x.end - (x.write || x.end));
    const reads = sum(applies, (x) => (x.lastRead || x.start) - x.start);
    const queueing = sum(applies, (x) => (x.lastWrite || x.end) - (x.write || x.end));
    // from each page's last byte to its transaction: decoding the JSON page
    let decode = 0;
    for (const q of pulls) {
      const tx = applies.find((x) => x.start >= end(q));
      if (tx) decode += tx.start - end(q);
    }
    const listRead = txs.filter((x) => x.mode === 'readonly' && x.stores === 'complaints' && x.start >= lastEnd);
    const listReadMs = sum(listRead, (x) => (x.lastRead || x.end) - x.start);
    if (process.env.BENCH_DEBUG) {
      const ev = [];
      for (const q of pulls) ev.push([q.timing.startTime - pullT0, `pull start (send ${q.timing.requestStart.toFixed(0)}, first byte ${q.timing.responseStart.toFixed(0)}, end ${q.timing.responseEnd.toFixed(0)})`], [end(q) - pullT0, 'pull end']);
      for (const x of txs) ev.push([x.start - pullT0, `tx ${x.mode} ${x.stores} r${x.reads} w${x.writes} write@${(x.write ? x.write - pullT0 : 0).toFixed(0)} end@${(x.end - pullT0).toFixed(0)}`]);
      ev.sort((p, q) => p[0] - q[0]);
      for (const [at, what] of ev) console.log(`    ${at.toFixed(0).padStart(6)} ${what}`);
    }
    const applied = Math.max(lastEnd, ...applies.map((x) => x.end));
    const written = sum(applies, (x) => x.bytes || 0);
    notes.push(
      `pull: ${pulls.length} pages of <=1000 ops, ${kb(plw.down)} KB down (gzip; ${kb(server1.bytes)} KB as JSON). ` +
        `Of ${s(pullMs)} s: sign-in (one login request) to first pull ${s(first)} s; HTTP ${s(h.total)} s (server ${s(h.wait)} s; each page after the first is asked for while the one before is stored); ` +
        `from a page's last byte to its transaction ${s(decode)} s (decoding; a page that arrived while the one before was stored waits for it); IndexedDB transaction per page ${s(readsMerge + writes)} s ` +
        `(${applies.length} transactions: reading the states ${s(reads)} s, merging ${s(readsMerge - reads)} s, ` +
        `serialising + queueing ${Math.round(sum(applies, (x) => x.writes) / Math.max(1, applies.length))} puts each ${s(queueing)} s ` +
        `(${(written / 1e6).toFixed(1)} M chars of JSON in all), writing + commit ${s(writes - queueing)} s); ` +
        `after the last page is stored ${s(pullT0 + pullMs - applied)} s (IndexedDB getAll of every complaint ${s(listReadMs)} s, then decoding, sorting and rendering the list)`,
    );
  }

  // ---- 4a. one new complaint on A
  step = 'one new complaint on A';
  ta.bodies = tb.bodies = true; // small requests from here on: also read their decoded size
  await quiet(a, ta);
  await a.locator('a.topbar__link[href="/new"]').click();
  await a.getByLabel('投诉顾客姓名', { exact: false }).first().waitFor();
  await quiet(a, ta);
  const newMark = ta.n;
  await fillForm(a, {
    维修站代码: 'GZ01',
    投诉顾客姓名: '基准测试甲',
    联系电话: '13711112222',
    投诉渠道: '电话投诉',
    投诉分类: '产品质量类',
    车辆故障或投诉内容: '空调不制冷，已维修两次，顾客要求更换压缩机并延长保修。',
  });
  const newPushed = a.waitForRequest('**/api/v1/sync/push', { timeout: 10_000 });
  await a.getByRole('button', { name: '保存' }).click();
  await a.waitForURL(`${server.url}/`);
  await newPushed;
  await pending(a, 0);
  await quiet(a, ta);
  const newW = wire(ta.since(newMark));
  row(`one new complaint, A syncs (${newW.paths})`, '', newW);
  notes.push(`one new complaint, headers+body: ${parts(ta.since(newMark))}`);

  // B takes it in, so that the edit below is all B pulls next.
  await quiet(b, tb);
  const bNewMark = tb.n;
  await syncNow(b);
  await b.locator('.list-count', { hasText: `共 ${N + 1} 条` }).waitFor({ timeout: 30_000 });
  await quiet(b, tb);
  const bNewW = wire(tb.since(bNewMark));
  row(`  B's "Sync now" receiving it (${bNewW.paths})`, '', bNewW);

  // ---- 4b. one-field edit on A, pushed by A, pulled by B
  step = 'one-field edit on A';
  await a.locator('#search').fill('基准测试甲');
  await a.locator('.complaint-card', { hasText: '基准测试甲' }).click();
  const tracking = a.getByLabel('情况跟踪和目前维修状态');
  await tracking.waitFor();
  await quiet(a, ta);
  const editMark = ta.n;
  await tracking.fill('已预约更换压缩机');
  const editPushed = a.waitForRequest('**/api/v1/sync/push', { timeout: 10_000 });
  await a.getByRole('button', { name: '保存' }).click();
  await a.getByText('已保存', { exact: true }).waitFor();
  await editPushed;
  await pending(a, 0);
  await quiet(a, ta);
  const editA = ta.since(editMark);
  const editPush = wire(editA.filter((q) => q.path === 'push'));
  const editAW = wire(editA);
  row('one-field edit: A\'s push', '', editPush);
  row(`  A's whole sync (${editAW.paths})`, '', editAW);
  step = 'B pulls the edit';
  const editBMark = tb.n;
  const editBT0 = Date.now();
  await syncNow(b);
  await quiet(b, tb);
  {
    const done = Math.max(...tb.since(editBMark).map(end));
    const txs = await transactions(b, editBT0);
    const listRead = txs.filter((x) => x.mode === 'readonly' && x.stores === 'complaints' && x.start >= done);
    notes.push(
      `B's sync receiving the one-field edit: last byte ${s(done - editBT0)} s after the click; then reading ` +
        `complaints for the list (of ${N + 1}) in ${listRead.length} read-only transaction(s), ` +
        `${s(sum(listRead, (x) => x.end - x.start))} s`,
    );
  }
  const editB = wire(tb.since(editBMark));
  row(`  B's "Sync now" pulling it (${editB.paths})`, '', editB);
  const rt = { n: editPush.n + editB.n, up: editPush.up + editB.up, down: editPush.down + editB.down };
  rt.total = rt.up + rt.down;
  row('  round trip: A\'s push + B\'s pull', '', rt);
  const rtAll = { n: editAW.n + editB.n, up: editAW.up + editB.up, down: editAW.down + editB.down };
  rtAll.total = rtAll.up + rtAll.down;
  row('  round trip, every request (with A\'s empty pull)', '', rtAll);
  notes.push(`one-field edit, headers+body: A ${parts(editA)}; B ${parts(tb.since(editBMark))}`);
  // B really has it
  await b.locator('#search').fill('基准测试甲');
  await b.locator('.complaint-card', { hasText: '基准测试甲' }).click();
  const seen = await b.getByLabel('情况跟踪和目前维修状态').inputValue();
  if (seen !== '已预约更换压缩机') throw new Error(`B shows tracking ${JSON.stringify(seen)} after its pull`);

  // ---- 4c. "Sync now" with nothing new
  step = '"Sync now" with nothing new';
  await quiet(b, tb);
  const idleMark = tb.n;
  await syncNow(b);
  await quiet(b, tb);
  const idle = wire(tb.since(idleMark));
  row(`"Sync now" with nothing new (${idle.paths})`, '', idle);
  notes.push(`nothing new, headers+body: ${parts(tb.since(idleMark))}`);
  await ctxA.close();
  await ctxB.close();

  // ---- 5. server ingest over HTTP from node
  step = 'server ingest';
  const sample = server1.ops[0];
  const ingestToken = await server.token('admin', 'bench-device');
  const batches = [];
  let sent = 0;
  let counter = 0;
  const ingestT0 = Date.now();
  for (let k = 0; k < INGEST_OPS / INGEST_BATCH; k++) {
    const ops = [];
    for (let j = 0; j < INGEST_BATCH; j++) {
      const i = k * INGEST_BATCH + j;
      const rec = crypto.randomUUID();
      ops.push({
        id: `ingest${String(i).padStart(10, '0')}`,
        rec,
        hlc: `${Date.now()}-${counter++}`,
        dev: 'bench-device',
        set: { ...sample.set, customer_name: `压测顾客${i}`, created_on_device: 'bench-device' },
      });
    }
    const body = JSON.stringify({ device: 'bench-device', ops });
    sent += Buffer.byteLength(body);
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/v1/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestToken}` },
      body,
    });
    const answer = await res.json();
    batches.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`ingest push answered ${res.status}: ${JSON.stringify(answer).slice(0, 300)}`);
    const bad = answer.results.find((r) => r.status !== 'accepted');
    if (bad || answer.results.length !== ops.length)
      throw new Error(`ingest: not every op accepted: ${JSON.stringify(bad).slice(0, 300)}`);
  }
  const ingestMs = Date.now() - ingestT0;
  rows.push([
    `server ingest, node -> HTTP, ${INGEST_OPS} creation ops in batches of ${INGEST_BATCH}`,
    `${Math.round(INGEST_OPS / (ingestMs / 1000))} ops/s`,
    String(batches.length),
    kb(sent),
    '',
    '',
  ]);
  notes.push(
    `ingest: ${s(ingestMs)} s in all; batch latency median ${median(batches).toFixed(0)} ms, max ${Math.max(...batches).toFixed(0)} ms ` +
      `(${kb(sent / batches.length)} KB per batch)`,
  );

  // ---- the table
  const head = ['figure', 'time', 'requests', 'up KB', 'down KB', 'total KB'];
  // display width: CJK characters take two columns
  const width = (text) => [...text].reduce((w, ch) => w + (/[\u2e80-\uffef]/.test(ch) ? 2 : 1), 0);
  const pad = (text, w, left) => (left ? ' '.repeat(w - width(text)) + text : text + ' '.repeat(w - width(text)));
  const widths = head.map((h, c) => Math.max(width(h), ...rows.map((r) => width(r[c]))));
  const line = (r) => '  ' + r.map((cell, c) => pad(cell, widths[c], c > 0)).join('  ');
  console.log(`sync (release server, SQLite, headless Chromium; ${N} generated complaints of ~1.2 KB JSON; bytes on the wire for /api/, gzip responses):`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  for (const n of notes) console.log(`  - ${n}`);
} catch (e) {
  console.error(`sync benchmark failed at "${step}": ${e?.stack || e}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}
