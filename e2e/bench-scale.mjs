// Figures: how sync grows with the number of complaints, up to the regional
// manager's case of 100,000 on one tablet. A benchmark, not a test: it prints
// figures and asserts nothing about speed; it exits non-zero only when
// something fails (a count that does not come out, a request that fails).
//   node e2e/bench-scale.mjs [SIZES]    (default 1000,10000,100000; scripts/bench-scale)
//
// For each size N, with a fresh release server (SQLite) and headless Chromium:
// 1. tablet A writes N generated complaints (~1.2 KB JSON, Chinese text)
//    offline, in the app's storage format (`seed.js`, 500 to a transaction:
//    the seeding is not what is measured), then goes online: the push is the
//    time until the sync bar reads "0 waiting";
// 2. a fresh tablet B signs in as the same administrator: the pull is the
//    time from pressing 登录 until the list reads "共 N 条". While it runs,
//    every 250 ms: the JS heap in use (Chrome DevTools Protocol,
//    Runtime.getHeapUsage; the wasm's own linear memory is not in it and is
//    read apart, from the page's WebAssembly.Memory, which Trunk's start event
//    hands over), the progress bar's value, the list's count (and when it
//    first reads a number: the list grows page by page), and how long
//    the page takes to answer a trivial evaluate (the longest is the worst
//    moment a tap would have waited). At the end: IndexedDB's size
//    (navigator.storage.estimate()).
import { launchBrowser, openApp, signIn, startServer } from './lib.js';
import { seedLocalComplaints } from './seed.js';

const SIZES = (process.argv[2] || '1000,10000,100000').split(',').map(Number);
const SEED_CHUNK = 5000;
const PER_TX = 500;
const LONG = 60 * 60_000;

const s = (ms) => (ms / 1000).toFixed(2);
const mb = (b) => (b / 1e6).toFixed(0);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function pending(page, n, timeout = LONG) {
  await page.getByTestId('sync-pending').and(page.locator(`[data-count="${n}"]`)).waitFor({ timeout });
}

async function idle(page) {
  await page.getByTestId('sync-now').and(page.locator('[aria-busy=false]')).waitFor({ timeout: LONG });
}

/** The page's wasm memory in bytes (its exports come with Trunk's start event: `keepExports`). */
const wasmBytes = () => window.__wasmExports?.memory?.buffer?.byteLength ?? 0;
function keepExports() {
  addEventListener('TrunkApplicationStarted', (e) => (window.__wasmExports = e.detail.wasm));
}

async function one(n) {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    // ---- 1. A writes n offline, then pushes them
    const ctxA = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 768 } });
    const a = await ctxA.newPage();
    await openApp(a, server.url);
    await signIn(a, server, 'admin');
    await idle(a);
    await ctxA.setOffline(true);
    let seedMs = 0;
    for (let first = 0; first < n; first += SEED_CHUNK) {
      seedMs += await seedLocalComplaints(a, Math.min(SEED_CHUNK, n - first), first, { perTx: PER_TX });
    }
    await a.reload();
    await pending(a, n);
    await a.getByTestId('sync-problem').waitFor({ timeout: LONG }); // the start-up sync failed: offline
    await idle(a);
    const pushT0 = Date.now();
    await ctxA.setOffline(false); // the `online` event starts a sync
    await pending(a, 0);
    const pushMs = Date.now() - pushT0;
    await idle(a);
    await ctxA.close();

    // ---- 2. a fresh B pulls them
    const ctxB = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1024, height: 768 } });
    await ctxB.addInitScript(keepExports);
    const b = await ctxB.newPage();
    const cdp = await ctxB.newCDPSession(b);
    await b.goto(server.url);
    await b.locator('input[name=username]').fill('admin');
    await b.locator('input[name=password]').fill(server.password);
    const listed = `共 ${n} 条`;
    const seen = { heap: 0, wasm: 0, progress: new Set(), counts: new Set(), stall: 0, samples: 0, firstListedMs: null };
    let done = false;
    const pullT0 = Date.now();
    const sampler = (async () => {
      while (!done) {
        const t = Date.now();
        const look = await b
          .evaluate((wasm) => {
            const p = document.querySelector('[data-testid=sync-progress]');
            const c = document.querySelector('.list-count');
            return { progress: p ? p.value : null, count: c ? c.textContent : null, wasm: (0, eval)(`(${wasm})`)() };
          }, wasmBytes.toString())
          .catch(() => null);
        seen.stall = Math.max(seen.stall, Date.now() - t);
        const heap = await cdp.send('Runtime.getHeapUsage').catch(() => null);
        if (heap) seen.heap = Math.max(seen.heap, heap.usedSize);
        if (look) {
          seen.samples++;
          seen.wasm = Math.max(seen.wasm, look.wasm);
          if (look.progress !== null) seen.progress.add(look.progress);
          if (look.count !== null) {
            seen.counts.add(look.count);
            if (seen.firstListedMs === null && /[1-9]/.test(look.count)) seen.firstListedMs = Date.now() - pullT0;
          }
        }
        await sleep(250);
      }
    })();
    await b.locator('button[type=submit]:not([data-lang])').click();
    await b.locator('.list-count', { hasText: listed }).waitFor({ timeout: LONG });
    const pullMs = Date.now() - pullT0;
    done = true;
    await sampler;
    await idle(b);
    const usage = await b.evaluate(async () => (await navigator.storage.estimate()).usage);
    await ctxB.close();
    return { n, seedMs, pushMs, pullMs, usage, ...seen };
  } finally {
    await browser.close();
    await server.stop();
  }
}

const results = [];
for (const n of SIZES) {
  const r = await one(n);
  results.push(r);
  console.error(`bench-scale: ${n} done (push ${s(r.pushMs)} s, pull ${s(r.pullMs)} s)`);
}

const head = ['complaints', 'push s', 'push s/1000', 'pull s', 'pull s/1000', 'first listed s', 'peak JS heap MB', 'wasm memory MB', 'IndexedDB MB', 'progress values seen', 'longest wait for the page'];
const table = results.map((r) => [
  String(r.n),
  s(r.pushMs),
  s((r.pushMs / r.n) * 1000),
  s(r.pullMs),
  s((r.pullMs / r.n) * 1000),
  r.firstListedMs === null ? '-' : s(r.firstListedMs),
  mb(r.heap),
  r.wasm ? mb(r.wasm) : '-',
  mb(r.usage),
  String(r.progress.size),
  `${r.stall} ms`,
]);
const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
console.log('sync at scale (release server, SQLite, headless Chromium; push: A online -> "0 waiting"; pull: a fresh tablet\'s 登录 -> "共 N 条"):');
for (const line of [head, ...table]) console.log('  ' + line.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
for (const r of results) {
  const counts = [...r.counts].filter((c) => c !== `共 ${r.n} 条`);
  console.log(
    `  - ${r.n}: seeded locally in ${s(r.seedMs)} s (${PER_TX} to a transaction); during the pull ${r.samples} samples, ` +
      `the list's count read ${counts.length ? counts.join(' / ') : 'nothing before the end'}`,
  );
}
process.exit(0);
