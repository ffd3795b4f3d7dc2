// Figure: time to save one complaint to IndexedDB in headless Chromium, from
// the release build, p50/p95 over N saves (default 200). A benchmark, not a
// test: it prints figures and asserts nothing about speed.
//   node e2e/bench-save.mjs [N]        (scripts/bench sets the env)
import { launchBrowser, startServer } from './lib.js';

const n = Number(process.argv[2] || 200);
const server = await startServer();
const browser = await launchBrowser();
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => window.wasmBindings && window.wasmBindings.bench_idb_saves);
  const ms = await page.evaluate((count) => window.wasmBindings.bench_idb_saves(count), n);
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
