// Figure: time to save one complaint to IndexedDB in headless Chromium, p50/p95
// over N saves (default 200), as the app saves one: the record as JSON text
// put into its store and the form's draft deleted, in one transaction, each
// awaited to its commit. Into a scratch database (deleted afterwards), from the
// page of the release build. A benchmark, not a test: it prints figures and
// asserts nothing about speed.
//   node e2e/bench-save.mjs [N]        (scripts/bench sets the env)
import { launchBrowser, startServer } from './lib.js';
import { fixture } from './seed.js';

/** Runs in the page: `n` timed saves into a scratch database; the ms of each. */
async function savesInPage(n, fixture) {
  const request = (r) =>
    new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  await request(indexedDB.deleteDatabase('bench-scratch'));
  const open = indexedDB.open('bench-scratch', 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore('complaints');
    open.result.createObjectStore('drafts');
  };
  const db = await request(open);
  const timings = [];
  for (let i = 0; i < n; i += 1) {
    const complaint = { id: crypto.randomUUID(), ...fixture(i, 'bench'), updated_at: new Date().toISOString() };
    const started = performance.now();
    const tx = db.transaction(['complaints', 'drafts'], 'readwrite');
    tx.objectStore('complaints').put(JSON.stringify(complaint), complaint.id);
    tx.objectStore('drafts').delete('intake');
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    timings.push(performance.now() - started);
  }
  db.close();
  await request(indexedDB.deleteDatabase('bench-scratch'));
  return timings;
}

const n = Number(process.argv[2] || 200);
const server = await startServer();
const browser = await launchBrowser();
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url);
  await page.getByTestId('net-status').waitFor();
  const ms = await page.evaluate(`(${savesInPage})(${n}, ${fixture})`);
  const sorted = [...ms].sort((a, b) => a - b);
  const pick = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  const f = (x) => x.toFixed(2);
  console.log(`indexeddb save of one complaint (~1.2 KB JSON, own transaction), ${ms.length} saves:`);
  console.log(`  p50 ${f(pick(0.5))} ms   p95 ${f(pick(0.95))} ms   mean ${f(mean)} ms   max ${f(sorted.at(-1))} ms`);
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}
